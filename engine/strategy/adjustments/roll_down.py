"""ROLL_DOWN (strategy stage, an adjustment type): after a move down, roll the short legs down.

Fires on a PRICE_MOVE of the threshold below the reference spot (never on a move up); trades
the shared roll of ``rolling`` with the shift downward.
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
class RollDown(AdjustmentType):
    """Roll the short legs down after the index falls."""

    kind = AdjAction.ROLL_DOWN
    breakeven_side = -1  # a breakeven trigger watches the lower breakeven only

    def price_move_mask(self, move_pts: np.ndarray, threshold_pts: float, state: RuleState) -> Mask:
        """Down moves only."""
        return np.asarray(-move_pts >= threshold_pts)

    def params_from_config(self, cfg: AdjustmentRuleBase) -> object | None:
        """Roll steps, long legs, new DTE."""
        return roll_params(cfg)

    def plan(self, rule: AdjRule, legs: Sequence[Leg], m: Market, state: RuleState) -> AdjustmentPlan:
        """The shared roll, shifted down."""
        return roll(rule, legs, m, sign=-1)
