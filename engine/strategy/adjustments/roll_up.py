"""ROLL_UP (strategy stage, an adjustment type): after a move up, roll the short legs up.

Fires on a PRICE_MOVE of the threshold above the reference spot (never on a move down);
trades the shared roll of ``rolling`` with the shift upward.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.config.models.adjustments import AdjustmentRuleBase
from engine.domain.structures import Leg
from engine.strategy.adjustments.base import AdjustmentPlan, AdjustmentType, Market, Mask, register
from engine.strategy.adjustments.rolling import roll, roll_params
from engine.strategy.adjustments.rules import AdjAction, AdjRule
from engine.strategy.adjustments.state import RuleState


@register
class RollUp(AdjustmentType):
    """Roll the short legs up after the index rises."""

    kind = AdjAction.ROLL_UP
    breakeven_side = 1  # a breakeven trigger watches the upper breakeven only

    def price_move_mask(self, move_pts: np.ndarray, threshold_pts: float, state: RuleState) -> Mask:
        """Up moves only."""
        return np.asarray(move_pts >= threshold_pts)

    def params_from_config(self, cfg: AdjustmentRuleBase) -> object | None:
        """Roll steps, long legs, new DTE."""
        return roll_params(cfg)

    def plan(self, rule: AdjRule, legs: Sequence[Leg], m: Market, state: RuleState) -> AdjustmentPlan:
        """The shared roll, shifted up."""
        return roll(rule, legs, m, sign=1)
