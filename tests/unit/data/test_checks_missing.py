"""Missing intraday bars (``check_missing_bars``): bounded memory, same findings as before.

The check used to count distinct close stamps per series-day (``count(DISTINCT ts)``),
which kept every stamp of every group and ran out of a reader's 1 GB on a 9.4M-bar
store. It now sets one bit per grid slot; these tests hold its findings to the old
query's and to a pandas count written here, and run it under a small memory cap.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.data.checks import run_checks
from engine.data.duckdb_store import DuckDBStore

# the query as it was before the bit masks (a distinct count per series-day)
OLD_SQL = """
WITH s AS (
    SELECT 'spot_bars' AS tbl, symbol, symbol AS series, bar_minutes, ts FROM spot_bars
    UNION ALL
    SELECT 'vix_bars', symbol, symbol, bar_minutes, ts FROM vix_bars
    UNION ALL
    SELECT 'futures_bars', symbol, concat_ws(' ', symbol, expiry), bar_minutes, ts
    FROM futures_bars
    UNION ALL
    SELECT 'option_bars', symbol, concat_ws(' ', symbol, expiry, strike, "right"),
           bar_minutes, ts
    FROM option_bars
), days AS (
    SELECT tbl, symbol, series, bar_minutes, CAST(ts AS DATE) AS day,
           count(DISTINCT ts) FILTER (WHERE CAST(ts AS TIME) > TIME '09:15:00'
                                        AND CAST(ts AS TIME) <= TIME '15:30:00') AS have,
           CAST(floor(375 / bar_minutes) AS BIGINT) AS expected
    FROM s WHERE bar_minutes < 1440
    GROUP BY tbl, symbol, series, bar_minutes, CAST(ts AS DATE)
)
SELECT tbl, symbol, sum(expected - have) AS n, max(expected - have) AS worst
FROM days WHERE have < expected
GROUP BY tbl, symbol ORDER BY tbl, symbol
"""

DAYS = (dt.date(2025, 1, 6), dt.date(2025, 1, 7), dt.date(2025, 1, 8))
OPTION_COLS = 'symbol, expiry, strike, "right", bar_minutes, ts, open, high, low, close'


def _stamps(day: dt.date, minutes: int) -> list[dt.datetime]:
    start = dt.datetime.combine(day, dt.time(9, 15))
    return [start + dt.timedelta(minutes=minutes * k) for k in range(1, 375 // minutes + 1)]


def _store() -> tuple[DuckDBStore, pd.DataFrame]:
    """Bars with seeded random gaps in every table and at 1, 5 and 15 minutes, plus stamps
    outside the session; returns the store and the rows as a frame."""
    rng = np.random.default_rng(12)
    rows = []
    series = [("spot_bars", "NIFTY", None, None, None, 5),
              ("vix_bars", "INDIAVIX", None, None, None, 1),
              ("futures_bars", "NIFTY", dt.date(2025, 1, 30), None, None, 15)]
    series += [("option_bars", "NIFTY", dt.date(2025, 1, 9), k, r, 1)
               for k in (23500.0, 23550.0, 23600.0) for r in ("CE", "PE")]
    series += [("option_bars", "BANKNIFTY", dt.date(2025, 1, 30), 50000.0, "CE", 5)]
    for tbl, sym, exp, strike, right, minutes in series:
        for day in DAYS:
            stamps = _stamps(day, minutes)
            keep = rng.random(len(stamps)) > 0.04  # about 4% missing
            kept = [ts for ts, k in zip(stamps, keep, strict=True) if k]
            # bars outside (09:15, 15:30] fill no slot: 09:15 itself and after the close
            kept += [dt.datetime.combine(day, dt.time(9, 15)),
                     dt.datetime.combine(day, dt.time(15, 45))]
            rows += [(tbl, sym, exp, strike, right, minutes, ts) for ts in kept]
    # a series-day with bars only outside the session: all 375 missing
    rows.append(("option_bars", "NIFTY", dt.date(2025, 1, 9), 23650.0, "CE", 1,
                 dt.datetime(2025, 1, 8, 15, 31)))
    frame = pd.DataFrame(rows, columns=["tbl", "symbol", "expiry", "strike", "right",
                                        "bar_minutes", "ts"])
    store = DuckDBStore(":memory:")
    for tbl, part in frame.groupby("tbl"):
        for r in part.itertuples(index=False):
            if tbl == "option_bars":
                store.con.execute(f"INSERT INTO option_bars ({OPTION_COLS}) VALUES "
                                  "(?, ?, ?, ?, ?, ?, 10, 11, 9, 10)",
                                  [r.symbol, r.expiry, r.strike, r.right, r.bar_minutes, r.ts])
            elif tbl == "futures_bars":
                store.con.execute("INSERT INTO futures_bars (symbol, expiry, bar_minutes, ts, "
                                  "open, high, low, close) VALUES (?, ?, ?, ?, 10, 11, 9, 10)",
                                  [r.symbol, r.expiry, r.bar_minutes, r.ts])
            else:
                store.con.execute(f"INSERT INTO {tbl} (symbol, bar_minutes, ts, open, high, "
                                  "low, close) VALUES (?, ?, ?, 10, 11, 9, 10)",
                                  [r.symbol, r.bar_minutes, r.ts])
    return store, frame


def _pandas_missing(frame: pd.DataFrame) -> dict[tuple[str, str], int]:
    """Missing = expected grid stamps (09:15 + k x bar_minutes) without a bar, per series-day."""
    f = frame.copy()
    f["day"] = f["ts"].dt.date
    f["mins"] = (f["ts"] - pd.to_datetime(f["day"])).dt.total_seconds() / 60 - 555
    f["expected"] = 375 // f["bar_minutes"]
    f["on_grid"] = ((f["mins"] % f["bar_minutes"] == 0) & (f["mins"] > 0)
                    & (f["mins"] <= 375))
    keys = ["tbl", "symbol", "expiry", "strike", "right", "bar_minutes", "day"]
    g = f.groupby(keys, dropna=False).agg(
        have=("ts", lambda s: s[f.loc[s.index, "on_grid"]].nunique()),
        expected=("expected", "first")).reset_index()
    g["gap"] = g["expected"] - g["have"]
    out = g[g["gap"] > 0].groupby(["tbl", "symbol"])["gap"].sum()
    return {k: int(v) for k, v in out.items()}


def _found(store: DuckDBStore) -> dict[tuple[str, str], int]:
    return {(r["tbl"], r["symbol"]): int(r["n"])
            for r in store.query("check_missing_bars").to_pylist()}


def test_same_findings_as_the_distinct_count_and_as_pandas() -> None:
    store, frame = _store()
    new = _found(store)
    old = {(t, s): int(n) for t, s, n, _ in store.con.execute(OLD_SQL).fetchall()}
    assert new == old == _pandas_missing(frame)
    assert set(new) == {("spot_bars", "NIFTY"), ("vix_bars", "INDIAVIX"),
                        ("futures_bars", "NIFTY"), ("option_bars", "NIFTY"),
                        ("option_bars", "BANKNIFTY")}
    # the series-day with bars only outside the session is the worst example: 0 of 375
    example = {(r["tbl"], r["symbol"]): r["example"]
               for r in store.query("check_missing_bars").to_pylist()}
    assert example[("option_bars", "NIFTY")] == "NIFTY 2025-01-09 23650.0 CE 2025-01-08 1m: 0 of 375"
    store.close()


def test_a_repeated_stamp_fills_one_slot_and_an_off_grid_stamp_none() -> None:
    store = DuckDBStore(":memory:")
    day = dt.date(2025, 1, 6)
    stamps = _stamps(day, 5)  # 75 slots
    for ts in stamps[:-3]:  # the last 3 missing
        store.con.execute("INSERT INTO spot_bars (symbol, bar_minutes, ts, open, high, low, "
                          "close) VALUES ('NIFTY', 5, ?, 1, 1, 1, 1)", [ts])
    # a duplicate of 09:20 and two stamps off the 5-minute grid (10:02, 10:05:30)
    for ts in (stamps[0], dt.datetime(2025, 1, 6, 10, 2), dt.datetime(2025, 1, 6, 10, 5, 30)):
        store.con.execute("INSERT INTO spot_bars (symbol, bar_minutes, ts, open, high, low, "
                          "close) VALUES ('NIFTY', 5, ?, 1, 1, 1, 1)", [ts])
    (row,) = store.query("check_missing_bars").to_pylist()
    # 72 of the 75 grid stamps have a bar: 3 missing (the distinct count said 1: it took
    # the two off-grid stamps for bars in the missing slots)
    assert (row["n"], row["example"]) == (3, "NIFTY 2025-01-06 5m: 72 of 75")
    store.close()


def test_the_check_runs_under_a_small_memory_cap(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.duckdb"
    store = DuckDBStore(path)
    # 20 strikes x 2 rights x 20 days x 375 one-minute bars = 300,000 bars; one bar of
    # strike 20150 missing every day
    store.con.execute(f"""
        INSERT INTO option_bars ({OPTION_COLS})
        SELECT 'NIFTY', DATE '2025-03-27', 20000 + 50 * k, r, 1,
               TIMESTAMP '2025-01-01 09:15:00' + INTERVAL (d) DAY + INTERVAL (m) MINUTE,
               10, 11, 9, 10
        FROM range(20) t(k), (VALUES ('CE'), ('PE')) rr(r), range(20) dd(d),
             range(1, 376) mm(m)
        WHERE NOT (k = 3 AND m = 100)
        ORDER BY d, m, k, r""")
    store.close()
    monkeypatch.setenv("POSBT_DUCKDB_MEMORY_LIMIT", "32MB")
    reader = DuckDBStore(path, read_only=True)
    (limit,) = reader.con.execute("SELECT current_setting('memory_limit')").fetchall()[0]
    assert limit == "30.5 MiB"  # 32 MB, as DuckDB prints it
    found = {f.check: f for f in run_checks(reader)}
    missing = found["missing bars inside the session"]
    assert missing.count == 2 * 20  # CE and PE of strike 20150, each of the 20 days
    assert missing.example == "NIFTY 2025-03-27 20150.0 CE 2025-01-01 1m: 374 of 375"
    reader.close()
