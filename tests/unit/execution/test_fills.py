"""Fill models, one test per model: prices by hand, fallbacks, tick rounding, bar bounds."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.config.enums import FillModel
from engine.execution.fills import BidAskFill, CloseFill, Fill, MidFill, NextOpenFill
from engine.execution.quotes import BarQuote, round_to_tick
from engine.execution.slippage import PercentSlippage, PointsSlippage, TicksSlippage

Q = BarQuote(open=101.0, high=104.0, low=99.0, close=102.0, bid=101.5, ask=102.5, next_open=103.1)
BARE = BarQuote(open=10, high=11, low=9, close=10.2)  # no bid/ask, no next bar


def test_close_fill_is_the_close_on_both_sides() -> None:
    assert CloseFill().base_price(Q, True) == (102.0, "")
    assert CloseFill().base_price(Q, False) == (102.0, "")
    assert CloseFill.kind is FillModel.CLOSE


def test_mid_fill_is_halfway_between_bid_and_ask() -> None:
    # (101.5 + 102.5) / 2 = 102.0, either side
    assert MidFill().base_price(Q, True) == (pytest.approx(102.0), "")
    assert MidFill().base_price(Q, False) == (pytest.approx(102.0), "")
    price, note = MidFill().base_price(BARE, True)
    assert price == 10.2 and note == "no bid/ask: filled at close"


def test_bid_ask_fill_crosses_the_spread() -> None:
    assert BidAskFill().base_price(Q, True) == (102.5, "")   # buy at the ask
    assert BidAskFill().base_price(Q, False) == (101.5, "")  # sell at the bid
    crossed = BarQuote(open=1, high=1, low=1, close=1.0, bid=2.0, ask=1.5)
    assert BidAskFill().base_price(crossed, True) == (1.0, "no bid/ask: filled at close")
    zero_bid = BarQuote(open=1, high=1, low=1, close=1.0, bid=0.0, ask=1.5)
    assert BidAskFill().base_price(zero_bid, False)[0] == 1.0


def test_next_open_fill_takes_the_next_bar_open() -> None:
    assert NextOpenFill().base_price(Q, True) == (103.1, "")
    assert NextOpenFill().base_price(BARE, False) == (10.2, "no next bar: filled at close")
    nan_next = BarQuote(open=1, high=1, low=1, close=1.0, next_open=math.nan)
    assert NextOpenFill().base_price(nan_next, True)[1] == "no next bar: filled at close"


def test_fill_composes_model_slippage_and_tick() -> None:
    # 2 ticks = 0.10: buy at 102.00 + 0.10 = 102.10, sell at 101.90
    ticks = Fill(CloseFill(), TicksSlippage(ticks=2))
    assert ticks.fill(Q, True).price_pts == pytest.approx(102.10)
    assert ticks.fill(Q, False).price_pts == pytest.approx(101.90)
    # 1% of 102 = 1.02 -> buy 103.02 rounds up to 103.05, sell 100.98 rounds down to 100.95
    pct = Fill(CloseFill(), PercentSlippage(frac=0.01))
    assert pct.fill(Q, True).price_pts == pytest.approx(103.05)
    assert pct.fill(Q, False).price_pts == pytest.approx(100.95)
    # 0.5 pts on a buy at the ask: 102.5 + 0.5 = 103.0, slippage reported 0.5
    pts = Fill(BidAskFill(), PointsSlippage(amount_pts=0.5)).fill(Q, True)
    assert pts.price_pts == pytest.approx(103.0) and pts.slippage_pts == pytest.approx(0.5)
    assert Fill(NextOpenFill()).model is FillModel.NEXT_OPEN
    fallback = Fill(MidFill()).fill(BARE, True)
    assert fallback.price_pts == pytest.approx(10.2) and "no bid/ask" in fallback.fallback


def test_round_to_tick_never_below_one_tick() -> None:
    assert round_to_tick(0.01, False) == pytest.approx(0.05)
    assert round_to_tick(1.02, True) == pytest.approx(1.05)
    assert round_to_tick(1.02, False) == pytest.approx(1.00)
    assert round_to_tick(1.05, True) == pytest.approx(1.05)  # already on tick stays


@given(low=st.floats(1, 500), span=st.floats(0, 50), frac=st.floats(0, 1),
       slip=st.floats(0, 5), is_buy=st.booleans())
def test_fill_within_bar_plus_slippage(low: float, span: float, frac: float, slip: float,
                                       is_buy: bool) -> None:
    close = low + span * frac
    q = BarQuote(open=close, high=low + span, low=low, close=close)
    got = Fill(CloseFill(), PointsSlippage(amount_pts=slip)).fill(q, is_buy)
    # invariant: a fill lies within [low - slippage, high + slippage] (plus one tick of rounding)
    assert q.low - slip - 0.05 - 1e-9 <= got.price_pts <= q.high + slip + 0.05 + 1e-9
