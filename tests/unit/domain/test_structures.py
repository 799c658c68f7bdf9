"""Legs and structures: builders check their inputs; payoffs by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.domain.structures import (
    Leg,
    PositionRole,
    Right,
    Side,
    Structure,
    calendar,
    double_calendar,
    iron_fly,
)
from engine.errors import PosbtError

E1 = dt.date(2025, 1, 9)
E2 = dt.date(2025, 1, 30)


def test_iron_fly_legs_and_payoff() -> None:
    fly = iron_fly(centre=22000, wing_pts=300, expiry=E1, lots=2)
    assert [(lg.right, lg.side, lg.strike) for lg in fly.legs] == [
        (Right.CE, Side.SELL, 22000), (Right.PE, Side.SELL, 22000),
        (Right.CE, Side.BUY, 22300), (Right.PE, Side.BUY, 21700)]
    assert fly.legs[2].role is PositionRole.HEDGE
    # at 22130: short call -130 x 2 lots, everything else worthless -> -260
    assert fly.payoff_pts(22130) == pytest.approx(-260.0)
    # beyond the wing at 22500: -500 + 200 = -300 per lot -> -600 (max loss = wing)
    assert fly.payoff_pts(22500) == pytest.approx(-600.0)
    assert fly.payoff_pts(21000) == pytest.approx(-600.0)
    assert fly.expiries == (E1,)


def test_calendar_and_double_calendar() -> None:
    cal = calendar(22000, Right.CE, E1, E2, lots=1)
    assert [lg.signed_lots for lg in cal.legs] == [-1, 1]
    assert cal.expiries == (E1, E2)
    dc = double_calendar(21800, 22200, E1, E2)
    assert len(dc.legs) == 4 and dc.name == "DOUBLE_CALENDAR"
    with pytest.raises(PosbtError, match="must be after"):
        calendar(22000, Right.PE, E2, E1)
    with pytest.raises(PosbtError, match="above call strike"):
        double_calendar(22200, 21800, E1, E2)


def test_bad_inputs_are_named() -> None:
    with pytest.raises(PosbtError, match="not a multiple of the strike step 50"):
        iron_fly(22000, 275, E1)
    with pytest.raises(PosbtError, match="centre strike 22010"):
        iron_fly(22010, 300, E1)
    with pytest.raises(PosbtError, match="wing width must be positive"):
        iron_fly(22000, 0, E1)
    with pytest.raises(PosbtError, match="strike step must be positive"):
        iron_fly(22000, 300, E1, strike_step=0)
    with pytest.raises(PosbtError, match="strike must be positive"):
        Leg(Right.CE, Side.BUY, 0, E1)
    with pytest.raises(PosbtError, match="lots must be positive"):
        Leg(Right.CE, Side.BUY, 100, E1, lots=0)
    with pytest.raises(PosbtError, match="at least one leg"):
        Structure("x", ())
    leg = Leg(Right.PE, Side.SELL, 100, E1, leg_id="a")
    with pytest.raises(PosbtError, match="duplicate leg ids"):
        Structure("x", (leg, leg))
    assert leg.with_lots(3).lots == 3 and leg.key == (E1, 100, "PE")
    assert leg.intrinsic_pts(90) == 10 and leg.intrinsic_pts(110) == 0
