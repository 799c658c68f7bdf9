"""HeavyDB store without a server: the SQL files, the literal renderer, the schema, and the
store's own logic (queries, post hooks, loads and their compensation) run through a shim.

The shim (``DuckShim``) runs the HeavyDB text on a DuckDB connection after translating the
few constructs DuckDB spells differently (DATE_TRUNC(DAY, x), TIMESTAMPADD, SAMPLE, column
ENCODING and table WITH options). It proves the HeavyDB queries' logic and the post hooks
give what the DuckDB text gives on the same data; HeavyDB's own dialect acceptance is the
job of tests/integration/test_store_parity.py against a real server.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from engine.data import heavydb_post
from engine.data.duckdb_store import DuckDBStore
from engine.data.heavydb_sql import (
    BOOKKEEPING_COLUMN,
    bind,
    canonical_columns,
    param_names,
    parse_table_ddl,
    query_mode,
    render_literal,
)
from engine.data.heavydb_store import HeavyDBStore, connect_args, open_heavydb
from engine.data.sqlfiles import query_names, query_text
from engine.data.tables import TABLE_KEYS
from engine.errors import StoreError
from tests.integration.test_store_parity import (
    assert_same,
    canonical_rows,
    load_market,
    market_batches,
    parity_cases,
)


def to_duckdb(sql: str) -> str:
    """HeavyDB text -> DuckDB text for the constructs the two spell differently."""
    sql = re.sub(r"ENCODING\s+\w+\(\d+\)", "", sql)
    sql = re.sub(r"\)\s*WITH\s*\([^;]*\)\s*;", ");", sql)
    sql = sql.replace("TIMESTAMP(0)", "TIMESTAMP").replace("SAMPLE(", "any_value(")
    sql = re.sub(r"DATE_TRUNC\((\w+),", lambda m: f"date_trunc('{m.group(1).lower()}',", sql)
    return re.sub(r"TIMESTAMPADD\(DAY,", "_posbt_add_days(", sql)


class DuckShim:
    """A HeavyDB stand-in: DuckDB underneath, strings returned dictionary-encoded and
    timestamps in seconds, as HeavyDB's Arrow output has them."""

    def __init__(self) -> None:
        self.con = duckdb.connect(":memory:")
        self.con.execute("CREATE MACRO _posbt_add_days(n, x) AS x + to_days(CAST(n AS INTEGER))")
        self.statements: list[str] = []
        self.fail_on: str | None = None
        self.closed = False

    def select(self, sql: str) -> pa.Table:
        table = self.con.sql(to_duckdb(sql)).to_arrow_table()
        cols = []
        for col in table.columns:
            if pa.types.is_string(col.type):
                col = col.dictionary_encode()
            elif pa.types.is_timestamp(col.type):
                col = col.cast(pa.timestamp("s"))
            cols.append(col)
        return pa.table(cols, names=table.column_names)

    def execute(self, sql: str) -> None:
        self.statements.append(sql)
        if self.fail_on is not None and self.fail_on in sql:
            raise RuntimeError(f"injected failure on {self.fail_on}")
        self.con.execute(to_duckdb(sql))

    def load_arrow(self, table: str, data: pa.Table) -> None:
        self.con.register("_shim_batch", data)
        try:
            self.con.execute(f'INSERT INTO "{table}" SELECT * FROM _shim_batch')
        finally:
            self.con.unregister("_shim_batch")

    def close(self) -> None:
        self.closed = True
        self.con.close()


@pytest.fixture
def stores() -> Iterator[tuple[DuckDBStore, HeavyDBStore, DuckShim]]:
    ref, shim = DuckDBStore(":memory:"), DuckShim()
    heavy = HeavyDBStore(backend=shim)
    load_market(ref)
    load_market(heavy)
    yield ref, heavy, shim
    heavy.close()
    ref.close()


# -- the SQL files ------------------------------------------------------------------------------

def test_every_duckdb_query_has_a_heavydb_twin_with_a_mode() -> None:
    missing = set(query_names("duckdb")) - set(query_names("heavydb"))
    assert missing == set()
    assert set(query_names("heavydb")) == set(query_names("duckdb"))
    modes = {name: query_mode(name) for name in query_names("heavydb")}
    assert {n for n, m in modes.items() if m == "post"} == set(heavydb_post.POST_HOOKS)
    assert {n for n, m in modes.items() if m == "python"} == set(heavydb_post.PYTHON_QUERIES)
    assert {n for n, m in modes.items() if m == "statement"} == {"enrich_update",
                                                                 "import_expiry_kinds",
                                                                 "import_expiry_listing",
                                                                 "record_load"}


