"""What an adjustment trades (strategy stage): from a fired rule and the chain at that bar to the
legs to close and the legs to open. Pure: no fills, no costs (the simulation does those).

ROLL_UP / ROLL_DOWN: every short leg (and every long leg when ``roll_long_leg``) moves by the same
strike shift: from the first short leg's strike to the rule's target strike at the bar (ATM by
default), or ``roll_steps`` strike steps in the move's direction when the target equals the current
strike. ROLL_DIAGONAL: the short legs move to the target strike and to the expiry nearest
``new_dte`` days. DOUBLE_CALENDAR: a second calendar (sell the front expiry, buy the back) at the
target strike, or ``second_offset_steps`` away from the first calendar in the move's direction when
the target is the first calendar's strike, on ``second_right`` (default: calls after a move up, puts
after a move down). DYNAMIC_HEDGE: a synthetic future at the ATM strike of the front expiry (buy CE +
sell PE to add delta, the reverse to remove it), lots = round(|delta - target| / lot size).
REVERSE_BUY: buy ``part_lots`` options on the threatened side (calls after a move up, puts after a
move down) at the target strike of the front expiry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from engine.domain.structures import Leg, PositionRole, Right, Side
from engine.strategy.adjustments.rules import AdjAction, AdjRule
from engine.strategy.choices import ExpiryMethod, ExpiryRule
from engine.strategy.selection import ChainSlice, SelectionError, select_expiry, select_strike


@dataclass(frozen=True)
class AdjustmentPlan:
    """Legs to close (indices into the open legs) and legs to open."""

    close: tuple[int, ...]
    open: tuple[Leg, ...]
    note: str = ""


@dataclass(frozen=True)
class Market:
    """What an action may look at: spot, move direction, chains, listed expiries, strike step."""

    at: dt.datetime
    spot: float
    direction: int                      # +1 spot above the reference, -1 below
    chains: dict[dt.date, ChainSlice]
    listed: Sequence[tuple[dt.date, str]]
    strike_step: float
    lot_size: int
    position_delta_inr: float
    levels: tuple[float, ...] = ()      # support/resistance prices for SR_BASED targets


def _quoted(chain: ChainSlice | None, strike: float, right: Right, what: str) -> None:
    if chain is None or chain.price(strike, right) is None:
        raise SelectionError(f"{what}: no quote for {strike:g} {right.value}")


def _target(rule: AdjRule, m: Market, expiry: dt.date, right: Right) -> float:
    chain = m.chains.get(expiry)
    if chain is None:
        raise SelectionError(f"no chain for expiry {expiry}")
    return select_strike(chain, right, rule.target_strike, m.spot, m.strike_step, m.levels)


def _roll(rule: AdjRule, legs: Sequence[Leg], m: Market) -> AdjustmentPlan:
    shorts = [i for i, leg in enumerate(legs) if leg.side is Side.SELL
              and leg.role is not PositionRole.SCALP]
    if not shorts:
        raise SelectionError("no short leg to roll")
    first = legs[shorts[0]]
    new_expiry: dt.date | None = None
    if rule.action is AdjAction.ROLL_DIAGONAL:
        new_expiry = select_expiry(m.listed, m.at.date(),
                                   ExpiryRule(ExpiryMethod.DTE, float(rule.new_dte)))
    # the target strike comes from the chain the short legs will trade in
    target = _target(rule, m, new_expiry or first.expiry, first.right)
    sign = 1 if rule.action is AdjAction.ROLL_UP else -1 if rule.action is AdjAction.ROLL_DOWN \
        else m.direction
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
        _quoted(m.chains.get(expiry), new.strike, new.right, f"roll of {leg.leg_id}")
        opened.append(new)
    return AdjustmentPlan(tuple(sorted(moved)), tuple(opened),
                          f"shift {shift:+g} pts" + (f", to {new_expiry}" if new_expiry else ""))


def _double_calendar(rule: AdjRule, legs: Sequence[Leg], m: Market) -> AdjustmentPlan:
    expiries = sorted({leg.expiry for leg in legs})
    if len(expiries) < 2:
        raise SelectionError("DOUBLE_CALENDAR needs a calendar (two expiries)")
    front, back = expiries[0], expiries[-1]
    right = rule.second_right or (Right.CE if m.direction >= 0 else Right.PE)
    first_strike = next(leg.strike for leg in legs if leg.expiry == front and leg.side is Side.SELL)
    strike = _target(rule, m, front, right)
    if strike == first_strike:
        strike = first_strike + (1 if m.direction >= 0 else -1) * rule.second_offset_steps * \
            m.strike_step
    lots = max(leg.lots for leg in legs)
    for e in (front, back):
        _quoted(m.chains.get(e), strike, right, "second calendar")
    return AdjustmentPlan((), (
        Leg(right, Side.SELL, strike, front, lots, PositionRole.ADJUSTMENT, f"dc_short_{right.value}"),
        Leg(right, Side.BUY, strike, back, lots, PositionRole.ADJUSTMENT, f"dc_long_{right.value}"),
    ), f"second {right.value} calendar at {strike:g}")


def _hedge(rule: AdjRule, legs: Sequence[Leg], m: Market, n_hedges: int) -> AdjustmentPlan:
    excess = m.position_delta_inr - rule.target_delta_inr
    lots = round(abs(excess) / m.lot_size)
    if lots < 1:
        raise SelectionError(f"delta excess {excess:,.1f} is smaller than one lot of a future")
    front = min(leg.expiry for leg in legs)
    chain = m.chains.get(front)
    if chain is None:
        raise SelectionError(f"no chain for expiry {front}")
    strike = select_strike(chain, Right.CE, rule.target_strike, m.spot, m.strike_step, m.levels)
    # excess > 0: too long delta -> short synthetic (sell CE, buy PE)
    ce_side, pe_side = (Side.SELL, Side.BUY) if excess > 0 else (Side.BUY, Side.SELL)
    for right in (Right.CE, Right.PE):
        _quoted(chain, strike, right, "hedge")
    note = "synthetic future from options" + (
        " (futures requested; the store has none)" if rule.hedge_with_future else "")
    return AdjustmentPlan((), (
        Leg(Right.CE, ce_side, strike, front, lots, PositionRole.HEDGE, f"hedge{n_hedges}_CE"),
        Leg(Right.PE, pe_side, strike, front, lots, PositionRole.HEDGE, f"hedge{n_hedges}_PE"),
    ), f"{note}, {lots} lots against delta excess {excess:,.1f}")


def _reverse_buy(rule: AdjRule, legs: Sequence[Leg], m: Market, tranche: int,
                 direction: int) -> AdjustmentPlan:
    right = Right.CE if direction > 0 else Right.PE
    front = min(leg.expiry for leg in legs)
    strike = _target(rule, m, front, right)
    _quoted(m.chains.get(front), strike, right, "reverse buy")
    return AdjustmentPlan((), (Leg(right, Side.BUY, strike, front, rule.part_lots, PositionRole.SCALP,
                                   f"{rule.rule_id}_T{tranche}"),),
                          f"tranche {tranche} of {rule.parts}: buy {right.value} {strike:g}")


def plan_adjustment(rule: AdjRule, legs: Sequence[Leg], m: Market, *, tranche: int = 1,
                    direction: int = 1, n_hedges: int = 1) -> AdjustmentPlan:
    """The trades of ``rule`` fired at ``m``; raises ``SelectionError`` with the reason to skip."""
    if rule.action in (AdjAction.ROLL_UP, AdjAction.ROLL_DOWN, AdjAction.ROLL_DIAGONAL):
        return _roll(rule, legs, m)
    if rule.action is AdjAction.DOUBLE_CALENDAR:
        return _double_calendar(rule, legs, m)
    if rule.action is AdjAction.DYNAMIC_HEDGE:
        return _hedge(rule, legs, m, n_hedges)
    return _reverse_buy(rule, legs, m, tranche, direction)
