"""The roll the three roll types share (strategy stage): move the short legs by one strike shift.

Every short leg (and every long leg when ``roll_long_leg``) moves by the same strike shift:
from the first short leg's strike to the rule's target strike at the bar (ATM by default), or
``roll_steps`` strike steps in the roll's direction when the target is the current strike or
lies the other way. A diagonal roll also moves the short legs to the expiry nearest
``new_dte`` days. A rolled leg keeps the units of the leg it replaces, in lots of its new
expiry's lot size (75 weekly units rolled to a monthly of 25 are 3 lots), so a roll across lot
sizes leaves the position as balanced in units as it was; one that cannot (units not a whole
number of the new lots, or more than MaxLots) is blocked, saying why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.config.models.adjustments import AdjustmentRuleBase
from engine.domain.structures import Leg, PositionRole, Side
from engine.strategy.adjustments.base import AdjustmentPlan, Market, params_of, quoted, target_strike
from engine.strategy.adjustments.rules import AdjRule
from engine.strategy.choices import ExpiryMethod, ExpiryRule
from engine.strategy.selection import SelectionError, select_expiry
from engine.strategy.units import lots_carrying


@dataclass(frozen=True)
class RollParams:
    """What the roll types read: strike steps when the target is the strike, whether the long
    legs move too, and the diagonal's new DTE."""

    roll_steps: int = 1         # RollStrikeSteps
    roll_long_leg: bool = False  # RollLongLeg (ROLL_UP / ROLL_DOWN)
    new_dte: int = 7            # DiagonalNewDTE (ROLL_DIAGONAL)


def roll_params(cfg: AdjustmentRuleBase) -> RollParams:
    """``RollParams`` from a roll rule's config (the fields its model has)."""
    return RollParams(roll_steps=getattr(cfg, "roll_strike_steps", 1),
                      roll_long_leg=getattr(cfg, "roll_long_leg", False),
                      new_dte=getattr(cfg, "new_dte", 7))


def roll(rule: AdjRule, legs: Sequence[Leg], m: Market, sign: int, diagonal: bool = False
         ) -> AdjustmentPlan:
    """Shift the short legs (``sign`` +1 up, -1 down) and, when ``diagonal``, their expiry."""
    p = params_of(rule, RollParams)
    shorts = [i for i, leg in enumerate(legs) if leg.side is Side.SELL
              and leg.role is not PositionRole.SCALP]
    if not shorts:
        raise SelectionError("no short leg to roll")
    first = legs[shorts[0]]
    new_expiry = None
    if diagonal:
        new_expiry = select_expiry(m.listed, m.at.date(),
                                   ExpiryRule(ExpiryMethod.DTE, float(p.new_dte)))
    # the target strike comes from the chain the short legs will trade in
    target = target_strike(rule, m, new_expiry or first.expiry, first.right)
    shift = target - first.strike
    if shift == 0 or (shift > 0) != (sign > 0):
        shift = sign * p.roll_steps * m.strike_step
    moved = list(shorts)
    if p.roll_long_leg:
        moved += [i for i, leg in enumerate(legs) if leg.side is Side.BUY
                  and leg.role is not PositionRole.SCALP]
    opened = []
    for i in sorted(moved):
        leg = legs[i]
        expiry = new_expiry if (new_expiry is not None and leg.side is Side.SELL) else leg.expiry
        new = Leg(leg.right, leg.side, leg.strike + shift, expiry, leg.lots, leg.role,
                  f"{leg.leg_id.split('@')[0]}@{leg.strike + shift:g}")
        new = new.with_lots(lots_carrying(m.held_units(i, leg), m.lot_of(expiry), new, m.max_lots))
        quoted(m.chains.get(expiry), new.strike, new.right, f"roll of {leg.leg_id}")
        opened.append(new)
    return AdjustmentPlan(tuple(sorted(moved)), tuple(opened),
                          f"shift {shift:+g} pts" + (f", to {new_expiry}" if new_expiry else ""))
