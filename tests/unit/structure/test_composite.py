"""Merging, touches, strength, bands and selection against hand arithmetic."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from engine.config.models.structure import MarketStructureConfig
from engine.structure.composite import (
    band_half_width_pts,
    merge_levels,
    score_levels,
    select_levels,
    touch_stats,
    with_bands,
)
from engine.structure.regime import VolState
from engine.structure.types import SRKind, SRLevel
from tests.unit.structure._series import bars_from_closes


def _lv(price: float, strength: float, method: str = "PIVOT", label: str = "",
        kind: SRKind = SRKind.SUPPORT) -> SRLevel:
    return SRLevel(price, kind, strength, method, label=label)


def test_merge_closer_than_min_distance() -> None:
    levels = [_lv(100.0, 0.5, label="a"), _lv(104.0, 0.5, "VOLUME", "b"), _lv(130.0, 0.9)]
    merged = merge_levels(levels, 10.0, {"PIVOT": 1.0, "VOLUME": 0.6})
    assert len(merged) == 2
    m = merged[0]
    # weights: 1.0*0.5 = 0.5 and 0.6*0.5 = 0.3 -> price (0.5*100 + 0.3*104)/0.8 = 101.5
    assert m.level == pytest.approx(101.5)
    # confluence 1 - (1-0.5)(1-0.3) = 0.65
    assert m.strength == pytest.approx(0.65)
    assert m.method == "PIVOT+VOLUME"
    assert m.label == "a, b"
    assert merged[1] == levels[2]  # alone and primary: unchanged
    assert merge_levels([], 10.0) == []


def test_merge_is_single_linkage_and_keeps_zones() -> None:
    chain = [SRLevel(100.0 + 8 * i, SRKind.OB, 0.5, "SMC", label=f"l{i}",
                     zone=(99.0 + 8 * i, 101.0 + 8 * i)) for i in range(5)]
    merged = merge_levels(chain, 10.0)
    assert len(merged) == 1
    assert merged[0].zone == (99.0, 133.0)
    assert merged[0].label == "l0, l1, l2 (+2)"
    assert merged[0].strength == pytest.approx(1 - 0.5**5)


def test_touch_stats_counts_visits_not_bars() -> None:
    # closes 100, 105, 110, 110, 105, 100, 105, 110: level 110 is touched on bars 2-4
    # (bar 4 opens at 110) and again on bar 7 -> 2 visits, last on day 8
    bars = bars_from_closes(np.array([100, 105, 110, 110, 105, 100, 105, 110.0]))
    touches, last = touch_stats(110.0, bars, 0.0)
    assert touches == 2
    assert last == date(2024, 1, 8)
    assert touch_stats(200.0, bars, 1.0) == (0, None)
    assert touch_stats(110.0, bars.take(slice(0, 0)), 1.0) == (0, None)


def test_score_formula() -> None:
    bars = bars_from_closes(np.array([100, 105, 110, 110, 105, 100, 105, 110.0]))
    on = date(2024, 1, 9)
    (scored,) = score_levels([_lv(110.0, 0.8)], bars, on, 0.0, 0.5)
    # touches 2, last 2024-01-08 (1 day ago): test = (1 - e^-1) * e^(-1/30)
    test = (1 - math.exp(-1.0)) * math.exp(-1 / 30)
    assert scored.strength == pytest.approx(0.8 * (0.5 + 0.5 * test))
    assert (scored.touches, scored.last_tested) == (2, date(2024, 1, 8))
    (untested,) = score_levels([_lv(300.0, 0.8)], bars, on, 0.0, 0.5)
    assert untested.strength == pytest.approx(0.4)  # 0.8 * (1 - 0.5)
    (no_weight,) = score_levels([_lv(300.0, 0.8)], bars, on, 0.0, 0.0)
    assert no_weight.strength == pytest.approx(0.8)


def test_bands_by_volatility_state() -> None:
    cfg = MarketStructureConfig().params()  # expansion 1.5, tightening 0.75, proximity 50
    # ATR 200 -> base 0.25 * 200 = 50
    assert band_half_width_pts(200.0, VolState.NORMAL, cfg) == pytest.approx(50.0)
    assert band_half_width_pts(200.0, VolState.HIGH, cfg) == pytest.approx(75.0)
    assert band_half_width_pts(200.0, VolState.LOW, cfg) == pytest.approx(37.5)
    off = MarketStructureConfig(volatility_weighted_levels=False).params()
    assert band_half_width_pts(200.0, VolState.HIGH, off) == pytest.approx(50.0)
    # no ATR: the config's proximity points
    assert band_half_width_pts(float("nan"), VolState.NORMAL, cfg) == pytest.approx(50.0)
    assert [lv.band_pts for lv in with_bands([_lv(1.0, 0.5)], 12.5)] == [12.5]


def test_select_threshold_and_max_levels_each_side() -> None:
    cfg = MarketStructureConfig(level_strength_threshold=0.5, max_levels=2).params()
    levels = [_lv(p, s) for p, s in ((90, 0.9), (95, 0.6), (99, 0.7), (101, 0.4), (102, 0.8),
                                     (110, 0.9), (120, 0.9))]
    kept = select_levels(levels, 100.0, cfg)
    # 101 is too weak; below: 99, 95 (nearest two); above: 102, 110
    assert [lv.level for lv in kept] == [95.0, 99.0, 102.0, 110.0]
