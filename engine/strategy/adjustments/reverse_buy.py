"""REVERSE_BUY (strategy stage, an adjustment type): buy options on the threatened side in parts.

Each PRICE_MOVE of the threshold further from the reference (in the direction of the first
tranche) buys ``part_lots`` options on the threatened side (calls after a move up, puts after
a move down) at the target strike of the front expiry, up to ``parts`` tranches. Each level is
used once: a tranche that cannot be bought is skipped, and the simulation scalps a bought
tranche (sells it at +``scalp_frac`` or when the index returns to the previous level). The
reference spot stays where it was, so the levels stay fixed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.domain.structures import Leg, PositionRole, Right, Side
from engine.strategy.adjustments.base import (
    AdjustmentPlan,
    AdjustmentType,
    Market,
    Mask,
    quoted,
    register,
    target_strike,
)
from engine.strategy.adjustments.rules import AdjAction, AdjRule
from engine.strategy.adjustments.state import RuleState


@register
class ReverseBuy(AdjustmentType):
    """Buy the threatened side in tranches at fixed levels, scalping each."""

    kind = AdjAction.REVERSE_BUY
    moves_reference = False
    has_tranches = True

    def price_move_mask(self, move_pts: np.ndarray, threshold_pts: float, state: RuleState) -> Mask:
        """The next level: (tranches bought + 1) x threshold, in the first tranche's direction."""
        need = (state.tranches_bought + 1) * threshold_pts
        if state.tranche_direction > 0:
            return np.asarray(move_pts >= need)
        if state.tranche_direction < 0:
            return np.asarray(-move_pts >= need)
        return np.asarray(np.abs(move_pts) >= threshold_pts)

    def plan(self, rule: AdjRule, legs: Sequence[Leg], m: Market, state: RuleState) -> AdjustmentPlan:
        """Buy the next tranche (``m.direction`` is the tranches' direction)."""
        tranche = state.tranches_bought + 1
        right = Right.CE if m.direction > 0 else Right.PE
        front = min(leg.expiry for leg in legs)
        strike = target_strike(rule, m, front, right)
        quoted(m.chains.get(front), strike, right, "reverse buy")
        return AdjustmentPlan((), (Leg(right, Side.BUY, strike, front, rule.part_lots, PositionRole.SCALP,
                                       f"{rule.rule_id}_T{tranche}"),),
                              f"tranche {tranche} of {rule.parts}: buy {right.value} {strike:g}")

    def exhausted(self, rule: AdjRule, state: RuleState) -> str | None:
        """Every level used."""
        return f"all {rule.parts} tranches bought" if state.tranches_bought >= rule.parts else None

    def on_blocked(self, rule: AdjRule, state: RuleState, direction: int) -> str | None:
        """A tranche that cannot be bought at its level is skipped: the next level is next."""
        state.tranche_direction = state.tranche_direction or direction
        state.tranches_bought += 1
        return f"tranche {state.tranches_bought} skipped"

    def on_applied(self, rule: AdjRule, state: RuleState, direction: int) -> None:
        """Levels are used once: the bought tranche's level is spent."""
        state.tranche_direction = state.tranche_direction or direction
        state.tranches_bought += 1
