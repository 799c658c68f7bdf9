"""Adjustment plans size in units across lot sizes (pure: constructed chains at one bar).

Weekly W1 and W2 trade 75 a lot, the monthly M1 25 (NIFTY, January 2025). The held calendar is
the one entry balances: short 22,000 CE W1 1 lot x 75, long 22,000 CE M1 3 lots x 25.
"""

from __future__ import annotations

import pytest

from engine.domain.structures import Leg, PositionRole, Right, Side
from engine.strategy.adjustments.base import Market, adjustment_for
from engine.strategy.adjustments.double_calendar import DoubleCalendarParams
from engine.strategy.adjustments.dynamic_hedge import HedgeParams
from engine.strategy.adjustments.rolling import RollParams
from engine.strategy.adjustments.rules import AdjAction, AdjRule
from engine.strategy.adjustments.state import RuleState
from engine.strategy.selection import SelectionError
from tests.unit.strategy.adjustments.test_types import AT, M1, W1, W2, chain

LISTED = [(W1, "WEEKLY"), (W2, "WEEKLY"), (M1, "MONTHLY")]
CAL = (Leg(Right.CE, Side.SELL, 22000.0, W1, 1, PositionRole.PRIMARY, "short"),
       Leg(Right.CE, Side.BUY, 22000.0, M1, 3, PositionRole.PRIMARY, "long"))


def market(spot: float, direction: int = 1, lots: dict | None = None,  # type: ignore[type-arg]
           leg_lots: tuple[int, ...] = (75, 25), max_lots: int | None = None,
           delta_inr: float = 0.0) -> Market:
    sizes = lots if lots is not None else {W1: 75, W2: 75, M1: 25}
    return Market(AT, spot, direction, {e: chain() for e, _ in LISTED}, LISTED, 50.0, leg_lots[0],
                  delta_inr, (), leg_lots, sizes, max_lots)


def units(legs: tuple[Leg, ...], m: Market) -> list[int]:
    return [leg.signed_lots * m.lot_of(leg.expiry) for leg in legs]


def test_double_calendar_units_match_the_first_short_leg() -> None:
    t = adjustment_for(AdjAction.DOUBLE_CALENDAR)
    m = market(22020.0)
    p = t.plan(AdjRule("R", AdjAction.DOUBLE_CALENDAR, params=DoubleCalendarParams(2)), CAL, m,
               RuleState())
    # 22,100 CE calendar: 1 lot x 75 short W1, 3 lots x 25 long M1 (the old max-lots rule sold
    # 3 lots x 75 = 225 against 75)
    assert [(leg.leg_id, leg.expiry, leg.lots) for leg in p.open] == [
        ("dc_short_CE", W1, 1), ("dc_long_CE", M1, 3)]
    assert sum(units(p.open, m)) == -1 * 75 + 3 * 25 == 0


def test_double_calendar_that_cannot_balance_within_max_lots_is_blocked() -> None:
    t = adjustment_for(AdjAction.DOUBLE_CALENDAR)
    with pytest.raises(SelectionError, match="CE legs cannot carry equal units within MaxLots 2"):
        t.plan(AdjRule("R", AdjAction.DOUBLE_CALENDAR), CAL, market(22020.0, max_lots=2),
               RuleState())


def test_rolling_the_long_leg_keeps_its_units() -> None:
    t = adjustment_for(AdjAction.ROLL_UP)
    rule = AdjRule("R", AdjAction.ROLL_UP, params=RollParams(roll_long_leg=True))
    m = market(22230.0)
    p = t.plan(rule, CAL, m, RuleState())
    # both move +250; the short stays 1 x 75 and the long 3 x 25: units -75 and +75 kept
    assert [(leg.expiry, leg.lots) for leg in p.open] == [(W1, 1), (M1, 3)]
    assert units(p.open, m) == [-75, 75]


def test_a_diagonal_roll_keeps_units_or_says_why_not() -> None:
    t = adjustment_for(AdjAction.ROLL_DIAGONAL)
    weekly_cal = (CAL[0], Leg(Right.CE, Side.BUY, 22000.0, W2, 1, PositionRole.PRIMARY, "long"))
    rule = AdjRule("R", AdjAction.ROLL_DIAGONAL, params=RollParams(new_dte=24))  # -> M1
    m = market(22230.0, leg_lots=(75, 75))
    p = t.plan(rule, weekly_cal, m, RuleState())
    # 75 short units out to M1 at 25 a lot: 3 lots (not 1 lot = 25 units)
    assert [(leg.expiry, leg.lots) for leg in p.open] == [(M1, 3)]
    assert units(p.open, m) == [-3 * 25] == [-75]
    # a monthly of 35 a lot: 75 / 35 is not whole, so the roll is blocked rather than unbalanced
    odd = market(22230.0, lots={W1: 75, W2: 75, M1: 35}, leg_lots=(75, 75))
    with pytest.raises(SelectionError, match="75 units are not a whole number of lots of 35"):
        t.plan(rule, weekly_cal, odd, RuleState())


def test_a_new_hedge_counts_lots_of_the_contract_it_trades() -> None:
    t = adjustment_for(AdjAction.DYNAMIC_HEDGE)
    rule = AdjRule("H", AdjAction.DYNAMIC_HEDGE, params=HedgeParams(delta_band_inr=10.0))
    # the first held leg is the monthly (25 a lot); the synthetic trades the front W1 (75)
    legs = (CAL[1], CAL[0])
    m = market(22000.0, leg_lots=(25, 75), delta_inr=-80.0)
    p = t.plan(rule, legs, m, RuleState())
    # round(80 / 75) = 1 weekly lot = +75 delta (by the first leg's lot size: round(80 / 25) =
    # 3 lots = 225, an over-hedge to +145)
    assert [(leg.leg_id, leg.expiry, leg.signed_lots) for leg in p.open] == [
        ("hedge_CE", W1, 1), ("hedge_PE", W1, -1)]
