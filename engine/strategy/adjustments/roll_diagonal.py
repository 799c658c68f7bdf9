"""ROLL_DIAGONAL (strategy stage, an adjustment type): roll the short legs in strike and expiry.

Fires on a PRICE_MOVE either way; moves the short legs toward the move (the shared roll of
``rolling``) and to the listed expiry nearest ``new_dte`` days, so it reads the chains of every
listed expiry (the nearest eight), not only those held.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from engine.domain.structures import Leg
from engine.strategy.adjustments.base import AdjustmentPlan, AdjustmentType, Market, register
from engine.strategy.adjustments.rolling import roll
from engine.strategy.adjustments.rules import AdjAction, AdjRule
from engine.strategy.adjustments.state import RuleState

LISTED_CHAINS = 8  # listed expiries whose chains a diagonal roll may read


@register
class RollDiagonal(AdjustmentType):
    """Roll the short legs toward the move and out to ``new_dte`` days."""

    kind = AdjAction.ROLL_DIAGONAL

    def chain_expiries(self, held: Sequence[dt.date], listed: Sequence[tuple[dt.date, str]],
                       on: dt.date) -> list[dt.date]:
        """The nearest listed expiries from ``on``: the new expiry need not be held."""
        return sorted({e for e, _ in listed if e >= on})[:LISTED_CHAINS]

    def plan(self, rule: AdjRule, legs: Sequence[Leg], m: Market, state: RuleState) -> AdjustmentPlan:
        """The shared roll in the move's direction, to the expiry nearest ``new_dte``."""
        return roll(rule, legs, m, sign=m.direction, diagonal=True)
