"""Fill models: prices by hand, adverse slippage, tick rounding, fallbacks, bar bounds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.simulation.fills import (
    BarQuote,
    FillModel,
    FillPolicy,
    SlippageUnit,
    round_to_tick,
)

Q = BarQuote(open=101.0, high=104.0, low=99.0, close=102.0, bid=101.5, ask=102.5, next_open=103.1)


def test_models_by_hand() -> None:
    assert FillPolicy(FillModel.CLOSE).fill(Q, True).price_pts == pytest.approx(102.0)
    assert FillPolicy(FillModel.MID).fill(Q, False).price_pts == pytest.approx(102.0)  # (101.5+102.5)/2
    assert FillPolicy(FillModel.BID_ASK).fill(Q, True).price_pts == pytest.approx(102.5)
    assert FillPolicy(FillModel.BID_ASK).fill(Q, False).price_pts == pytest.approx(101.5)
    assert FillPolicy(FillModel.NEXT_OPEN).fill(Q, True).price_pts == pytest.approx(103.1)


def test_slippage_units_against_the_trader() -> None:
    # 2 ticks = 0.10: buy at 102.10, sell at 101.90
    ticks = FillPolicy(FillModel.CLOSE, 2, SlippageUnit.TICKS)
    assert ticks.fill(Q, True).price_pts == pytest.approx(102.10)
    assert ticks.fill(Q, False).price_pts == pytest.approx(101.90)
    # 1% of 102 = 1.02 -> buy 103.02 rounds up to 103.05, sell 100.98 rounds down to 100.95
    pct = FillPolicy(FillModel.CLOSE, 0.01, SlippageUnit.PERCENT)
    assert pct.fill(Q, True).price_pts == pytest.approx(103.05)
    assert pct.fill(Q, False).price_pts == pytest.approx(100.95)
    pts = FillPolicy(FillModel.CLOSE, 0.5, SlippageUnit.POINTS).fill(Q, True)
    assert pts.price_pts == pytest.approx(102.5) and pts.slippage_pts == pytest.approx(0.5)


def test_fallbacks_are_reported() -> None:
    bare = BarQuote(open=10, high=11, low=9, close=10.2)
    got = FillPolicy(FillModel.MID).fill(bare, True)
    assert got.price_pts == pytest.approx(10.2) and "no bid/ask" in got.fallback
    got = FillPolicy(FillModel.NEXT_OPEN).fill(bare, False)
    assert got.price_pts == pytest.approx(10.2) and "no next bar" in got.fallback


def test_round_to_tick_never_below_one_tick() -> None:
    assert round_to_tick(0.01, False) == pytest.approx(0.05)
    assert round_to_tick(1.02, True) == pytest.approx(1.05)
    assert round_to_tick(1.05, True) == pytest.approx(1.05)  # already on tick stays


@given(low=st.floats(1, 500), span=st.floats(0, 50), frac=st.floats(0, 1),
       slip=st.floats(0, 5), is_buy=st.booleans())
def test_fill_within_bar_plus_slippage(low: float, span: float, frac: float, slip: float,
                                       is_buy: bool) -> None:
    close = low + span * frac
    q = BarQuote(open=close, high=low + span, low=low, close=close)
    got = FillPolicy(FillModel.CLOSE, slip, SlippageUnit.POINTS).fill(q, is_buy)
    # invariant: a fill lies within [low - slippage, high + slippage] (plus one tick of rounding)
    assert q.low - slip - 0.05 - 1e-9 <= got.price_pts <= q.high + slip + 0.05 + 1e-9