@pytest.mark.parametrize("name", query_names("heavydb"))
def test_heavydb_params_are_the_duckdb_params(name: str) -> None:
    heavy = param_names(query_text("heavydb", name), ":")
    duck = param_names(query_text("duckdb", name), "$")
    if name == "record_load":  # HeavyDB tags the row with its load id (compensation)
        heavy -= {BOOKKEEPING_COLUMN}
    assert heavy <= duck, f"{name}: {heavy - duck} not used by the DuckDB text"
    if query_mode(name) == "sql":
        assert heavy == duck


def test_heavydb_texts_avoid_what_heavydb_lacks() -> None:
    banned = ("SEMI JOIN", "ASOF", "unnest(", "list(", "arg_min(", "arg_max(", "FILTER (",
              "$", "::", "concat_ws", "median(", "generate_series", "information_schema")
    for name in query_names("heavydb"):
        code = " ".join(line for line in query_text("heavydb", name).splitlines()
                        if not line.lstrip().startswith("--"))
        for word in banned:
            assert word.lower() not in code.lower(), (name, word)


def test_schema_matches_duckdb_information_schema(mem_store: DuckDBStore) -> None:
    # same tables, same column names in the same order, same types, NULL rules, defaults
    for table in [*TABLE_KEYS, "store_meta"]:
        duck = mem_store.query("import_table_columns", {"table_name": table}).to_pylist()
        heavy = heavydb_post.import_table_columns({"table_name": table}).to_pylist()
        assert heavy == duck, table


def test_parse_table_ddl_reads_types_nulls_and_defaults() -> None:
    name, cols = parse_table_ddl(
        "-- x\nCREATE TABLE IF NOT EXISTS t (\n  a TEXT NOT NULL ENCODING DICT(32),\n"
        "  \"b\" TIMESTAMP(0),\n  c BOOLEAN NOT NULL DEFAULT TRUE\n) WITH (sort_column = 'b');")
    assert name == "t"
    assert [(c.name, c.heavy_type, c.nullable, c.default) for c in cols] == [
        ("a", "TEXT", False, None), ("b", "TIMESTAMP(0)", True, None),
        ("c", "BOOLEAN", False, "TRUE")]
    assert [c.duckdb_type for c in cols] == ["VARCHAR", "TIMESTAMP", "BOOLEAN"]
    with pytest.raises(StoreError, match="CREATE TABLE"):
        parse_table_ddl("SELECT 1")
    with pytest.raises(StoreError, match="unknown table"):
        canonical_columns("nope")


# -- the literal renderer ----------------------------------------------------------------------

def test_render_literal_types_and_escaping() -> None:
    assert render_literal("O'Hare") == "'O''Hare'"
    assert render_literal("x'; DROP TABLE option_bars; --") == "'x''; DROP TABLE option_bars; --'"
    assert render_literal(dt.date(2024, 1, 4)) == "DATE '2024-01-04'"
    assert render_literal(dt.datetime(2024, 1, 4, 9, 15)) == "TIMESTAMP '2024-01-04 09:15:00'"
    assert render_literal(dt.datetime(2024, 1, 4, 9, 15, 0, 500)) == \
        "TIMESTAMP '2024-01-04 09:15:00.000500'"
    assert render_literal(np.datetime64("2024-01-04T09:15")) == "TIMESTAMP '2024-01-04 09:15:00'"
    assert render_literal(5) == "5" and render_literal(np.int16(5)) == "5"
    assert render_literal(True) == "TRUE" and render_literal(np.bool_(False)) == "FALSE"
    assert render_literal(21650.5) == "CAST(21650.5 AS DOUBLE)"
    assert render_literal(1e-12) == "CAST(1e-12 AS DOUBLE)"
    assert render_literal(None) == "NULL"
    assert render_literal([dt.date(2024, 1, 4), None]) == "(DATE '2024-01-04', NULL)"
    assert render_literal((1, 2.5)) == "(CAST(1.0 AS DOUBLE), CAST(2.5 AS DOUBLE))"
    assert render_literal([]) == "(NULL)"


@pytest.mark.parametrize("bad", [
    float("nan"), float("inf"), {"a": 1}, {1, 2}, b"bytes", object(), "tab\there", "nul\x00",
    dt.datetime(2024, 1, 4, 9, 15, tzinfo=dt.UTC), [1, "a"], [[1]], np.datetime64("NaT"),
    range(3)])
