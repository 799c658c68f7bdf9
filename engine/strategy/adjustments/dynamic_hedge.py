"""DYNAMIC_HEDGE (strategy stage, an adjustment type): trade a synthetic future against delta.

Fires while the position's delta is outside ``target_delta_inr +/- delta_band_inr`` (its own
mask; it needs no trigger kind), at most every ``rebalance_minutes``. Trades a synthetic
future at the target strike of the front expiry: buy CE + sell PE to add delta, the reverse
to remove it, lots = round(|delta - target| / lot size). The reference spot stays where it
was (a hedge is not a re-centring).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.domain.structures import Leg, PositionRole, Right, Side
from engine.strategy.adjustments.base import AdjustmentPlan, AdjustmentType, Market, Mask, quoted, register
from engine.strategy.adjustments.rules import AdjAction, AdjRule, Trig
from engine.strategy.adjustments.state import RuleState, SegmentView
from engine.strategy.selection import SelectionError, select_strike


@register
class DynamicHedge(AdjustmentType):
    """Keep the position's delta inside a band with synthetic futures."""

    kind = AdjAction.DYNAMIC_HEDGE
    moves_reference = False

    def default_triggers(self, rule: AdjRule) -> frozenset[Trig]:
        """None: the delta band is the trigger."""
        return frozenset()

    def extra_trigger(self, rule: AdjRule, view: SegmentView) -> Mask | None:
        """Bars where |delta - target| exceeds the band (unknown delta counts as on target)."""
        delta = np.nan_to_num(view.greeks["delta"], nan=rule.target_delta_inr)
        return np.asarray(np.abs(delta - rule.target_delta_inr) > rule.delta_band_inr)

    def extra_constraints(self, rule: AdjRule, view: SegmentView, state: RuleState
                          ) -> list[tuple[Mask, str]]:
        """At most one hedge per ``rebalance_minutes``."""
        if state.last_fire is None:
            return []
        until = state.last_fire + np.timedelta64(rule.rebalance_minutes, "m")
        return [(view.ts >= until, f"hedge rebalance interval {rule.rebalance_minutes} min")]

    def plan(self, rule: AdjRule, legs: Sequence[Leg], m: Market, state: RuleState) -> AdjustmentPlan:
        """A synthetic future sized to the delta excess."""
        n_hedges = state.times + 1
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
            quoted(chain, strike, right, "hedge")
        note = "synthetic future from options" + (
            " (futures requested; the store has none)" if rule.hedge_with_future else "")
        return AdjustmentPlan((), (
            Leg(Right.CE, ce_side, strike, front, lots, PositionRole.HEDGE, f"hedge{n_hedges}_CE"),
            Leg(Right.PE, pe_side, strike, front, lots, PositionRole.HEDGE, f"hedge{n_hedges}_PE"),
        ), f"{note}, {lots} lots against delta excess {excess:,.1f}")
