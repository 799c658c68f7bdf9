"""Market view for the simulation (simulation stage): what the loop reads, through the Store only.

Loads the spot timeline of a run once, answers "VIX at t", "listed expiries on d", "the chain at t"
and "these legs' paths over a window" with one named query each. Every read is stamped: nothing
after the decision time is returned by ``chain_at`` or ``vix_at``; leg paths are loaded for a
window ahead of the decision but the loop only looks at bar i when deciding at bar i.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.data.store import Store
from engine.domain.structures import Leg
from engine.errors import DataMissingError
from engine.strategy.selection import ChainSlice

NS_PER_MIN = 60_000_000_000


def to_datetime(ts: np.datetime64) -> dt.datetime:
    """numpy datetime64 -> naive datetime (IST wall time)."""
    micros = int(ts.astype("datetime64[us]").astype(np.int64))
    return dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=micros)


@dataclass(frozen=True)
class Timeline:
    """The decision grid of a run: spot bars over the backtest window."""

    ts: np.ndarray      # datetime64[us]
    close: np.ndarray   # spot close
    open: np.ndarray    # spot open
    days: np.ndarray    # datetime64[D] of each bar

    def __len__(self) -> int:
        return int(self.ts.size)


@dataclass(frozen=True)
class LegPaths:
    """Leg quotes on the timeline positions [i0, i1]; columns are legs in the given order."""

    i0: int
    open: np.ndarray    # (n_bars, n_legs), forward-filled
    close: np.ndarray
    high: np.ndarray
    low: np.ndarray
    bid: np.ndarray
    ask: np.ndarray
    delta: np.ndarray   # NaN where not enriched
    gamma: np.ndarray
    vega: np.ndarray
    theta: np.ndarray
    iv: np.ndarray      # NaN where not enriched (filled by valuation.fill_missing_greeks)
    stale: np.ndarray   # True where the bar had no quote and the previous one was carried


class MarketView:
    """Reads market data for one symbol and bar interval through a ``Store``."""

    def __init__(self, store: Store, symbol: str, bar_minutes: int, vix_symbol: str = "INDIAVIX"):
        self.store = store
        self.symbol = symbol
        self.bar_minutes = bar_minutes
        self.vix_symbol = vix_symbol
        self._expiries: list[tuple[dt.date, str]] | None = None
        self._vix: tuple[np.ndarray, np.ndarray] | None = None

    def timeline(self, start: dt.date, end: dt.date) -> Timeline:
        """Spot bars from ``start`` 00:00 to ``end`` 23:59 at the run's interval."""
        t = self.store.query("spot_path", {
            "symbol": self.symbol, "bar_minutes": self.bar_minutes,
            "ts_from": dt.datetime.combine(start, dt.time(0, 0)),
            "ts_to": dt.datetime.combine(end, dt.time(23, 59, 59))})
        if t.num_rows == 0:
            raise DataMissingError(
                f"no {self.bar_minutes}-minute {self.symbol} spot bars between {start} and {end}",
                place="spot_bars")
        ts = t.column("ts").to_numpy().astype("datetime64[us]")
        return Timeline(ts=ts, close=t.column("close").to_numpy().astype(float),
                        open=t.column("open").to_numpy().astype(float),
                        days=ts.astype("datetime64[D]"))

    def listed_expiries(self) -> list[tuple[dt.date, str]]:
        """All listed expiries of the symbol (date, kind), earliest first."""
        if self._expiries is None:
            t = self.store.query("expiries_from", {"symbol": self.symbol,
                                                   "on_date": dt.date(1900, 1, 1)})
            self._expiries = list(zip(t.column("expiry").to_pylist(), t.column("kind").to_pylist(),
                                      strict=True))
        return self._expiries

    def vix_series(self, start: dt.date, end: dt.date) -> tuple[np.ndarray, np.ndarray]:
        """VIX stamps and closes over the window (intraday interval if stored, else daily)."""
        if self._vix is None:
            span = {"symbol": self.vix_symbol,
                    "ts_from": dt.datetime.combine(start - dt.timedelta(days=10), dt.time(0)),
                    "ts_to": dt.datetime.combine(end, dt.time(23, 59, 59))}
            t = self.store.query("vix_path", {**span, "bar_minutes": self.bar_minutes})
            if t.num_rows == 0:
                t = self.store.query("vix_path", {**span, "bar_minutes": 1440})
            self._vix = (t.column("ts").to_numpy().astype("datetime64[us]"),
                         t.column("close").to_numpy().astype(float))
        return self._vix

    def vix_at(self, ts: np.ndarray, start: dt.date, end: dt.date) -> np.ndarray:
        """VIX close of the latest VIX bar stamped at or before each ``ts`` (NaN if none)."""
        vts, vclose = self.vix_series(start, end)
        idx = np.searchsorted(vts, ts, side="right") - 1
        out = np.full(ts.shape, np.nan)
        ok = idx >= 0
        out[ok] = vclose[idx[ok]]
        return out

    def chain(self, at: dt.datetime, expiries: Sequence[dt.date], strike_lo: float,
              strike_hi: float) -> dict[dt.date, ChainSlice]:
        """The chain at ``at`` (latest bar at or before it) per expiry."""
        t = self.store.query("chain_at", {
            "symbol": self.symbol, "bar_minutes": self.bar_minutes, "ts": at,
            "expiries": list(expiries), "strike_lo": strike_lo, "strike_hi": strike_hi})
        exp = np.array(t.column("expiry").to_pylist(), dtype=object)
        strikes = t.column("strike").to_numpy().astype(float)
        rights = np.array(t.column("right").to_pylist(), dtype=str)
        closes = t.column("close").to_numpy(zero_copy_only=False).astype(float)
        cols = {c: np.asarray(t.column(c).to_numpy(zero_copy_only=False), dtype=float)
                for c in ("delta", "volume", "oi", "bid", "ask")}
        out: dict[dt.date, ChainSlice] = {}
        for e in expiries:
            m = exp == e
            out[e] = ChainSlice(strikes[m], rights[m], closes[m], cols["delta"][m],
                                volume=cols["volume"][m], oi=cols["oi"][m], bid=cols["bid"][m],
                                ask=cols["ask"][m])
        return out

    def events(self, start: dt.date, end: dt.date) -> list[tuple[dt.date, str, bool]]:
        """(date, name, blackout_entry) of the symbol's events (and '*' events) in the window."""
        t = self.store.query("events_between", {"symbol": self.symbol, "date_from": start,
                                                "date_to": end})
        return list(zip(t.column("date").to_pylist(), t.column("name").to_pylist(),
                        t.column("blackout_entry").to_pylist(), strict=True))

    def leg_paths(self, legs: Sequence[Leg], timeline: Timeline, i0: int, i1: int) -> LegPaths:
        """Quotes of ``legs`` on timeline bars i0..i1 (inclusive), previous quote carried forward."""
        t = self.store.query("leg_paths", {
            "symbol": self.symbol, "bar_minutes": self.bar_minutes,
            "ts_from": to_datetime(timeline.ts[i0]), "ts_to": to_datetime(timeline.ts[i1]),
            "expiries": [leg.expiry for leg in legs], "strikes": [float(leg.strike) for leg in legs],
            "rights": [leg.right.value for leg in legs]})
        n, m = i1 - i0 + 1, len(legs)
        cols = {c: np.full((n, m), np.nan) for c in
                ("open", "close", "high", "low", "bid", "ask", "delta", "gamma", "vega", "theta", "iv")}
        have = np.zeros((n, m), dtype=bool)
        if t.num_rows:
            ts = t.column("ts").to_numpy().astype("datetime64[us]")
            pos = np.searchsorted(timeline.ts[i0:i1 + 1], ts)
            on_grid = (pos < n) & (timeline.ts[i0:i1 + 1][np.minimum(pos, n - 1)] == ts)
            exp = t.column("expiry").to_numpy().astype("datetime64[D]")
            strike = t.column("strike").to_numpy().astype(float)
            right = np.asarray(t.column("right").to_numpy(zero_copy_only=False)).astype(str)
            values = {c: np.asarray(t.column(c).to_numpy(zero_copy_only=False), dtype=float)
                      for c in cols}
            for j, leg in enumerate(legs):
                sel = on_grid & (exp == np.datetime64(leg.expiry, "D")) & (strike == leg.strike) \
                    & (right == leg.right.value)
                rows = pos[sel]
                have[rows, j] = True
                for c, arr in cols.items():
                    arr[rows, j] = values[c][sel]
        stale = ~have
        for arr in cols.values():
            _ffill_inplace(arr)
        return LegPaths(i0=i0, stale=stale, **cols)


def _ffill_inplace(a: np.ndarray) -> None:
    """Carry the last finite value down each column (NaN before the first stays NaN)."""
    n = a.shape[0]
    idx = np.where(np.isfinite(a), np.arange(n)[:, None], 0)
    np.maximum.accumulate(idx, axis=0, out=idx)
    filled = a[idx, np.arange(a.shape[1])[None, :]]
    first_ok = np.isfinite(a).argmax(axis=0)
    never = ~np.isfinite(a).any(axis=0)
    mask = np.arange(n)[:, None] < first_ok[None, :]
    filled[mask] = np.nan
    filled[:, never] = np.nan
    a[:] = filled
