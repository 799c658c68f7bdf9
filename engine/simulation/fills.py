"""Fill models (simulation stage): the price at which an order for a leg executes.

Comes after a decision (strategy stage) and before costs. Models: bar CLOSE, MID of bid/ask,
BID_ASK (buy at the ask, sell at the bid), NEXT_OPEN (the next bar's open, stamped at that
bar). Slippage in POINTS, PERCENT (a fraction of the price) or TICKS, always against the trader,
and the result rounded to the 0.05 tick against the trader (buys up, sells down), never below
one tick. Where a model needs a quote the bar lacks (no bid/ask, no next bar), it falls back to
the close and says so in ``FillPrice.fallback``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

TICK_PTS = 0.05


class FillModel(StrEnum):
    """Which price of the bar an order executes at."""

    CLOSE = "CLOSE"
    MID = "MID"
    BID_ASK = "BID_ASK"
    NEXT_OPEN = "NEXT_OPEN"


class SlippageUnit(StrEnum):
    """How a slippage amount is expressed."""

    POINTS = "POINTS"
    PERCENT = "PERCENT"
    TICKS = "TICKS"


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


def slippage_pts(price_pts: float, amount: float, unit: SlippageUnit,
                 tick_pts: float = TICK_PTS) -> float:
    """Slippage in points for ``amount`` in ``unit`` at ``price_pts``."""
    if unit is SlippageUnit.POINTS:
        return amount
    if unit is SlippageUnit.PERCENT:
        return price_pts * amount
    return amount * tick_pts


@dataclass(frozen=True)
class FillPolicy:
    """A fill model with its slippage; ``fill`` prices one order."""

    model: FillModel = FillModel.CLOSE
    slippage: float = 0.0
    slippage_unit: SlippageUnit = SlippageUnit.POINTS
    tick_pts: float = TICK_PTS

    def base_price(self, quote: BarQuote, is_buy: bool) -> tuple[float, str]:
        """The model's raw price before slippage, and a fallback note if one was needed."""
        if self.model is FillModel.CLOSE:
            return quote.close, ""
        if self.model is FillModel.NEXT_OPEN:
            if quote.next_open is None or not math.isfinite(quote.next_open):
                return quote.close, "no next bar: filled at close"
            return quote.next_open, ""
        have_quote = (quote.bid is not None and quote.ask is not None
                      and math.isfinite(quote.bid) and math.isfinite(quote.ask)
                      and 0 < quote.bid <= quote.ask)
        if not have_quote:
            return quote.close, "no bid/ask: filled at close"
        assert quote.bid is not None and quote.ask is not None
        if self.model is FillModel.MID:
            return (quote.bid + quote.ask) / 2.0, ""
        return (quote.ask if is_buy else quote.bid), ""

    def fill(self, quote: BarQuote, is_buy: bool) -> FillPrice:
        """Price one order for ``quote``: model price, adverse slippage, tick rounding."""
        base, note = self.base_price(quote, is_buy)
        slip = slippage_pts(base, self.slippage, self.slippage_unit, self.tick_pts)
        raw = base + slip if is_buy else base - slip
        price = round_to_tick(raw, is_buy, self.tick_pts)
        return FillPrice(price_pts=price, slippage_pts=abs(price - base), fallback=note)
