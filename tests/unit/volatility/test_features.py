"""daily_features: incremental computation, SQL vs NumPy ranks, agreement with the snapshot."""

from __future__ import annotations

import math
from datetime import datetime, time

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from engine.data.duckdb_store import DuckDBStore
from engine.volatility import HVMethod, volatility_snapshot
from engine.volatility.features import compute_daily_features, features_table, rolling_ranks
from tests.unit.volatility._market import build_market, daily_tables, load

LOOKBACK = 10


def test_sql_and_numpy_ranks_agree(mem_store: DuckDBStore) -> None:
    rng = np.random.default_rng(4)
    values = rng.uniform(0.1, 0.3, 60)
    values[[7, 25, 26]] = np.nan
    values[40] = values[35]  # a tie: not strictly below
    dates = list(pd.date_range("2024-01-01", periods=60, freq="B").date)
    for min_history in (None, 4):
        sql = rolling_ranks(mem_store, dates, values, LOOKBACK, min_history, "sql")
        npy = rolling_ranks(mem_store, dates, values, LOOKBACK, min_history, "numpy")
        for a, b in zip(sql, npy, strict=True):
            assert np.array_equal(np.isnan(a), np.isnan(b))
            assert np.allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=0, atol=1e-12)
    # and the convention itself, by hand at t = 20: previous 10 values strictly below
    ivp = rolling_ranks(mem_store, dates, values, LOOKBACK, None, "sql")[0]
    assert ivp[20] == pytest.approx(np.mean(values[10:20] < values[20]))


def test_features_incremental_and_consistent(mem_store: DuckDBStore) -> None:
    m = build_market(n_days=25)
    tables = daily_tables(m)
    load(mem_store, tables)
    report = compute_daily_features(mem_store, lookback=LOOKBACK)
    assert report.inserted == {"NIFTY": 25} and report.total == 25
    # nothing pending: a second run inserts nothing
    assert compute_daily_features(mem_store, lookback=LOOKBACK).total == 0
    rows = mem_store.sql("SELECT * FROM daily_features ORDER BY trade_date").to_pandas()
    # flat-vol chains: every ATM IV of a day is that day's vol
    assert np.allclose(rows["atm_iv_30d"], m.vols, atol=1e-9)
    # IVP at day 15 by hand from the known vols
    assert rows["ivp"][15] == pytest.approx(np.mean(m.vols[5:15] < m.vols[15]))
    assert math.isnan(rows["ivp"][9]) and not math.isnan(rows["ivp"][10])
    # HV close-to-close via pandas; the VIX close joins per day
    ref = np.log(pd.Series(m.closes)).diff().rolling(20).std() * math.sqrt(252)
    assert np.allclose(rows["hv_cc_20"], ref, equal_nan=True)
    assert np.allclose(rows["vix_close"], m.vols * 100)
    assert set(rows["term_class"]) == {"FLAT"}
    assert rows["regime"][0] in {"LOW", "MEDIUM", "HIGH"}
    # the snapshot at a day's close gives the same numbers
    day = 22
    snap = volatility_snapshot(mem_store, "NIFTY", datetime.combine(m.days[day], time(15, 30)),
                               LOOKBACK)
    assert snap.ivp == pytest.approx(rows["ivp"][day])
    assert snap.ivr == pytest.approx(rows["ivr"][day])
    assert snap.hv[HVMethod.YANG_ZHANG] == pytest.approx(rows["hv_yz_20"][day])
    assert snap.atr == pytest.approx(rows["atr_14"][day])


def test_incremental_run_matches_full_run(mem_store: DuckDBStore) -> None:
    m = build_market(n_days=25)
    tables = daily_tables(m)
    full = features_table(mem_store, "NIFTY", m.days[0], m.days[-1], lookback=LOOKBACK)
    assert full.num_rows == 0  # nothing loaded yet
    cut = datetime.combine(m.days[20], time(0, 0))
    early = {k: t.filter(pa.array([ts < cut for ts in t.column("ts").to_pylist()]))
             for k, t in tables.items()}
    load(mem_store, early)
    assert compute_daily_features(mem_store, ["NIFTY"], lookback=LOOKBACK).total == 20
    load(mem_store, tables)
    assert compute_daily_features(mem_store, ["NIFTY"], lookback=LOOKBACK).total == 5
    stored = mem_store.sql("SELECT * FROM daily_features ORDER BY trade_date").to_pandas()
    fresh = features_table(mem_store, "NIFTY", m.days[0], m.days[-1],
                           lookback=LOOKBACK).to_pandas()
    pd.testing.assert_frame_equal(stored, fresh, check_dtype=False)