def test_render_literal_refuses_what_it_cannot_render_safely(bad: object) -> None:
    with pytest.raises(StoreError, match="parameter"):
        render_literal(bad)


def test_bind_skips_strings_comments_and_casts() -> None:
    sql = "-- :a in a comment\nSELECT ':a', \":a\", x::INT, :a, :b /* :b */ FROM t WHERE y = :a"
    out = bind(sql, {"a": "v", "b": 2}, query="q")
    assert out == ("-- :a in a comment\nSELECT ':a', \":a\", x::INT, 'v', 2 /* :b */ "
                   "FROM t WHERE y = 'v'")
    assert param_names(sql) == {"a", "b"}
    with pytest.raises(StoreError, match=r"query 'q' needs parameter :b"):
        bind(sql, {"a": 1}, query="q")
    with pytest.raises(StoreError, match=r"query 'q', parameter :a"):
        bind(sql, {"a": object(), "b": 1}, query="q")


# -- connection settings -----------------------------------------------------------------------

def test_connect_args_from_url_and_defaults() -> None:
    assert connect_args("heavydb://ana:p%40ss@gpu-box:7000/market?protocol=http") == {
        "user": "ana", "password": "p@ss", "host": "gpu-box", "port": 7000, "dbname": "market",
        "protocol": "http"}
    assert connect_args("heavydb://") == {"user": "admin", "password": "HyperInteractive",
                                          "host": "localhost", "port": 6274, "dbname": "heavyai",
                                          "protocol": "binary"}
    for bad in ("postgres://x", "heavydb://h/db?protocol=ftp", "heavydb://h:port/db"):
        with pytest.raises(StoreError, match="POSBT_HEAVYDB_URL"):
            connect_args(bad)


def test_missing_client_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "heavyai", None)  # import heavyai -> ImportError
    with pytest.raises(StoreError, match=r"pip install 'posbt\[heavydb\]'"):
        open_heavydb("heavydb://localhost/heavyai")


# -- the store through the shim ----------------------------------------------------------------

def test_every_query_matches_duckdb(stores: tuple[DuckDBStore, HeavyDBStore, DuckShim]) -> None:
    ref, heavy, _shim = stores
    assert heavy.table_counts() == ref.table_counts()
    for name, params in parity_cases():
        assert_same(name, params, ref, heavy)


def test_query_results_have_plain_arrow_types(
        stores: tuple[DuckDBStore, HeavyDBStore, DuckShim]) -> None:
    _ref, heavy, _shim = stores
    t = heavy.query("chain_at", {"symbol": "NIFTY", "bar_minutes": 5,
                                 "ts": dt.datetime(2024, 1, 3, 9, 27), "expiries": [],
                                 "strike_lo": 0.0, "strike_hi": 1e9})
    assert t.num_rows == 0  # an empty expiry list matches nothing, as in DuckDB
    t = heavy.query("spot_path", {"symbol": "NIFTY", "bar_minutes": 5,
                                  "ts_from": dt.datetime(2024, 1, 2), "ts_to": dt.datetime(2024, 1, 4)})
    assert t.schema.field("ts").type == pa.timestamp("us")
    legs = heavy.query("leg_paths", {"symbol": "NIFTY", "bar_minutes": 5,
                                     "ts_from": dt.datetime(2024, 1, 2), "ts_to": dt.datetime(2024, 1, 4),
                                     "expiries": [dt.date(2024, 1, 4)], "strikes": [21700.0],
                                     "rights": ["CE"]})
    # one leg, 6 option stamps (3 bars on each of 2 days) -> 6 rows, all of the leg's contract
    assert legs.num_rows == 6 and legs.schema.field("right").type == pa.string()
    assert set(legs.column("right").to_pylist()) == {"CE"}


def test_load_is_idempotent_and_bumps_the_version(
        stores: tuple[DuckDBStore, HeavyDBStore, DuckShim]) -> None:
    _ref, heavy, _shim = stores
    version = heavy.data_version()
    assert version == 1
    with heavy.load() as tx:
        for table, batch in market_batches().items():
            tx.append(table, batch)
        tx.append("spot_bars", market_batches()["spot_bars"])  # repeated inside the load
    assert sum(tx.result.inserted.values()) == 0
    assert tx.result.skipped("spot_bars") == 2 * 7  # 5 five-minute + 2 daily bars, twice
    assert heavy.data_version() == version  # nothing new -> same version


