"""What the runs of one sweep worker share (``engine.market.context``) and the greeks memo
of ``fill_missing_greeks``: repeated once-a-run queries answered from memory, per-bar
reads not, the memo bounded in bytes, and memoised greeks equal to computed ones."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from scipy.stats import norm

from engine.data.duckdb_store import DuckDBStore
from engine.domain.structures import Leg, PositionRole, Right, Side
from engine.market import LegPaths, Timeline
from engine.market.context import ArrayMemo, MarketContext, MemoStore
from engine.simulation.valuation import fill_missing_greeks


class CountingStore:
    engine_name = "fake"
    path = None

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.closed = False

    def query(self, name: str, params: Mapping[str, object] | None = None) -> pa.Table:
        self.calls.append(name)
        return pa.table({"n": [len(self.calls)]})

    def load(self) -> None:
        raise AssertionError("never loaded")

    def data_version(self) -> int:
        return 7

    def table_counts(self) -> dict[str, int]:
        return {"spot_bars": 3}

    def close(self) -> None:
        self.closed = True


def test_once_a_run_queries_are_answered_from_memory_per_bar_reads_are_not() -> None:
    inner = CountingStore()
    memo = MemoStore(inner)  # type: ignore[arg-type]
    span = {"symbol": "NIFTY", "bar_minutes": 5, "ts_from": dt.datetime(2024, 1, 1),
            "ts_to": dt.datetime(2024, 1, 5, 23, 59)}
    first = memo.query("spot_path", span)
    assert memo.query("spot_path", dict(span)) is first          # same params: same table
    memo.query("spot_path", {**span, "bar_minutes": 1})           # other params: a new read
    chain = {"symbol": "NIFTY", "ts": dt.datetime(2024, 1, 2, 9, 20), "expiries": [
        dt.date(2024, 1, 4)]}
    memo.query("chain_at", chain)
    memo.query("chain_at", chain)                                 # per-bar: always the store
    assert inner.calls == ["spot_path", "spot_path", "chain_at", "chain_at"]
    assert memo.hits == 1
    assert (memo.engine_name, memo.data_version(), memo.table_counts()) == (
        "fake", 7, {"spot_bars": 3})
    memo.close()
    assert not inner.closed                                       # the worker closes it
    with pytest.raises(TypeError, match="read-only"):
        memo.load()


def test_array_memo_drops_the_least_recently_used_past_its_bytes() -> None:
    one = (np.zeros(10),)                     # 80 bytes + 64 counted
    memo = ArrayMemo(max_bytes=2 * 144)       # room for two
    memo.put("a", one)
    memo.put("b", one)
    assert memo.get("a") is one               # "a" now most recent
    memo.put("c", one)                        # drops "b"
    assert memo.get("b") is None and memo.get("c") is one
    assert memo.nbytes == 2 * 144
    memo.put("big", (np.zeros(100),))         # 864 bytes: larger than the memo, not kept
    assert memo.get("big") is None
    assert (memo.hits, memo.misses) == (2, 2)


def test_context_opens_each_option_cache_once(tmp_path: Path) -> None:
    store = DuckDBStore(tmp_path / "market.duckdb")
    try:
        ctx = MarketContext(store)
        cache = ctx.option_cache("NIFTY", 5)
        assert cache is not None and ctx.option_cache("NIFTY", 5) is cache
        assert ctx.option_cache("NIFTY", 1) is not cache
        ctx.drop_cache("NIFTY", 5, None)
        assert ctx.option_cache("NIFTY", 5) is not cache
        assert MarketContext(CountingStore()).option_cache("NIFTY", 5) is None  # type: ignore[arg-type]
    finally:
        store.close()


def _black76(f: float, k: float, t: float, r: float, sigma: float, call: bool) -> float:
    d1 = (math.log(f / k) + 0.5 * sigma * sigma * t) / (sigma * math.sqrt(t))
    d2 = d1 - sigma * math.sqrt(t)
    if call:
        return math.exp(-r * t) * (f * norm.cdf(d1) - k * norm.cdf(d2))
    return math.exp(-r * t) * (k * norm.cdf(-d2) - f * norm.cdf(-d1))


def _case(close_bump: float = 0.0) -> tuple[LegPaths, list[Leg], Timeline]:
    expiry = dt.date(2024, 1, 11)
    ts = np.array(["2024-01-08T09:20", "2024-01-08T09:25", "2024-01-09T09:20"],
                  dtype="datetime64[us]")
    spot = np.array([21500.0, 21520.0, 21480.0])
    legs = [Leg(Right.CE, Side.SELL, 21500.0, expiry, 1, PositionRole.PRIMARY, "SC"),
            Leg(Right.PE, Side.BUY, 21300.0, expiry, 1, PositionRole.HEDGE, "LP")]
    r = 0.07
    close = np.empty((3, 2))
    for i in range(3):
        # T to 15:30 on expiry over 365 days of minutes (REFERENCE), F = S e^{rT}
        t = (np.datetime64("2024-01-11T15:30", "us") - ts[i]) / np.timedelta64(1, "m") \
            / (365 * 24 * 60)
        f = spot[i] * math.exp(r * t)
        close[i] = [_black76(f, 21500.0, t, r, 0.15, True), _black76(f, 21300.0, t, r, 0.18,
                                                                        False)]
    close[2, 1] += close_bump
    nan = np.full((3, 2), np.nan)
    paths = LegPaths(i0=0, open=close.copy(), close=close, high=close.copy(), low=close.copy(),
                     bid=nan.copy(), ask=nan.copy(), delta=nan.copy(), gamma=nan.copy(),
                     vega=nan.copy(), theta=nan.copy(), iv=nan.copy(),
                     stale=np.zeros((3, 2), dtype=bool))
    tl = Timeline(ts=ts, close=spot, open=spot, days=ts.astype("datetime64[D]"))
    return paths, legs, tl


def test_memoised_greeks_equal_computed_ones_and_a_changed_close_is_a_miss() -> None:
    plain, legs, tl = _case()
    fill_missing_greeks(plain, legs, tl, 0, 0.07)
    # the solver recovers the vols the closes were priced at (Black-76 written above)
    np.testing.assert_allclose(plain.iv[:, 0], 0.15, rtol=1e-9)
    np.testing.assert_allclose(plain.iv[:, 1], 0.18, rtol=1e-9)
    memo = ArrayMemo()
    for n in (1, 2):
        got, _, _ = _case()
        fill_missing_greeks(got, legs, tl, 0, 0.07, memo)
        for name in ("iv", "delta", "gamma", "vega", "theta"):
            np.testing.assert_array_equal(getattr(got, name), getattr(plain, name))
        assert (memo.misses, memo.hits) == (2, 2 * (n - 1))   # two legs: computed, then found
    bumped, _, _ = _case(close_bump=5.0)
    fill_missing_greeks(bumped, legs, tl, 0, 0.07, memo)
    assert (memo.misses, memo.hits) == (3, 3)   # the call's path is the same: found; the
    assert bumped.iv[2, 1] > 0.18               # put's last close differs: solved again
