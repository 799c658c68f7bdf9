"""DOUBLE_CALENDAR (strategy stage, an adjustment type): add a second calendar.

Sell the front expiry and buy the back at the target strike, or ``second_offset_steps`` strike
steps away from the first calendar in the move's direction when the target is the first
calendar's strike, on ``second_right`` (default: calls after a move up, puts after a move down).
The position's existing legs stay.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.domain.structures import Leg, PositionRole, Right, Side
from engine.strategy.adjustments.base import (
    AdjustmentPlan,
    AdjustmentType,
    Market,
    quoted,
    register,
    target_strike,
)
from engine.strategy.adjustments.rules import AdjAction, AdjRule
from engine.strategy.adjustments.state import RuleState
from engine.strategy.selection import SelectionError


@register
class DoubleCalendar(AdjustmentType):
    """Turn a calendar into a double calendar on the side the index moved to."""

    kind = AdjAction.DOUBLE_CALENDAR

    def plan(self, rule: AdjRule, legs: Sequence[Leg], m: Market, state: RuleState) -> AdjustmentPlan:
        """A second calendar at the target strike (or offset from the first)."""
        expiries = sorted({leg.expiry for leg in legs})
        if len(expiries) < 2:
            raise SelectionError("DOUBLE_CALENDAR needs a calendar (two expiries)")
        front, back = expiries[0], expiries[-1]
        right = rule.second_right or (Right.CE if m.direction >= 0 else Right.PE)
        first_strike = next(leg.strike for leg in legs if leg.expiry == front and leg.side is Side.SELL)
        strike = target_strike(rule, m, front, right)
        if strike == first_strike:
            strike = first_strike + (1 if m.direction >= 0 else -1) * rule.second_offset_steps * \
                m.strike_step
        lots = max(leg.lots for leg in legs)
        for e in (front, back):
            quoted(m.chains.get(e), strike, right, "second calendar")
        return AdjustmentPlan((), (
            Leg(right, Side.SELL, strike, front, lots, PositionRole.ADJUSTMENT, f"dc_short_{right.value}"),
            Leg(right, Side.BUY, strike, back, lots, PositionRole.ADJUSTMENT, f"dc_long_{right.value}"),
        ), f"second {right.value} calendar at {strike:g}")