def test_failed_commit_deletes_the_loads_rows(
        stores: tuple[DuckDBStore, HeavyDBStore, DuckShim]) -> None:
    _ref, heavy, shim = stores
    before = heavy.table_counts()
    new_spot = pa.table({"symbol": ["BANKNIFTY"], "bar_minutes": [5],
                         "ts": [dt.datetime(2024, 1, 2, 9, 20)], "open": [1.0], "high": [2.0],
                         "low": [0.5], "close": [1.5]})
    new_vix = pa.table({"symbol": ["X"], "bar_minutes": [5], "ts": [dt.datetime(2024, 1, 2, 9, 20)],
                        "open": [1.0], "high": [2.0], "low": [0.5], "close": [1.5]})
    shim.fail_on = "INSERT INTO vix_bars"
    with pytest.raises(StoreError, match="injected failure"), heavy.load() as tx:
        tx.append("spot_bars", new_spot)  # committed first, then compensated
        tx.append("vix_bars", new_vix)
    shim.fail_on = None
    assert heavy.table_counts() == before
    assert heavy.data_version() == 1
    assert not any("_posbt_stage_" in t for (t,) in shim.con.execute("SHOW TABLES").fetchall())


def test_cut_off_commit_is_undone_on_the_next_open(
        stores: tuple[DuckDBStore, HeavyDBStore, DuckShim]) -> None:
    _ref, heavy, shim = stores
    before = heavy.table_counts()["vix_bars"]
    # a load that died after inserting one row: its marker and its tagged row remain
    shim.con.execute("INSERT INTO store_meta VALUES ('load_in_progress', '77')")
    shim.con.execute("INSERT INTO vix_bars VALUES ('X', 5, TIMESTAMP '2024-01-02 09:20:00', "
                     "1, 2, 0.5, 1.5, 77)")
    HeavyDBStore(backend=shim)  # a write-mode open recovers
    assert heavy.table_counts()["vix_bars"] == before
    assert shim.con.execute("SELECT count(*) FROM store_meta WHERE key = 'load_in_progress'"
                            ).fetchall() == [(0,)]


def test_load_rejects_bad_batches(stores: tuple[DuckDBStore, HeavyDBStore, DuckShim]) -> None:
    _ref, heavy, _shim = stores
    with pytest.raises(StoreError, match="unknown table"), heavy.load() as tx:
        tx.append("nope", pa.table({"a": [1]}))
    with pytest.raises(StoreError, match="'close' is required"), heavy.load() as tx:
        tx.append("vix_bars", pa.table({"symbol": ["X"], "bar_minutes": [5],
                                        "ts": [dt.datetime(2024, 1, 2)], "open": [1.0],
                                        "high": [1.0], "low": [1.0]}))
    with pytest.raises(StoreError, match="cannot be stored as DOUBLE"), heavy.load() as tx:
        tx.append("vix_bars", pa.table({"symbol": ["X"], "bar_minutes": [5],
                                        "ts": [dt.datetime(2024, 1, 2)], "open": [1.0],
                                        "high": [1.0], "low": [1.0], "close": ["x"]}))
    with pytest.raises(StoreError, match="not been committed"):
        heavy.load().result  # noqa: B018


def test_events_default_blackout_flags(stores: tuple[DuckDBStore, HeavyDBStore, DuckShim]) -> None:
    ref, heavy, _shim = stores
    # the fixture's events carry no flags: DEFAULT TRUE / FALSE fill them in both stores
    params = {"symbol": "NIFTY", "date_from": dt.date(2024, 1, 1), "date_to": dt.date(2024, 1, 9)}
    rows = heavy.query("events_between", params).to_pylist()
    assert [(r["name"], r["blackout_entry"], r["blackout_adjustment"]) for r in rows] == [
        ("budget", True, False), ("policy", True, False)]
    assert canonical_rows(ref.query("events_between", params)) == \
        canonical_rows(heavy.query("events_between", params))


