"""Iron fly breakevens by hand arithmetic, wing modes, costs inwards, bad input."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from engine.breakeven import (
    costs_per_unit_pts,
    flat_surface,
    iron_fly_breakevens,
    structure_breakevens,
    wing_touch_probabilities,
)
from engine.breakeven.calendar import expiry_close
from engine.config.enums import IronFlyBEWings
from engine.domain.structures import iron_fly
from engine.errors import PosbtError


def test_include_without_costs() -> None:
    # K 22000, wings 21700/22300, net credit 240 -> BEs 22000 -/+ 240 = 21760 / 22240
    # max profit 240 (at 22000), max loss 300 - 240 = 60 (beyond a wing)
    be = iron_fly_breakevens(22000, 300, 240)
    assert (be.lower, be.upper) == (21760.0, 22240.0)
    assert be.width_pts == 480.0
    assert be.max_profit_pts == 240.0 and be.max_loss_pts == 60.0


def test_costs_move_breakevens_inwards() -> None:
    # costs 2 pts/unit: credit left 238 -> BEs 21762 / 22238 (inwards, not 21758 / 22242)
    # max profit 240 - 2 = 238; max loss 300 - 240 + 2 = 62
    be = iron_fly_breakevens(22000, 300, 240, costs_pts=2)
    assert (be.lower, be.upper) == (21762.0, 22238.0)
    assert be.max_profit_pts == 238.0 and be.max_loss_pts == 62.0


def test_exclude_uses_straddle_credit() -> None:
    # straddle 330 = net 240 + wings 90; EXCLUDE: BEs 22000 -/+ (330 - 2) = 21672 / 22328
    be = iron_fly_breakevens(22000, 300, 240, costs_pts=2, wings=IronFlyBEWings.EXCLUDE,
                             wing_cost_pts=90)
    assert (be.lower, be.upper) == (21672.0, 22328.0)
    assert be.max_loss_pts == 62.0  # the structure still has its wings


def test_weighted_between_include_and_exclude() -> None:
    # lower: 330 - 0.25 * 90 - 0 = 307.5 -> 21692.5; upper: 330 - 0.5 * 90 = 285 -> 22285
    be = iron_fly_breakevens(22000, 300, 240, wings=IronFlyBEWings.WEIGHTED, wing_cost_pts=90,
                             p_put_wing=0.25, p_call_wing=0.5)
    assert be.lower == pytest.approx(21692.5) and be.upper == pytest.approx(22285.0)
    # p = 1 on both sides is INCLUDE, p = 0 is EXCLUDE
    one = iron_fly_breakevens(22000, 300, 240, wings=IronFlyBEWings.WEIGHTED, wing_cost_pts=90,
                              p_put_wing=1.0, p_call_wing=1.0)
    assert (one.lower, one.upper) == (21760.0, 22240.0)


def test_weighted_needs_probabilities_and_wing_cost() -> None:
    with pytest.raises(PosbtError, match="p_put_wing"):
        iron_fly_breakevens(22000, 300, 240, wings=IronFlyBEWings.WEIGHTED, wing_cost_pts=90)
    with pytest.raises(PosbtError, match="wing_cost_pts"):
        iron_fly_breakevens(22000, 300, 240, wings=IronFlyBEWings.EXCLUDE)


def test_wing_touch_probabilities_symmetric_without_drift() -> None:
    # r = q = 0 and a symmetric fly: the put wing (log distance ln(0.98..)) is nearer in
    # log terms than the call wing is far, so P(put wing) > P(call wing); both in (0, 1)
    p_put, p_call = wing_touch_probabilities(22000, 22000, 300, 0.14, 7 / 365)
    assert 0 < p_call < p_put < 1


@pytest.mark.parametrize(("credit", "match"), [(300, "not below the wing"), (0, "credit > 0"),
                                               (-5, "credit > 0")])
def test_bad_credit_is_a_clear_error(credit: float, match: str) -> None:
    with pytest.raises(PosbtError, match=match):
        iron_fly_breakevens(22000, 300, credit)


def test_bad_wing_centre_costs() -> None:
    with pytest.raises(PosbtError, match="wing_pts"):
        iron_fly_breakevens(22000, -300, 240)
    with pytest.raises(PosbtError, match="centre"):
        iron_fly_breakevens(math.nan, 300, 240)
    with pytest.raises(PosbtError, match="costs_pts"):
        iron_fly_breakevens(22000, 300, 240, costs_pts=-1)


def test_costs_eating_the_credit_give_nan_with_reason() -> None:
    be = iron_fly_breakevens(22000, 300, 240, costs_pts=240)
    assert math.isnan(be.lower) and math.isnan(be.upper)
    assert "no profitable range" in be.reason


def test_costs_per_unit_follow_config() -> None:
    # commission 1.5 + slippage 0.5 = 2; without slippage 1.5; without both 0
    assert costs_per_unit_pts(1.5, 0.5) == 2.0
    assert costs_per_unit_pts(1.5, 0.5, include_slippage=False) == 1.5
    assert costs_per_unit_pts(1.5, 0.5, include_slippage=False, include_commissions=False) == 0.0
    with pytest.raises(PosbtError, match="slippage_pts"):
        costs_per_unit_pts(1.0, -0.5)


def test_generic_root_finder_agrees_with_closed_form_at_expiry() -> None:
    # second method: price the four legs at the expiry (intrinsic) and find the roots
    expiry = dt.date(2024, 1, 11)
    fly = iron_fly(22000, 300, expiry)
    band = structure_breakevens(fly, valuation=dt.datetime(2024, 1, 4, 15, 30),
                                horizon=expiry_close(expiry), spot=22050,
                                surface=flat_surface(0.14), entry_value_pts=-240, costs_pts=2)
    assert band.lower == pytest.approx(21762.0, abs=1e-5)
    assert band.upper == pytest.approx(22238.0, abs=1e-5)
    assert band.max_profit_pts == pytest.approx(238.0, abs=3.0)  # grid max near 22000
