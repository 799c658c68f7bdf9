"""What a fill sees of one contract's bar, what it returns, and the tick (execution stage).

Prices are in index points. ``round_to_tick`` rounds against the trader (buys up, sells
down) and never below one tick, the exchange's minimum price.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

TICK_PTS = 0.05


@dataclass(frozen=True)
class BarQuote:
    """What a fill can see of one contract's bar."""

    open: float
    high: float
    low: float
    close: float
    bid: float | None = None
    ask: float | None = None
    next_open: float | None = None

    @property
    def has_bid_ask(self) -> bool:
        """Both sides quoted, finite, positive and not crossed."""
        return (self.bid is not None and self.ask is not None
                and math.isfinite(self.bid) and math.isfinite(self.ask)
                and 0 < self.bid <= self.ask)


@dataclass(frozen=True)
class FillPrice:
    """An executed price and how it was reached."""

    price_pts: float
    slippage_pts: float
    fallback: str = ""


def round_to_tick(price_pts: float, is_buy: bool, tick_pts: float = TICK_PTS) -> float:
    """Round against the trader: buys up, sells down, never below one tick."""
    steps = price_pts / tick_pts
    n = math.ceil(steps - 1e-9) if is_buy else math.floor(steps + 1e-9)
    return round(max(n, 1) * tick_pts, 10)