def test_update_option_greeks_matches_duckdb(
        stores: tuple[DuckDBStore, HeavyDBStore, DuckShim]) -> None:
    ref, heavy, _shim = stores
    todo = ref.sql("SELECT symbol, expiry, strike, \"right\", bar_minutes, ts FROM option_bars "
                   "WHERE iv IS NULL ORDER BY ts, expiry, strike, \"right\" LIMIT 5")
    n = todo.num_rows
    batch = todo.append_column("iv", pa.array([0.2] * n)).append_column(
        "delta", pa.array([0.5] * n)).append_column("gamma", pa.array([0.001] * n)).append_column(
        "vega", pa.array([10.0] * n)).append_column("theta", pa.array([-5.0] * n))
    assert heavy.update_option_greeks(batch) == ref.update_option_greeks(batch) == 5
    assert heavy.update_option_greeks(batch) == 0  # already filled: nothing changes
    assert heavy.update_option_greeks(batch.slice(0, 0)) == 0
    assert heavy.data_version() == ref.data_version() == 2
    params = {"symbol": "NIFTY", "day_start": dt.datetime(2024, 1, 2), "day_end": dt.datetime(2024, 1, 4)}
    assert_same("enrich_chain_rows", params, ref, heavy)


def test_refresh_expiry_kinds_and_statement_guard(
        stores: tuple[DuckDBStore, HeavyDBStore, DuckShim]) -> None:
    ref, heavy, shim = stores
    # E1 = 4 Jan (WEEKLY) and E2 = 25 Jan (last DATA expiry of January -> MONTHLY)
    shim.con.execute("UPDATE expiries SET kind = 'WEEKLY' WHERE source = 'DATA'")
    heavy.refresh_expiry_kinds()
    rows = heavy.query("import_known_expiries").to_pylist()
    assert [(r["expiry"].day, r["kind"], r["source"]) for r in rows if r["source"] == "DATA"] == [
        (4, "WEEKLY", "DATA"), (25, "MONTHLY", "DATA")]
    assert canonical_rows(rows_table := heavy.query("import_known_expiries")) == \
        canonical_rows(ref.query("import_known_expiries"))
    assert rows_table.num_rows == 4
    with pytest.raises(StoreError, match="write statement"):
        heavy.query("enrich_update")


def test_read_only_store_refuses_writes() -> None:
    shim = DuckShim()
    HeavyDBStore(backend=shim)  # creates the schema
    ro = HeavyDBStore(backend=shim, read_only=True)
    for write in (ro.load, ro.refresh_expiry_kinds):
        with pytest.raises(StoreError, match="read-only"):
            write()
    with pytest.raises(StoreError, match="read-only"):
        ro.update_option_greeks(pa.table({"iv": [0.1]}))
    with ro:
        assert ro.data_version() == 0
    assert shim.closed


def test_client_errors_become_store_errors() -> None:
    shim = DuckShim()
    store = HeavyDBStore(backend=shim)
    shim.con.execute("DROP TABLE spot_bars")
    with pytest.raises(StoreError, match="query 'spot_path' failed"):
        store.query("spot_path", {"symbol": "NIFTY", "bar_minutes": 5,
                                  "ts_from": dt.datetime(2024, 1, 2), "ts_to": dt.datetime(2024, 1, 3)})
    with pytest.raises(StoreError, match="needs parameter :symbol"):
        store.query("spot_path", {})


# -- post hooks on the shapes the data above does not reach ------------------------------------

def test_post_hooks_on_duplicates_and_empty_inputs(mem_store: DuckDBStore) -> None:
    # two copies of one spot bar key -> one repeated key for (spot_bars, NIFTY)
    row = ("NIFTY", 5, dt.datetime(2024, 1, 2, 9, 20), 1.0, 2.0, 0.5, 1.5, None)
    mem_store.con.executemany("INSERT INTO spot_bars VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                              [row, row])
    shim = DuckShim()
    heavy = HeavyDBStore(backend=shim)
    shim.con.executemany("INSERT INTO spot_bars VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
                         [row, row])
    for name in ("check_duplicates", "check_spot_days", "check_holidays", "check_missing_bars",
                 "check_prices", "check_expiries_without_data"):
        assert_same(name, {}, mem_store, heavy)
    dup = heavy.query("check_duplicates").to_pylist()
    assert dup == [{"check_name": "duplicate keys", "tbl": "spot_bars", "symbol": "NIFTY", "n": 1,
                    "example": "NIFTY 5 2024-01-02 09:20:00"}]
    empty = heavy.query("vol_daily_atm", {"symbol": "X", "bar_minutes": 5, "date_from": dt.date(2024, 1, 1),
                                          "date_to": dt.date(2024, 1, 2), "max_dte": 30, "rate": 0.0})
    assert empty.num_rows == 0 and empty.column_names[0] == "trade_date"
