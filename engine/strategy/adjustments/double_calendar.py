"""DOUBLE_CALENDAR (strategy stage, an adjustment type): add a second calendar.

Sell the front expiry and buy the back at the target strike, or ``second_offset_steps`` strike
steps away from the first calendar in the move's direction when the target is the first
calendar's strike, on ``second_right`` (default: calls after a move up, puts after a move down).
The second calendar carries the units of the first calendar's short leg, balanced across the
two expiries' lot sizes with the entry rule (``sized_in_units``): 75 short weekly units on
weekly 75 / monthly 25 give 1 lot short and 3 lots long, never 3 lots of each. The position's
existing legs stay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.config.models.adjustments import AdjustmentRuleBase, DoubleCalendarRule
from engine.domain.structures import Leg, PositionRole, Right, Side
from engine.strategy.adjustments.base import (
    AdjustmentPlan,
    AdjustmentType,
    Market,
    params_of,
    quoted,
    register,
    target_strike,
)
from engine.strategy.adjustments.rules import AdjAction, AdjRule
from engine.strategy.adjustments.state import RuleState
from engine.strategy.selection import SelectionError
from engine.strategy.units import sized_in_units


@dataclass(frozen=True)
class DoubleCalendarParams:
    """Offset of the second calendar from the first, in strike steps, and its right."""

    second_offset_steps: int = 2       # SecondCalendarOffset
    second_right: Right | None = None  # SecondCalendarRight (None: the side of the move)


@register
class DoubleCalendar(AdjustmentType):
    """Turn a calendar into a double calendar on the side the index moved to."""

    kind = AdjAction.DOUBLE_CALENDAR

    def params_from_config(self, cfg: AdjustmentRuleBase) -> object | None:
        """Offset and right of the second calendar."""
        assert isinstance(cfg, DoubleCalendarRule)
        right = Right(cfg.second_right.value) if cfg.second_right is not None else None
        return DoubleCalendarParams(second_offset_steps=cfg.second_offset_steps, second_right=right)

    def plan(self, rule: AdjRule, legs: Sequence[Leg], m: Market, state: RuleState) -> AdjustmentPlan:
        """A second calendar at the target strike (or offset from the first)."""
        p = params_of(rule, DoubleCalendarParams)
        expiries = sorted({leg.expiry for leg in legs})
        if len(expiries) < 2:
            raise SelectionError("DOUBLE_CALENDAR needs a calendar (two expiries)")
        front, back = expiries[0], expiries[-1]
        right = p.second_right or (Right.CE if m.direction >= 0 else Right.PE)
        first = next((j for j, leg in enumerate(legs) if leg.expiry == front and leg.side is Side.SELL),
                     None)
        if first is None:
            raise SelectionError(f"DOUBLE_CALENDAR needs a short leg in the front expiry {front}")
        first_strike = legs[first].strike
        strike = target_strike(rule, m, front, right)
        if strike == first_strike:
            strike = first_strike + (1 if m.direction >= 0 else -1) * p.second_offset_steps * \
                m.strike_step
        for e in (front, back):
            quoted(m.chains.get(e), strike, right, "second calendar")
        units = m.held_units(first, legs[first])
        opened = sized_in_units((
            Leg(right, Side.SELL, strike, front, 1, PositionRole.ADJUSTMENT, f"dc_short_{right.value}"),
            Leg(right, Side.BUY, strike, back, 1, PositionRole.ADJUSTMENT, f"dc_long_{right.value}"),
        ), (m.lot_of(front), m.lot_of(back)), units, m.max_lots)
        note = f"second {right.value} calendar at {strike:g}"
        if m.lot_of(front) != m.lot_of(back):  # the legs differ in lots, not in units
            note += "; balanced in units: " + ", ".join(
                f"{leg.leg_id} {leg.lots} x {m.lot_of(leg.expiry)}" for leg in opened) + \
                f" = {opened[0].lots * m.lot_of(front)} units each"
        return AdjustmentPlan((), tuple(opened), note)
