"""A small hand-made market for volatility tests: daily bars, chains priced at known vols.

Each day's chain is priced with Black-76 at one flat vol (``vols[i]``) on F = S e^{rT},
so its ATM IV, every constant-maturity IV and the front/back IVs all equal that vol:
the tests know the IV history without running the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import pyarrow as pa

from engine.data.duckdb_store import DuckDBStore
from engine.pricing import black76, t_years

RATE = 0.065
SYMBOL = "NIFTY"
VIX = "INDIAVIX"


def business_days(start: date, n: int) -> list[date]:
    out: list[date] = []
    d = start
    while len(out) < n:
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


def thursdays_after(d: date, horizon_days: int) -> list[date]:
    first = d + timedelta(days=(3 - d.weekday()) % 7)
    return [first + timedelta(weeks=w) for w in range(horizon_days // 7 + 1)
            if (first + timedelta(weeks=w) - d).days <= horizon_days]


def chain_rows(ts: datetime, spot: float, vol: float, bar_minutes: int, *,
               with_iv: bool = True, n_strikes: int = 12,
               smile: dict[str, float] | None = None) -> dict[str, list[object]]:
    """One chain at ``ts``: every Thursday expiry within 70 days, ATM +/- n strikes."""
    rows: dict[str, list[object]] = {k: [] for k in (
        "symbol", "expiry", "strike", "right", "bar_minutes", "ts", "open", "high", "low",
        "close", "underlying", "iv")}
    atm = round(spot / 100) * 100
    for expiry in thursdays_after(ts.date(), 70):
        t = t_years(ts, expiry)
        if t <= 0:
            continue
        fwd = spot * np.exp(RATE * t)
        strikes = np.arange(atm - 100 * n_strikes, atm + 100 * n_strikes + 1, 100, dtype=float)
        for right in ("CE", "PE"):
            sigma = vol if smile is None else smile[right]
            prices = black76(fwd, strikes, t, RATE, sigma, right).tolist()
            n = strikes.size
            for col, vals in (("symbol", [SYMBOL] * n), ("expiry", [expiry] * n),
                              ("strike", strikes.tolist()), ("right", [right] * n),
                              ("bar_minutes", [bar_minutes] * n), ("ts", [ts] * n),
                              ("open", prices), ("high", prices), ("low", prices),
                              ("close", prices), ("underlying", [spot] * n),
                              ("iv", [sigma if with_iv else None] * n)):
                rows[col].extend(vals)
    return rows


@dataclass
class Market:
    days: list[date]
    closes: np.ndarray
    opens: np.ndarray
    highs: np.ndarray
    lows: np.ndarray
    vols: np.ndarray


def build_market(n_days: int = 25, seed: int = 1) -> Market:
    rng = np.random.default_rng(seed)
    days = business_days(date(2025, 1, 1), n_days)
    closes = 20000 * np.exp(np.cumsum(rng.normal(0, 0.01, n_days)))
    opens = closes * np.exp(rng.normal(0, 0.003, n_days))
    highs = np.maximum(opens, closes) * 1.004
    lows = np.minimum(opens, closes) * 0.996
    vols = rng.uniform(0.10, 0.25, n_days)
    return Market(days, closes, opens, highs, lows, vols)


def daily_tables(m: Market, *, with_iv: bool = True) -> dict[str, pa.Table]:
    stamps = [datetime.combine(d, time(15, 30)) for d in m.days]
    spot = pa.table({
        "symbol": [SYMBOL] * len(stamps), "bar_minutes": [1440] * len(stamps), "ts": stamps,
        "open": m.opens, "high": m.highs, "low": m.lows, "close": m.closes})
    vix = pa.table({
        "symbol": [VIX] * len(stamps), "bar_minutes": [1440] * len(stamps), "ts": stamps,
        "open": m.vols * 100, "high": m.vols * 100, "low": m.vols * 100, "close": m.vols * 100})
    cols: dict[str, list[object]] = {}
    for ts, s, v in zip(stamps, m.closes, m.vols, strict=True):
        for k, vals in chain_rows(ts, float(s), float(v), 1440, with_iv=with_iv).items():
            cols.setdefault(k, []).extend(vals)
    return {"spot_bars": spot, "vix_bars": vix, "option_bars": pa.table(cols)}


def intraday_tables(day: date, spot0: float, vol: float, stamps: list[time], *,
                    with_iv: bool = True) -> dict[str, pa.Table]:
    """15-minute spot bars (spot0 + 10 per bar) and chains at ``vol`` at ``stamps``."""
    ts = [datetime.combine(day, s) for s in stamps]
    closes = [spot0 + 10 * i for i in range(len(ts))]
    spot = pa.table({
        "symbol": [SYMBOL] * len(ts), "bar_minutes": [15] * len(ts), "ts": ts,
        "open": [c - 5 for c in closes], "high": [c + 20 for c in closes],
        "low": [c - 20 for c in closes], "close": closes})
    cols: dict[str, list[object]] = {}
    for stamp, c in zip(ts, closes, strict=True):
        for k, vals in chain_rows(stamp, c, vol, 15, with_iv=with_iv).items():
            cols.setdefault(k, []).extend(vals)
    return {"spot_bars": spot, "option_bars": pa.table(cols)}


def load(store: DuckDBStore, tables: dict[str, pa.Table]) -> None:
    with store.load() as tx:
        for name, table in tables.items():
            tx.append(name, table)
