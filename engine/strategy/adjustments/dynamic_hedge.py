"""DYNAMIC_HEDGE (strategy stage, an adjustment type): trade a synthetic future against delta.

Fires while the position's delta is outside ``target_delta_inr +/- delta_band_inr`` (its own
mask; it needs no trigger kind), at most every ``rebalance_minutes``. The position holds at most
one synthetic future (legs ``hedge_CE`` and ``hedge_PE``: long = buy CE + sell PE at one strike).
The first hedge opens it at the target strike of the front expiry; each later one resizes it:
the lots traded are round(|delta - target| / lot size), bought to add delta, sold to remove it,
on the held contracts, so the synthetic's signed lots go from h to h + traded (both legs closed
when that is 0). A lot is the lot size of the contracts traded (the front expiry's for a new
synthetic, the held hedge legs' for a resize), not the first held leg's: on weekly 75 / monthly
25 a delta excess of 75 is one weekly lot, never three. The reference spot stays where it was
(a hedge is not a re-centring).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.config.models.adjustments import AdjustmentRuleBase, DynamicHedgeRule
from engine.domain.structures import Leg, PositionRole, Right, Side
from engine.strategy.adjustments.base import (
    AdjustmentPlan,
    AdjustmentType,
    Market,
    Mask,
    params_of,
    quoted,
    register,
)
from engine.strategy.adjustments.rules import AdjAction, AdjRule, Trig
from engine.strategy.adjustments.state import RuleState, SegmentView
from engine.strategy.selection import SelectionError, select_strike

HEDGE_IDS = {Right.CE: "hedge_CE", Right.PE: "hedge_PE"}  # the one synthetic future held


@dataclass(frozen=True)
class HedgeParams:
    """The delta band (rupees per index point), the rebalance interval and the instrument."""

    target_delta_inr: float = 0.0   # HedgeTargetDelta
    delta_band_inr: float = 0.0     # HedgeDeltaBand
    rebalance_minutes: int = 60     # HedgeRebalance
    hedge_with_future: bool = False  # HedgeInstrument FUTURE


@register
class DynamicHedge(AdjustmentType):
    """Keep the position's delta inside a band with synthetic futures."""

    kind = AdjAction.DYNAMIC_HEDGE
    moves_reference = False

    def default_triggers(self, rule: AdjRule) -> frozenset[Trig]:
        """None: the delta band is the trigger."""
        return frozenset()

    def params_from_config(self, cfg: AdjustmentRuleBase) -> object | None:
        """Band, interval and instrument."""
        assert isinstance(cfg, DynamicHedgeRule)
        return HedgeParams(target_delta_inr=cfg.target_delta, delta_band_inr=cfg.delta_band,
                           rebalance_minutes=cfg.rebalance_minutes,
                           hedge_with_future=cfg.hedge_instrument.value == "FUTURE")

    def extra_trigger(self, rule: AdjRule, view: SegmentView) -> Mask | None:
        """Bars where |delta - target| exceeds the band (unknown delta counts as on target)."""
        p = params_of(rule, HedgeParams)
        delta = np.nan_to_num(view.greeks["delta"], nan=p.target_delta_inr)
        return np.asarray(np.abs(delta - p.target_delta_inr) > p.delta_band_inr)

    def extra_constraints(self, rule: AdjRule, view: SegmentView, state: RuleState
                          ) -> list[tuple[Mask, str]]:
        """At most one hedge per ``rebalance_minutes``."""
        if state.last_fire is None:
            return []
        minutes = params_of(rule, HedgeParams).rebalance_minutes
        until = state.last_fire + np.timedelta64(minutes, "m")
        return [(view.ts >= until, f"hedge rebalance interval {minutes} min")]

    def plan(self, rule: AdjRule, legs: Sequence[Leg], m: Market, state: RuleState) -> AdjustmentPlan:
        """Open the synthetic future, or resize the one held, by the delta excess in lots."""
        p = params_of(rule, HedgeParams)
        excess = m.position_delta_inr - p.target_delta_inr
        held = {leg.right: j for j, leg in enumerate(legs) if leg.leg_id in HEDGE_IDS.values()}
        front = min(leg.expiry for leg in legs)
        if len(held) == 2:
            lot = m.leg_lot_sizes[held[Right.CE]] if m.leg_lot_sizes else m.lot_size
        else:
            lot = m.lot_of(front)
        lots = round(abs(excess) / lot)
        if lots < 1:
            raise SelectionError(f"delta excess {excess:,.1f} is smaller than one lot of a future")
        traded = -lots if excess > 0 else lots  # too long delta -> sell the synthetic
        note = "synthetic future from options" + (
            " (futures requested; the store has none)" if p.hedge_with_future else "")
        if len(held) == 2:
            ce, pe = held[Right.CE], held[Right.PE]
            was = legs[ce].signed_lots
            now = was + traded
            resized = f"{note} resized {was:+d} -> {now:+d} lots ({traded:+d} traded) " \
                f"against delta excess {excess:,.1f}"
            if now == 0:
                return AdjustmentPlan((ce, pe), (), resized)
            return AdjustmentPlan((), (), resized, resize=((ce, traded), (pe, -traded)))
        chain = m.chains.get(front)
        if chain is None:
            raise SelectionError(f"no chain for expiry {front}")
        strike = select_strike(chain, Right.CE, rule.target_strike, m.spot, m.strike_step, m.levels)
        ce_side, pe_side = (Side.BUY, Side.SELL) if traded > 0 else (Side.SELL, Side.BUY)
        for right in (Right.CE, Right.PE):
            quoted(chain, strike, right, "hedge")
        return AdjustmentPlan((), (
            Leg(Right.CE, ce_side, strike, front, lots, PositionRole.HEDGE, HEDGE_IDS[Right.CE]),
            Leg(Right.PE, pe_side, strike, front, lots, PositionRole.HEDGE, HEDGE_IDS[Right.PE]),
        ), f"{note} opened {traded:+d} lots against delta excess {excess:,.1f}")
