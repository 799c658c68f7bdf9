"""Breakevens from the expiry payoff of the legs held (issue "Numbers a trader can trust",
item 2), checked against a brute-force grid of the payoff and hand arithmetic."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from engine.breakeven.payoff import expiry_breakevens, payoff_inr
from engine.domain.structures import Leg, PositionRole, Right, Side
from engine.strategy.breakevens import BreakevenPlan, OpenBook, band_path, fly_band

U = 75  # units


def _grid_roots(strikes: list[float], calls: list[bool], qty: list[float], cash: float
                ) -> list[float]:
    """Independent reference: sign changes of the payoff on a 0.01-point grid."""
    s = np.arange(15000.0, 30000.0, 0.01)
    p = payoff_inr(s, strikes, calls, qty, cash)
    flip = np.flatnonzero(np.sign(p[1:]) != np.sign(p[:-1]))
    return [float(s[i]) for i in flip]


ROLLED = ([22650.0, 22650.0, 22550.0, 23150.0], [True, False, False, True],
          [-U, -U, U, U], 196.15 * U)


def test_rolled_shorts_have_no_lower_breakeven() -> None:
    # shorts rolled to 22650, wings 22550 / 23150, credit 196.15 a unit:
    # below 22550 the payoff is 196.15 - (22650 - 22550) = +96.15 for every S: no lower root;
    # above 22650: 196.15 - (S - 22650) = 0 at S = 22846.15, before the 23150 wing
    lo, hi = expiry_breakevens(*ROLLED, spot=22700.0)
    assert lo == -math.inf
    assert hi == pytest.approx(22846.15)
    assert _grid_roots(*ROLLED) == [pytest.approx(22846.15, abs=0.01)]
    assert float(payoff_inr(np.array([20000.0]), *ROLLED)[0]) == pytest.approx(96.15 * U)


def test_a_plain_fly_matches_the_closed_form() -> None:
    # K 22000, wings 300, credit 240: K -/+ 240 (the INCLUDE closed form)
    fly = ([22000.0, 22000.0, 21700.0, 22300.0], [True, False, False, True], [-U, -U, U, U],
           240.0 * U)
    assert expiry_breakevens(*fly, spot=22010.0) == (pytest.approx(21760), pytest.approx(22240))
    assert _grid_roots(*fly) == [pytest.approx(21760, abs=0.01), pytest.approx(22240, abs=0.01)]


def test_a_hedged_position_and_no_profit_anywhere() -> None:
    # the fly plus a bought 22100 call (a hedge) paid 80: credit 160, the call pays above 22100:
    # 160 - (S - 22000) + (S - 22100) = 60 for 22100 <= S <= 22300; above 22300 the wing adds +1
    # a point: no upper breakeven; lower: 160 - (22000 - S) = 0 at 21840
    legs = ([22000.0, 22000.0, 21700.0, 22300.0, 22100.0], [True, False, False, True, True],
            [-U, -U, U, U, U], 160.0 * U)
    assert expiry_breakevens(*legs, spot=22000.0) == (pytest.approx(21840), math.inf)
    assert _grid_roots(*legs) == [pytest.approx(21840, abs=0.01)]
    # a 300-point call spread bought for 400: at best 300 - 400 = -100, no band at all
    spread = ([22000.0, 22300.0], [True, True], [U, -U], -400.0 * U)
    assert all(math.isnan(x) for x in expiry_breakevens(*spread, spot=22000.0))
    assert _grid_roots(*spread) == []
    # one long call bought at 100: the right tail pays from 22000 + 100 = 22100
    assert expiry_breakevens([22000.0], [True], [U], -100.0 * U, spot=21900.0) == (
        pytest.approx(22100), math.inf)


def _leg(leg_id: str, right: Right, side: Side, strike: float) -> Leg:
    return Leg(right, side, strike, dt.date(2025, 1, 9), 1, PositionRole.PRIMARY, leg_id)


def test_band_path_uses_the_payoff_once_adjusted() -> None:
    legs = (_leg("sc", Right.CE, Side.SELL, 22650), _leg("sp", Right.PE, Side.SELL, 22650),
            _leg("lp", Right.PE, Side.BUY, 22550), _leg("lc", Right.CE, Side.BUY, 23150))
    book = OpenBook("IRON_FLY", legs, (-U, -U, U, U), U, 196.15 * U, 0.0, 0.0, 0.0,
                    adjusted=True)
    bp = BreakevenPlan()
    ts = np.array(["2025-01-07T10:00"], dtype="datetime64[us]")
    lo, hi = band_path(bp, book, ts, np.array([22700.0]), np.full((1, 4), 0.15), 0.065)
    assert lo[0] == -math.inf and hi[0] == pytest.approx(22846.15)
    # the closed form (what the unadjusted path still uses) puts a lower breakeven where the
    # position makes money: 22650 - 196.15 = 22453.85
    old_lo, _ = fly_band(bp, book, 22700.0, ts[0].astype(object), 0.15, 0.065)
    assert old_lo == pytest.approx(22453.85)
    assert float(payoff_inr(np.array([22453.85]), *ROLLED)[0]) > 0
