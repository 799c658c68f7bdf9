"""Slippage models, one per unit, by hand."""

from __future__ import annotations

import pytest

from engine.config.enums import SlippageKind
from engine.execution.slippage import PercentSlippage, PointsSlippage, TicksSlippage


def test_points_slippage_is_fixed() -> None:
    assert PointsSlippage(amount_pts=0.75).slippage_pts(10.0) == 0.75
    assert PointsSlippage(amount_pts=0.75).slippage_pts(500.0) == 0.75
    assert PointsSlippage.kind is SlippageKind.POINTS


def test_percent_slippage_scales_with_price() -> None:
    # 0.5% of 240 = 1.2 pts
    assert PercentSlippage(frac=0.005).slippage_pts(240.0) == pytest.approx(1.2)
    assert PercentSlippage.kind is SlippageKind.PERCENT


def test_ticks_slippage_counts_ticks() -> None:
    # 3 ticks of 0.05 = 0.15; 2 ticks of a 0.10 tick = 0.20
    assert TicksSlippage(ticks=3).slippage_pts(99.0) == pytest.approx(0.15)
    assert TicksSlippage(ticks=2, tick_pts=0.10).slippage_pts(99.0) == pytest.approx(0.20)
    assert TicksSlippage.kind is SlippageKind.TICKS
