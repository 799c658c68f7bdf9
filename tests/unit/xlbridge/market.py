"""A small synthetic market for the Excel-side tests: NIFTY, 40 days of daily history
and 5 days of 5-minute bars from 2025-01-01 (seeded, about a second to build)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from engine.data.duckdb_store import DuckDBStore
from engine.data.synthetic.generate import generate_market
from engine.data.synthetic.spec import market_spec

START = dt.date(2025, 1, 1)
END = dt.date(2025, 1, 7)  # 5 trading days: 1, 2, 3, 6, 7 January 2025
LOOKBACK = 20  # 40 history days hold 20 previous closes for IVP / IVR
LAST_BAR = dt.datetime(2025, 1, 7, 15, 30)


def build_market(home: Path) -> Path:
    """Write ``home/market.duckdb`` and return its path."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "market.duckdb"
    store = DuckDBStore(path)
    generate_market(market_spec(["NIFTY"], start=START, days=5, interval_minutes=5,
                                history_days=40, strikes_each_side=8, horizon_days=45, seed=3),
                    store)
    store.checkpoint()
    store.close()
    return path
