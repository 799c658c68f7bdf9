"""Bars from the synthetic paths, and the Arrow rows the store takes.

Data stage, after ``paths.py``/``vix.py``/``chain.py`` and before ``generate.py`` loads
rows into the store. Index and VIX bars of 1, 5 or 15 minutes come from the one-minute
grid (open = the first minute's open, high/low = extremes of the minutes inside,
close = the last minute's close); daily bars (``bar_minutes`` 1440, stamped 15:30) from
the whole session. Index levels and VIX are rounded to 0.01. Option rows are written
bar-major, then expiry, strike, right, so a day's rows arrive in (symbol, ts) order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from engine.data.synthetic.chain import ChainQuotes
from engine.data.synthetic.clock import (
    DAILY_BAR_MINUTES,
    SESSION_MINUTES,
    bar_close_points,
    bar_timestamps,
)

FloatArray = npt.NDArray[np.float64]
OHLC = tuple[FloatArray, FloatArray, FloatArray, FloatArray]


def _round_cents(x: FloatArray) -> FloatArray:
    return np.asarray(np.round(x * 100.0) / 100.0, dtype=np.float64)


def spot_bar_arrays(log_spot: FloatArray, log_high: FloatArray, log_low: FloatArray,
                    interval_minutes: int) -> OHLC:
    """(open, high, low, close) of each day's bars, shape ``(n_days, n_bars)``, in points.

    ``log_spot`` is ``(n_days, 376)`` grid points, ``log_high``/``log_low`` the one-minute
    extremes ``(n_days, 375)``.
    """
    n_days = log_spot.shape[0]
    if interval_minutes == DAILY_BAR_MINUTES:
        lo_open = log_spot[:, :1]
        hi = log_high.max(axis=1, keepdims=True)
        lo = log_low.min(axis=1, keepdims=True)
        close = log_spot[:, -1:]
    else:
        points = bar_close_points(interval_minutes)
        lo_open = log_spot[:, points - interval_minutes]
        close = log_spot[:, points]
        hi = log_high.reshape(n_days, points.size, interval_minutes).max(axis=2)
        lo = log_low.reshape(n_days, points.size, interval_minutes).min(axis=2)
    return (_round_cents(np.exp(lo_open)), _round_cents(np.exp(hi)), _round_cents(np.exp(lo)),
            _round_cents(np.exp(close)))


def point_bar_arrays(values: FloatArray, interval_minutes: int) -> OHLC:
    """Bars of a series sampled at the 376 grid points (the VIX): extremes over the points
    from each bar's open to its close, shape ``(n_days, n_bars)``, rounded to 0.01."""
    if interval_minutes == DAILY_BAR_MINUTES:
        open_points = np.array([0])
        width = SESSION_MINUTES
    else:
        open_points = bar_close_points(interval_minutes) - interval_minutes
        width = interval_minutes
    window = open_points[:, None] + np.arange(width + 1)[None, :]
    blocks = values[:, window]
    return (_round_cents(blocks[..., 0]), _round_cents(blocks.max(axis=2)),
            _round_cents(blocks.min(axis=2)), _round_cents(blocks[..., -1]))


def bar_stamps(days: Sequence[dt.date], interval_minutes: int) -> npt.NDArray[np.datetime64]:
    """Close stamps ``(n_days, n_bars)`` of the bars of ``interval_minutes`` on ``days``."""
    return bar_timestamps(days, bar_close_points(interval_minutes))


def _const_str(value: str, n: int) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int8)),
                                          pa.array([value]))


def _stamps(ts: npt.NDArray[np.datetime64]) -> pa.Array:
    return pa.array(ts.reshape(-1).astype("datetime64[us]"))


def index_table(symbol: str, interval_minutes: int, ts: npt.NDArray[np.datetime64],
                ohlc: OHLC) -> pa.Table:
    """spot_bars / vix_bars rows (volume NULL: an index has none)."""
    n = ts.size
    return pa.table({
        "symbol": _const_str(symbol, n),
        "bar_minutes": pa.array(np.full(n, interval_minutes, dtype=np.int16)),
        "ts": _stamps(ts),
        "open": ohlc[0].reshape(-1), "high": ohlc[1].reshape(-1),
        "low": ohlc[2].reshape(-1), "close": ohlc[3].reshape(-1),
    })


def aggregate_daily(q: ChainQuotes) -> ChainQuotes:
    """A day's intraday quotes (bars on axis 0) folded into one daily bar."""
    return ChainQuotes(
        open=q.open[:1], high=q.high.max(axis=0, keepdims=True),
        low=q.low.min(axis=0, keepdims=True), close=q.close[-1:], bid=q.bid[-1:],
        ask=q.ask[-1:], volume=q.volume.sum(axis=0, keepdims=True), oi=q.oi[-1:],
    )


def option_table(symbol: str, interval_minutes: int, ts: npt.NDArray[np.datetime64],
                 expiries: Sequence[dt.date], strikes: FloatArray, quotes: ChainQuotes,
                 underlying: FloatArray,
                 listed: npt.NDArray[np.bool_] | None = None) -> pa.Table:
    """option_bars rows for ``quotes`` of shape ``(n_b, n_e, n_k, 2)``, bar-major order;
    ``listed`` ``(n_e, n_k)``: only the (expiry, strike) pairs it marks (default all).

    Daily bars carry ``settle`` = close; iv and greeks stay NULL for enrichment.
    """
    table = _option_table(symbol, interval_minutes, ts, expiries, strikes, quotes, underlying)
    if listed is None or bool(listed.all()):
        return table
    keep = np.broadcast_to(listed[None, :, :, None], quotes.close.shape).reshape(-1)
    return table.filter(pa.array(keep))


def _option_table(symbol: str, interval_minutes: int, ts: npt.NDArray[np.datetime64],
                  expiries: Sequence[dt.date], strikes: FloatArray, quotes: ChainQuotes,
                  underlying: FloatArray) -> pa.Table:
    n_b, n_e, n_k, _ = quotes.close.shape
    n = quotes.close.size
    per_bar = n_e * n_k * 2
    exp_days = np.array([np.datetime64(e, "D") for e in expiries], dtype="datetime64[D]")
    expiry_col = np.broadcast_to(exp_days[None, :, None, None], quotes.close.shape).reshape(-1)
    strike_col = np.broadcast_to(strikes[None, None, :, None], quotes.close.shape).reshape(-1)
    right_idx = np.broadcast_to(np.array([0, 1], dtype=np.int8), quotes.close.shape).reshape(-1)
    close = quotes.close.reshape(-1)
    cols: dict[str, pa.Array | npt.NDArray[np.generic]] = {
        "symbol": _const_str(symbol, n),
        "expiry": pa.array(expiry_col),
        "strike": strike_col,
        "right": pa.DictionaryArray.from_arrays(pa.array(right_idx), pa.array(["CE", "PE"])),
        "bar_minutes": pa.array(np.full(n, interval_minutes, dtype=np.int16)),
        "ts": pa.array(np.repeat(ts.astype("datetime64[us]"), per_bar)),
        "open": quotes.open.reshape(-1), "high": quotes.high.reshape(-1),
        "low": quotes.low.reshape(-1), "close": close,
        "settle": close if interval_minutes == DAILY_BAR_MINUTES else pa.nulls(n, pa.float64()),
        "bid": quotes.bid.reshape(-1), "ask": quotes.ask.reshape(-1),
        "volume": quotes.volume.reshape(-1), "oi": quotes.oi.reshape(-1),
        "underlying": np.repeat(underlying, per_bar),
    }
    assert n_b * per_bar == n
    return pa.table(cols)
