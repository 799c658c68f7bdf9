"""Store parity: the same small market loaded into DuckDB and HeavyDB gives equal results
for every named query (needs a HeavyDB server: POSBT_HEAVYDB_URL, else skipped).

The dataset and the comparison live here and are reused by the server-less unit test
(tests/unit/data/test_heavydb_store.py), which runs the HeavyDB store's SQL text on a
DuckDB connection through a dialect shim.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from engine.data.duckdb_store import DuckDBStore
from engine.data.sqlfiles import query_names
from engine.data.store import Store

D1, D2 = dt.date(2024, 1, 2), dt.date(2024, 1, 3)
E1, E2 = dt.date(2024, 1, 4), dt.date(2024, 1, 25)


def _ts(day: dt.date, hh: int, mm: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm))


def market_batches() -> dict[str, pa.Table]:
    """A hand-made market: NIFTY on two days at 5-minute bars (a few bars only, so the
    session checks find gaps), daily bars, VIX, two expiries x three strikes x CE/PE,
    a bad bar (high < low), expiries from DATA and GENERATED, calendar tables."""
    stamps = [_ts(d, 9, m) for d in (D1, D2) for m in (20, 25, 30)]
    spot = {"symbol": [], "bar_minutes": [], "ts": [], "open": [], "high": [], "low": [],
            "close": [], "volume": []}
    for i, ts in enumerate(stamps[:-1]):  # D2 has 2 spot bars, D1 3: no tie for the worst day
        px = 21700.0 + 10 * i
        for k, v in zip(spot, ("NIFTY", 5, ts, px, px + 8, px - 6, px + 2, 1000 + i), strict=True):
            spot[k].append(v)
    for j, day in enumerate((D1, D2)):
        px = 21650.0 + 40 * j
        row = ("NIFTY", 1440, _ts(day, 15, 30), px, px + 120, px - 90, px + 30, None)
        for k, v in zip(spot, row, strict=True):
            spot[k].append(v)
    vix = {"symbol": ["INDIAVIX"] * 4, "bar_minutes": [5, 5, 1440, 1440],
           "ts": [stamps[0], stamps[1], _ts(D1, 15, 30), _ts(D2, 15, 30)],
           "open": [13.1, 13.2, 13.0, 13.4], "high": [13.3, 13.4, 13.9, 14.0],
           "low": [13.0, 13.1, 12.8, 13.2], "close": [13.2, 13.3, 13.5, 13.6]}
    opt: dict[str, list[Any]] = {k: [] for k in ("symbol", "expiry", "strike", "right",
                                                 "bar_minutes", "ts", "open", "high", "low",
                                                 "close", "bid", "ask", "volume", "oi",
                                                 "underlying", "iv")}
    for i, ts in enumerate(stamps):
        under = 21702.0 + 10 * i
        for expiry, extra in ((E1, 0.0), (E2, 150.0)):
            for strike in (21650.0, 21700.0, 21750.0):
                for right in ("CE", "PE"):
                    if (i, expiry, strike, right) == (1, E2, 21750.0, "PE"):
                        continue  # one contract misses a bar: the unique worst series-day
                    intrinsic = max(under - strike, 0.0) if right == "CE" else max(strike - under, 0.0)
                    px = round(intrinsic + 60.0 + extra + 0.05 * i, 2)
                    iv = None if (i + int(strike)) % 3 == 0 else 0.12 + strike / 1e6
                    row = ("NIFTY", expiry, strike, right, 5, ts, px, px + 2, px - 2, px, px - 0.5,
                           px + 0.5, 100 + i, 5000 + i, under, iv)
                    for k, v in zip(opt, row, strict=True):
                        opt[k].append(v)
    opt["high"][0] = opt["low"][0] - 1.0  # a bad bar for check_prices
    fut = {"symbol": ["NIFTY"] * 2, "expiry": [E2, E2], "bar_minutes": [5, 5],
           "ts": stamps[:2], "open": [21800.0, 21810.0], "high": [21820.0, 21830.0],
           "low": [21790.0, 21800.0], "close": [21810.0, 21820.0], "settle": [None, None],
           "volume": [10, 11], "oi": [100, 101]}
    return {
        "spot_bars": pa.table(spot), "vix_bars": pa.table(vix), "option_bars": pa.table(opt),
        "futures_bars": pa.table(fut),
        "expiries": pa.table({"symbol": ["NIFTY"] * 4, "expiry": [E1, E2, E2, dt.date(2024, 1, 11)],
                              "kind": ["WEEKLY", "MONTHLY", "MONTHLY", "WEEKLY"],
                              "source": ["DATA", "DATA", "GENERATED", "GENERATED"]}),
        "instruments": pa.table({"symbol": ["NIFTY"], "valid_from": [dt.date(2021, 1, 1)],
                                 "valid_to": pa.array([None], pa.date32()), "exchange": ["NSE"],
                                 "lot_size": [50], "strike_step": [50.0],
                                 "weekly_expiry_weekday": [3], "monthly_expiry_weekday": [3]}),
        "holidays": pa.table({"exchange": ["NSE"], "date": [dt.date(2024, 1, 26)],
                              "description": ["Republic Day"]}),
        "events": pa.table({"date": [D2, D1], "symbol": ["*", "NIFTY"],
                            "name": ["policy", "budget"]}),
        "daily_features": pa.table({"symbol": ["NIFTY"], "trade_date": [D1], "ivp": [0.4],
                                    "regime": ["NORMAL"]}),
        "sr_levels": pa.table({"symbol": ["NIFTY"], "as_of": [D1], "method": ["pivot"],
                               "level": [21800.0], "kind": ["RESISTANCE"], "strength": [0.7]}),
    }


def load_market(store: Store) -> None:
    """Load ``market_batches()`` in one load session."""
    with store.load() as tx:
        for table, batch in market_batches().items():
            tx.append(table, batch)


AT = _ts(D2, 9, 27)
QUERY_PARAMS: dict[str, list[dict[str, object]]] = {
    "chain_at": [{"symbol": "NIFTY", "bar_minutes": 5, "ts": AT, "expiries": [E1, E2],
                  "strike_lo": 21650.0, "strike_hi": 21700.0},
                 {"symbol": "NIFTY", "bar_minutes": 5, "ts": AT, "expiries": [E2],
                  "strike_lo": 0.0, "strike_hi": 1e9}],
    "daily_closes": [{"symbol": "NIFTY", "vix_symbol": "INDIAVIX", "date_from": D1, "date_to": D2}],
    "enrich_chain_rows": [{"symbol": "NIFTY", "day_start": _ts(D1, 0, 0), "day_end": _ts(D2, 0, 0)}],
    "enrich_days": [{"symbol": None}, {"symbol": "NIFTY"}, {"symbol": "O'Hare"}],
    "enrich_futures": [{"symbol": "NIFTY", "day_start": _ts(D1, 0, 0), "day_end": _ts(D2, 0, 0)}],
    "daily_metrics": [{"symbol": "NIFTY", "date_from": D1, "date_to": D2}],
    "events_between": [{"symbol": "NIFTY", "date_from": D1, "date_to": D2}],
    "expiries_from": [{"symbol": "NIFTY", "on_date": D1}, {"symbol": "NIFTY", "on_date": E2}],
    "expiry_listing": [{"symbol": "NIFTY"}],
    "features_history": [{"symbol": "NIFTY", "date_from": D1, "date_to": D2}],
    "features_pending": [{"symbol": "NIFTY"}],
    "features_rolling_ranks": [{"dates": [D1 + dt.timedelta(days=i) for i in range(8)],
                                "values": [0.2, None, 0.1, 0.3, 0.3, 0.15, None, 0.4],
                                "lookback": 3, "min_count": 2}],
    "import_option_daily_stamps": [{"symbol": "NIFTY"}],
    "import_table_columns": [{"table_name": t} for t in
                             ("option_bars", "events", "instruments", "no_such_table")],
    "market_block": [{"symbol": "NIFTY", "bar_minutes": 5, "ts_from": _ts(D1, 9, 20),
                      "ts_to": _ts(D2, 9, 25), "expiries": [E1, E2], "strike_lo": 21650.0,
                      "strike_hi": 21700.0, "rights": ["CE", "PE"]},
                     {"symbol": "NIFTY", "bar_minutes": 5, "ts_from": _ts(D1, 0, 0),
                      "ts_to": _ts(D2, 23, 0), "expiries": [E2], "strike_lo": 0.0,
                      "strike_hi": 1e9, "rights": ["PE"]}],
    "market_day_range": [{"symbol": "NIFTY", "bar_minutes": 5, "day": D1},
                         {"symbol": "NIFTY", "bar_minutes": 5, "day": dt.date(2023, 1, 2)}],
    "leg_paths": [{"symbol": "NIFTY", "bar_minutes": 5, "ts_from": _ts(D1, 9, 20),
                   "ts_to": _ts(D2, 9, 25), "expiries": [E1, E2], "strikes": [21700.0, 21650.0],
                   "rights": ["CE", "PE"]}],
    "option_expiry_count": [{"symbol": "NIFTY", "bar_minutes": 5, "expiry": E1},
                            {"symbol": "NIFTY", "bar_minutes": 5, "expiry": dt.date(2023, 1, 5)}],
    "option_expiry_rows": [{"symbol": "NIFTY", "bar_minutes": 5, "expiry": E2},
                           {"symbol": "NIFTY", "bar_minutes": 5, "expiry": dt.date(2023, 1, 5)}],
    "option_stamps": [{"symbol": "NIFTY", "bar_minutes": 5},
                      {"symbol": "NIFTY", "bar_minutes": 15}],
    "sr_daily_bars": [{"symbol": "NIFTY", "ts_from": _ts(D1, 0, 0), "before": _ts(D2, 23, 0)},
                      {"symbol": "NIFTY", "ts_from": _ts(D1, 0, 0), "before": _ts(D2, 9, 26)}],
    "sr_daily_from_intraday": [{"symbol": "NIFTY", "ts_from": _ts(D1, 0, 0), "before": _ts(D2, 23, 0)},
                               {"symbol": "NIFTY", "ts_from": _ts(D2, 9, 0), "before": _ts(D2, 9, 0)}],
    "sr_external_levels": [{"symbol": "NIFTY", "method": "pivot", "on": D2},
                           {"symbol": "NIFTY", "method": "pivot", "on": dt.date(2023, 1, 1)}],
    "sr_intraday_bars": [{"symbol": "NIFTY", "ts_from": _ts(D1, 0, 0), "before": _ts(D2, 9, 26)}],
    "sr_option_volume": [{"symbol": "NIFTY", "bar_minutes": 5, "ts_from": _ts(D1, 0, 0),
                          "before": _ts(D2, 9, 26)}],
    "spot_path": [{"symbol": "NIFTY", "bar_minutes": 5, "ts_from": _ts(D1, 9, 25),
                   "ts_to": _ts(D2, 9, 25)}],
    "spot_range": [{"symbol": "NIFTY", "bar_minutes": 5}],
    "spot_sources": [{"symbol": "NIFTY", "bar_minutes": 5, "ts_from": _ts(D1, 0, 0),
                      "ts_to": _ts(D2, 23, 0)}],
    "vix_path": [{"symbol": "INDIAVIX", "bar_minutes": 1440, "ts_from": _ts(D1, 0, 0),
                  "ts_to": _ts(D2, 23, 0)}],
    "vol_chain_meta": [{"symbol": "NIFTY", "at": AT}, {"symbol": "NIFTY", "at": _ts(D2, 9, 0)}],
    "vol_daily_atm": [{"symbol": "NIFTY", "bar_minutes": 5, "date_from": D1, "date_to": D2,
                       "max_dte": 30, "rate": 0.065}],
    "vol_latest_ts": [{"symbol": "NIFTY"}],
    "vol_option_intervals": [{"symbol": "NIFTY"}],
    "vol_spot_today": [{"symbol": "NIFTY", "at": AT}, {"symbol": "NIFTY", "at": _ts(D2, 9, 0)}],
    "vol_vix_at": [{"vix_symbol": "INDIAVIX", "at": AT}, {"vix_symbol": "INDIAVIX", "at": _ts(D1, 16, 0)}],
}
WRITE_STATEMENTS = {"enrich_update", "import_expiry_kinds", "import_expiry_listing",
                    "record_load"}


def parity_cases() -> Iterator[tuple[str, dict[str, object]]]:
    """(query name, params) for every DuckDB query except the write statements."""
    for name in query_names("duckdb"):
        if name in WRITE_STATEMENTS:
            continue
        yield from ((name, p) for p in QUERY_PARAMS.get(name, [{}]))


def _norm(v: object) -> object:
    if isinstance(v, float):
        return None if math.isnan(v) else round(v, 9)
    if isinstance(v, list):
        return [_norm(x) for x in v]
    if isinstance(v, Decimal):  # DuckDB sums of BIGINT come back as HUGEINT decimals
        return int(v)
    return v


def canonical_rows(table: pa.Table) -> list[tuple[object, ...]]:
    """Rows as tuples of normalised values, sorted (some queries leave ties unordered)."""
    rows = [tuple(_norm(v) for v in r.values()) for r in table.to_pylist()]
    return sorted(rows, key=repr)


def assert_same(name: str, params: dict[str, object], ref: Store, other: Store) -> None:
    """Equal column names and rows from both stores for one query."""
    a, b = ref.query(name, params), other.query(name, params)
    assert a.column_names == b.column_names, name
    assert canonical_rows(a) == canonical_rows(b), (name, params)


@pytest.mark.heavydb
def test_every_query_matches_duckdb_on_a_heavydb_server() -> None:
    from engine.data.heavydb_store import HeavyDBStore

    ref = DuckDBStore(":memory:")
    heavy = HeavyDBStore(os.environ["POSBT_HEAVYDB_URL"])
    try:
        for table in heavy.table_counts():
            heavy.backend.execute(f"TRUNCATE TABLE {table}")
        load_market(ref)
        load_market(heavy)
        assert heavy.table_counts() == ref.table_counts()
        for name, params in parity_cases():
            assert_same(name, params, ref, heavy)
    finally:
        heavy.close()
        ref.close()
