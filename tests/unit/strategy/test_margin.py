"""Margin estimate of a new position (strategy stage): defined risk, max loss, exposure — by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from engine.domain.structures import Leg, Right, Side, calendar, iron_fly
from engine.strategy.limits import RiskLimits
from engine.strategy.margin import estimate_margin_inr, is_defined_risk, max_loss_at_expiry_inr

E1, E2 = dt.date(2025, 1, 9), dt.date(2025, 1, 30)


def test_iron_fly_margin_is_max_loss_plus_exposure() -> None:
    fly = iron_fly(22000, 300, E1).legs
    px = np.array([180.0, 175.0, 60.0, 55.0])  # credit 240
    # max loss = (wing 300 - credit 240) x 75 = 4,500
    assert max_loss_at_expiry_inr(fly, px, [75] * 4, 22010) == pytest.approx(4500)
    # exposure 2% of short notional: 2 short lots x 75 x 22010 = 3,301,500 -> 66,030
    m = estimate_margin_inr(fly, px, [75] * 4, 22010, RiskLimits())
    assert m == pytest.approx(4500 + 0.02 * 150 * 22010)
    assert is_defined_risk(fly)


def test_naked_and_calendar_margins() -> None:
    straddle = [Leg(Right.CE, Side.SELL, 22000, E1), Leg(Right.PE, Side.SELL, 22000, E1)]
    assert not is_defined_risk(straddle)
    # 12% of 150 units x 22000 = 396,000
    assert estimate_margin_inr(straddle, np.array([180.0, 175.0]), [75, 75], 22000,
                               RiskLimits()) == pytest.approx(0.12 * 150 * 22000)
    cal = calendar(22000, Right.CE, E1, E2).legs
    assert is_defined_risk(cal)  # the short front is covered by the later long
    # debit 150 x 75 = 11,250 plus 2% of 75 x 22000 = 33,000
    assert estimate_margin_inr(cal, np.array([100.0, 250.0]), [75, 75], 22000,
                               RiskLimits()) == pytest.approx(11250 + 33000)
