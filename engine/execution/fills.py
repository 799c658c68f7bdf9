"""Fill models (execution stage): the price at which an order for a leg executes.

A ``PriceModel`` picks the bar's price: CLOSE, MID of bid/ask, BID_ASK (buy at the ask,
sell at the bid), NEXT_OPEN (the next bar's open, stamped at that bar). Where a model needs
a quote the bar lacks (no bid/ask, no next bar), it falls back to the close and says so.
A ``Fill`` composes a price model with a ``SlippageModel`` (always against the trader) and
rounds the result to the tick against the trader (buys up, sells down), never below one
tick: ``Fill.fill(quote, is_buy) -> FillPrice``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from engine.config.enums import FillModel
from engine.execution.quotes import TICK_PTS, BarQuote, FillPrice, round_to_tick
from engine.execution.slippage import PointsSlippage, SlippageModel


class PriceModel(Protocol):
    """Which price of the bar an order executes at, before slippage."""

    kind: ClassVar[FillModel]

    def base_price(self, quote: BarQuote, is_buy: bool) -> tuple[float, str]:
        """The model's price and a fallback note ("" when none was needed)."""
        ...


@dataclass(frozen=True)
class CloseFill:
    """The bar's close."""

    kind: ClassVar[FillModel] = FillModel.CLOSE

    def base_price(self, quote: BarQuote, is_buy: bool) -> tuple[float, str]:
        """The close, on either side."""
        return quote.close, ""


@dataclass(frozen=True)
class MidFill:
    """The middle of bid and ask; the close when the bar has no usable quote."""

    kind: ClassVar[FillModel] = FillModel.MID

    def base_price(self, quote: BarQuote, is_buy: bool) -> tuple[float, str]:
        """(bid + ask) / 2."""
        if not quote.has_bid_ask:
            return quote.close, "no bid/ask: filled at close"
        assert quote.bid is not None and quote.ask is not None
        return (quote.bid + quote.ask) / 2.0, ""


@dataclass(frozen=True)
class BidAskFill:
    """Cross the spread: buy at the ask, sell at the bid; the close when unquoted."""

    kind: ClassVar[FillModel] = FillModel.BID_ASK

    def base_price(self, quote: BarQuote, is_buy: bool) -> tuple[float, str]:
        """The ask for a buy, the bid for a sell."""
        if not quote.has_bid_ask:
            return quote.close, "no bid/ask: filled at close"
        assert quote.bid is not None and quote.ask is not None
        return (quote.ask if is_buy else quote.bid), ""


@dataclass(frozen=True)
class NextOpenFill:
    """The next bar's open (the fill is stamped at that bar); the close on the last bar."""

    kind: ClassVar[FillModel] = FillModel.NEXT_OPEN

    def base_price(self, quote: BarQuote, is_buy: bool) -> tuple[float, str]:
        """The next open."""
        if quote.next_open is None or not math.isfinite(quote.next_open):
            return quote.close, "no next bar: filled at close"
        return quote.next_open, ""


@dataclass(frozen=True)
class Fill:
    """A price model with its slippage and tick; ``fill`` prices one order."""

    price: PriceModel = field(default_factory=CloseFill)
    slippage: SlippageModel = field(default_factory=PointsSlippage)
    tick_pts: float = TICK_PTS

    @property
    def model(self) -> FillModel:
        """Which price model this is."""
        return self.price.kind

    def fill(self, quote: BarQuote, is_buy: bool) -> FillPrice:
        """Price one order for ``quote``: model price, adverse slippage, tick rounding."""
        base, note = self.price.base_price(quote, is_buy)
        slip = self.slippage.slippage_pts(base)
        raw = base + slip if is_buy else base - slip
        price = round_to_tick(raw, is_buy, self.tick_pts)
        return FillPrice(price_pts=price, slippage_pts=abs(price - base), fallback=note)
