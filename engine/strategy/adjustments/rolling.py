"""The roll the three roll types share (strategy stage): move the short legs by one strike shift.

Every short leg (and every long leg when ``roll_long_leg``) moves by the same strike shift:
from the first short leg's strike to the rule's target strike at the bar (ATM by default), or
``roll_steps`` strike steps in the roll's direction when the target is the current strike or
lies the other way. A diagonal roll also moves the short legs to the expiry nearest
``new_dte`` days.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.domain.structures import Leg, PositionRole, Side
from engine.strategy.adjustments.base import AdjustmentPlan, Market, quoted, target_strike
from engine.strategy.adjustments.rules import AdjRule
from engine.strategy.choices import ExpiryMethod, ExpiryRule
from engine.strategy.selection import SelectionError, select_expiry


def roll(rule: AdjRule, legs: Sequence[Leg], m: Market, sign: int, diagonal: bool = False
         ) -> AdjustmentPlan:
    """Shift the short legs (``sign`` +1 up, -1 down) and, when ``diagonal``, their expiry."""
    shorts = [i for i, leg in enumerate(legs) if leg.side is Side.SELL
              and leg.role is not PositionRole.SCALP]
    if not shorts:
        raise SelectionError("no short leg to roll")
    first = legs[shorts[0]]
    new_expiry = None
    if diagonal:
        new_expiry = select_expiry(m.listed, m.at.date(),
                                   ExpiryRule(ExpiryMethod.DTE, float(rule.new_dte)))
    # the target strike comes from the chain the short legs will trade in
    target = target_strike(rule, m, new_expiry or first.expiry, first.right)
    shift = target - first.strike
    if shift == 0 or (shift > 0) != (sign > 0):
        shift = sign * rule.roll_steps * m.strike_step
    moved = list(shorts)
    if rule.roll_long_leg:
        moved += [i for i, leg in enumerate(legs) if leg.side is Side.BUY
                  and leg.role is not PositionRole.SCALP]
    opened = []
    for i in sorted(moved):
        leg = legs[i]
        expiry = new_expiry if (new_expiry is not None and leg.side is Side.SELL) else leg.expiry
        new = Leg(leg.right, leg.side, leg.strike + shift, expiry, leg.lots, leg.role,
                  f"{leg.leg_id.split('@')[0]}@{leg.strike + shift:g}")
        quoted(m.chains.get(expiry), new.strike, new.right, f"roll of {leg.leg_id}")
        opened.append(new)
    return AdjustmentPlan(tuple(sorted(moved)), tuple(opened),
                          f"shift {shift:+g} pts" + (f", to {new_expiry}" if new_expiry else ""))
