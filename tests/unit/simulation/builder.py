"""Tiny constructed markets for golden scenarios: every price is typed in by the test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pyarrow as pa

from engine.data.duckdb_store import DuckDBStore
from engine.simulation.loop import ContractInfo

SYMBOL = "NIFTY"


def contracts(lot_size: int = 75, step: float = 50.0,
              lots_by_expiry: Mapping[dt.date, int] | None = None) -> ContractInfo:
    """Lot size ``lot_size`` for every contract, or per expiry from ``lots_by_expiry`` (real
    series differ: NIFTY's Jan 2025 monthly kept 25 while the new weeklies traded 75)."""
    by = dict(lots_by_expiry or {})
    return ContractInfo(lot_size=lambda expiry, on: by.get(expiry, lot_size),
                        strike_step=lambda on: step)


def load_market(store: DuckDBStore, stamps: Sequence[dt.datetime], spot: Sequence[float],
                quotes: Mapping[tuple[dt.date, float, str], Sequence[float | None]],
                expiries: Sequence[tuple[dt.date, str]],
                deltas: Mapping[tuple[dt.date, float, str], Sequence[float]] | None = None,
                vix: Sequence[float] | None = None, bar_minutes: int = 5) -> None:
    """Spot bars at ``stamps``; each contract's close per stamp (None = no bar); OHLC = close."""
    n = len(stamps)
    spot_tbl = pa.table({"symbol": [SYMBOL] * n, "bar_minutes": pa.array([bar_minutes] * n, pa.int16()),
                         "ts": list(stamps), "open": list(spot), "high": list(spot), "low": list(spot),
                         "close": list(spot)})
    rows: dict[str, list[object]] = {c: [] for c in (
        "symbol", "expiry", "strike", "right", "bar_minutes", "ts", "open", "high", "low", "close",
        "delta")}
    for key, closes in quotes.items():
        exp, strike, right = key
        for i, (ts, c) in enumerate(zip(stamps, closes, strict=True)):
            if c is None:
                continue
            for col, v in (("symbol", SYMBOL), ("expiry", exp), ("strike", strike), ("right", right),
                           ("bar_minutes", bar_minutes), ("ts", ts), ("open", c), ("high", c),
                           ("low", c), ("close", c),
                           ("delta", deltas[key][i] if deltas and key in deltas else None)):
                rows[col].append(v)
    opt_tbl = pa.table({**rows, "bar_minutes": pa.array(rows["bar_minutes"], pa.int16()),
                        "delta": pa.array(rows["delta"], pa.float64())})
    exp_tbl = pa.table({"symbol": [SYMBOL] * len(expiries), "expiry": [e for e, _ in expiries],
                        "kind": [k for _, k in expiries], "source": ["DATA"] * len(expiries)})
    with store.load() as tx:
        tx.append("spot_bars", spot_tbl)
        tx.append("option_bars", opt_tbl)
        tx.append("expiries", exp_tbl)
        if vix is not None:
            tx.append("vix_bars", pa.table({
                "symbol": ["INDIAVIX"] * n, "bar_minutes": pa.array([bar_minutes] * n, pa.int16()),
                "ts": list(stamps), "open": list(vix), "high": list(vix), "low": list(vix),
                "close": list(vix)}))
