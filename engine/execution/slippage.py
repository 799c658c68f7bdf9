"""Slippage models (execution stage): how far a fill moves against the trader, in points.

One class per unit of the plan's ``SlippageValue``: POINTS (a fixed amount), PERCENT (a
fraction of the model price), TICKS (a number of ticks). Each has one method,
``slippage_pts(base_pts)``, always >= 0; the fill adds it to a buy and takes it off a sell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

from engine.config.enums import SlippageKind
from engine.execution.quotes import TICK_PTS


class SlippageModel(Protocol):
    """What a fill asks of a slippage model."""

    kind: ClassVar[SlippageKind]

    def slippage_pts(self, base_pts: float) -> float:
        """Adverse slippage, in points, on an order priced ``base_pts`` by the fill model."""
        ...


@dataclass(frozen=True)
class PointsSlippage:
    """A fixed number of points on every fill."""

    kind: ClassVar[SlippageKind] = SlippageKind.POINTS
    amount_pts: float = 0.0

    def slippage_pts(self, base_pts: float) -> float:
        """``amount_pts``, whatever the price."""
        return self.amount_pts


@dataclass(frozen=True)
class PercentSlippage:
    """A fraction of the fill model's price (0.01 = 1%)."""

    kind: ClassVar[SlippageKind] = SlippageKind.PERCENT
    frac: float = 0.0

    def slippage_pts(self, base_pts: float) -> float:
        """``base_pts x frac``."""
        return base_pts * self.frac


@dataclass(frozen=True)
class TicksSlippage:
    """A number of price ticks."""

    kind: ClassVar[SlippageKind] = SlippageKind.TICKS
    ticks: float = 0.0
    tick_pts: float = TICK_PTS

    def slippage_pts(self, base_pts: float) -> float:
        """``ticks x tick_pts``."""
        return self.ticks * self.tick_pts
