"""DuckDB store: schema, idempotent loads, one transaction per load, named queries."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from engine.data.duckdb_store import DuckDBStore
from engine.data.sqlfiles import query_names, query_text
from engine.errors import StoreError, StoreLockedError


def _spot(ts: list[dt.datetime], close: list[float]) -> pa.Table:
    n = len(ts)
    return pa.table({
        "symbol": ["NIFTY"] * n,
        "bar_minutes": pa.array([1] * n, pa.int16()),
        "ts": ts, "open": close, "high": close, "low": close, "close": close,
    })


def _opt(ts: dt.datetime, strikes: list[float], right: str, close: list[float]) -> pa.Table:
    n = len(strikes)
    return pa.table({
        "symbol": ["NIFTY"] * n, "expiry": [dt.date(2024, 1, 4)] * n, "strike": strikes,
        "right": [right] * n, "bar_minutes": pa.array([1] * n, pa.int16()), "ts": [ts] * n,
        "open": close, "high": close, "low": close, "close": close,
    })


T0 = dt.datetime(2024, 1, 1, 9, 16)
T1 = dt.datetime(2024, 1, 1, 9, 17)


def test_load_is_idempotent_and_dedupes_within_batch(mem_store: DuckDBStore) -> None:
    batch = _spot([T0, T1, T1], [100.0, 101.0, 101.0])
    with mem_store.load() as tx:
        tx.append("spot_bars", batch)
    # 3 offered, the repeated 09:17 key counted once -> 2 inserted
    assert tx.result.inserted["spot_bars"] == 2
    assert tx.result.skipped("spot_bars") == 1
    v1 = mem_store.data_version()
    with mem_store.load() as tx2:
        tx2.append("spot_bars", batch)
    assert tx2.result.inserted["spot_bars"] == 0
    assert mem_store.data_version() == v1  # nothing new -> caches stay valid
    assert mem_store.table_counts()["spot_bars"] == 2


def test_failed_load_leaves_store_unchanged(mem_store: DuckDBStore) -> None:
    with mem_store.load() as tx:
        tx.append("spot_bars", _spot([T0], [100.0]))
    before = mem_store.table_counts()
    with pytest.raises(RuntimeError), mem_store.load() as tx:
        tx.append("spot_bars", _spot([T1], [101.0]))
        tx.append("option_bars", _opt(T1, [21000.0], "CE", [50.0]))
        raise RuntimeError("parse error half way")
    assert mem_store.table_counts() == before


def test_unknown_table_is_refused(mem_store: DuckDBStore) -> None:
    with pytest.raises(StoreError, match="unknown table"), mem_store.load() as tx:
        tx.append("nope", _spot([T0], [1.0]))


def test_chain_at_sees_only_bars_at_or_before_t(mem_store: DuckDBStore) -> None:
    with mem_store.load() as tx:
        tx.append("option_bars", _opt(T0, [21000.0, 21050.0], "CE", [50.0, 30.0]))
        tx.append("option_bars", _opt(T1, [21000.0, 21050.0], "CE", [55.0, 33.0]))
    params = {"symbol": "NIFTY", "bar_minutes": 1, "expiries": [dt.date(2024, 1, 4)],
              "strike_lo": 20000.0, "strike_hi": 22000.0}
    at_t0 = mem_store.query("chain_at", {**params, "ts": T0 + dt.timedelta(seconds=30)})
    assert at_t0.column("close").to_pylist() == [50.0, 30.0]
    at_t1 = mem_store.query("chain_at", {**params, "ts": T1})
    assert at_t1.column("close").to_pylist() == [55.0, 33.0]
    narrow = mem_store.query("chain_at", {**params, "ts": T1, "strike_hi": 21000.0})
    assert narrow.column("strike").to_pylist() == [21000.0]
    # the previous day's bars are not a chain for today's 09:15
    next_day = mem_store.query("chain_at", {**params, "ts": dt.datetime(2024, 1, 2, 9, 15)})
    assert next_day.num_rows == 0


def test_leg_paths_and_spot_path(mem_store: DuckDBStore) -> None:
    with mem_store.load() as tx:
        tx.append("option_bars", _opt(T0, [21000.0, 21050.0], "CE", [50.0, 30.0]))
        tx.append("option_bars", _opt(T1, [21000.0, 21050.0], "CE", [55.0, 33.0]))
        tx.append("spot_bars", _spot([T0, T1], [21010.0, 21020.0]))
    legs = mem_store.query("leg_paths", {
        "symbol": "NIFTY", "bar_minutes": 1, "ts_from": T0, "ts_to": T1,
        "expiries": [dt.date(2024, 1, 4)], "strikes": [21050.0], "rights": ["CE"]})
    assert legs.column("close").to_pylist() == [30.0, 33.0]
    spot = mem_store.query("spot_path", {"symbol": "NIFTY", "bar_minutes": 1,
                                         "ts_from": T1, "ts_to": T1})
    assert spot.column("close").to_pylist() == [21020.0]


def test_expiries_from_prefers_data_rows(mem_store: DuckDBStore) -> None:
    rows = pa.table({"symbol": ["NIFTY"] * 3,
                     "expiry": [dt.date(2024, 1, 4), dt.date(2024, 1, 4), dt.date(2024, 1, 25)],
                     "kind": ["WEEKLY", "MONTHLY", "MONTHLY"],
                     "source": ["GENERATED", "DATA", "GENERATED"]})
    with mem_store.load() as tx:
        tx.append("expiries", rows)
    got = mem_store.query("expiries_from", {"symbol": "NIFTY", "on_date": dt.date(2024, 1, 2)})
    assert got.to_pylist() == [
        {"expiry": dt.date(2024, 1, 4), "kind": "MONTHLY", "source": "DATA"},
        {"expiry": dt.date(2024, 1, 25), "kind": "MONTHLY", "source": "GENERATED"},
    ]


def test_every_named_query_exists_for_duckdb() -> None:
    names = query_names("duckdb")
    for required in ("chain_at", "leg_paths", "spot_path", "vix_path", "daily_closes",
                     "expiries_from"):
        assert required in names
        assert "$" in query_text("duckdb", required) or required == "info_bars"


def test_bad_query_name_and_missing_query() -> None:
    with pytest.raises(StoreError, match="invalid query name"):
        query_text("duckdb", "x; DROP TABLE y")
    with pytest.raises(StoreError, match="no named query"):
        query_text("duckdb", "does_not_exist")


def test_read_only_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="posbt data demo"):
        DuckDBStore(tmp_path / "market.duckdb", read_only=True)


def test_second_writer_gets_clear_lock_error(tmp_path: Path) -> None:
    path = tmp_path / "market.duckdb"
    DuckDBStore(path).close()
    # DuckDB locks across processes; inside one process a second handle with a different
    # mode on the same file is refused too, which is what the message must explain.
    import subprocess
    import sys
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb,sys,time; c=duckdb.connect(sys.argv[1]); print('ok', flush=True); "
         "time.sleep(30)", str(path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        with pytest.raises(StoreLockedError, match="locked by process"):
            DuckDBStore(path)
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_read_only_store_refuses_loads(tmp_path: Path) -> None:
    path = tmp_path / "market.duckdb"
    DuckDBStore(path).close()
    ro = DuckDBStore(path, read_only=True)
    try:
        with pytest.raises(StoreError, match="read-only"):
            ro.load()
        assert ro.file_size_bytes() > 0
    finally:
        ro.close()


def test_large_load_above_one_row_group_is_not_lost(mem_store: DuckDBStore) -> None:
    # DuckDB 2.0.0 drops rows when aggregating over a table created inside the transaction once
    # it exceeds one row group (122,880 rows); 150,000 rows must all arrive, and again none.
    import numpy as np

    n = 150_000
    ts = np.datetime64("2024-01-01T09:16") + np.arange(n).astype("timedelta64[m]")
    batch = pa.table({"symbol": ["NIFTY"] * n, "bar_minutes": pa.array([1] * n, pa.int16()),
                      "ts": pa.array(ts.astype("datetime64[us]")), "open": np.ones(n),
                      "high": np.ones(n), "low": np.ones(n), "close": np.ones(n)})
    with mem_store.load() as tx:
        tx.append("spot_bars", batch)
        tx.append("spot_bars", batch.slice(0, 1000))  # repeated keys in a later batch: skipped
    assert tx.result.inserted["spot_bars"] == n
    assert tx.result.offered["spot_bars"] == n + 1000
    assert mem_store.table_counts()["spot_bars"] == n


def test_batch_without_key_columns_is_refused(mem_store: DuckDBStore) -> None:
    with pytest.raises(StoreError, match="lacks key columns"), mem_store.load() as tx:
        tx.append("spot_bars", pa.table({"symbol": ["NIFTY"]}))


def test_reader_memory_limit_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "market.duckdb"
    DuckDBStore(path).close()
    monkeypatch.setenv("POSBT_DUCKDB_MEMORY_LIMIT", "512MB")
    ro = DuckDBStore(path, read_only=True)
    try:
        limit = ro.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        assert limit.replace(" ", "").upper().startswith(("488", "512"))  # MiB or MB shown
    finally:
        ro.close()
    monkeypatch.setenv("POSBT_DUCKDB_MEMORY_LIMIT", "1GB; DROP TABLE x")
    with pytest.raises(StoreError, match="POSBT_DUCKDB_MEMORY_LIMIT"):
        DuckDBStore(path, read_only=True)


def test_a_failed_checkpoint_is_a_store_error_naming_the_store(tmp_path: Path) -> None:
    store = DuckDBStore(tmp_path / "m.duckdb")
    store.con.close()  # what a lost handle or an I/O failure leaves
    with pytest.raises(StoreError, match="cannot finish checkpointing the store") as info:
        store.checkpoint()
    assert info.value.place == str(tmp_path / "m.duckdb")


def test_a_load_into_an_empty_span_skips_the_anti_join_but_not_the_keys() -> None:
    # the first batch lands in an empty span (plain insert); a second batch overlapping it
    # is de-duplicated against what the first stored
    store = DuckDBStore(":memory:")
    ts = [dt.datetime(2025, 1, 2, 9, 16 + i) for i in range(3)]

    def batch(stamps: list[dt.datetime]) -> pa.Table:
        n = len(stamps)
        return pa.table({"symbol": ["NIFTY"] * n, "bar_minutes": pa.array([1] * n, pa.int16()),
                         "ts": stamps, "open": [1.0] * n, "high": [1.0] * n, "low": [1.0] * n,
                         "close": [1.0] * n})

    with store.load() as tx:
        tx.append("spot_bars", batch(ts[:2]))
    with store.load() as tx:
        tx.append("spot_bars", batch(ts))
    assert tx.result.inserted["spot_bars"] == 1
    assert store.sql("SELECT count(*) AS n FROM spot_bars").column("n").to_pylist() == [3]
    store.close()
