"""generate_market into a store, the bulk load path, and ``posbt data demo``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest
from click.testing import CliRunner

from engine.cli.main import cli
from engine.data.duckdb_store import DuckDBStore
from engine.data.synthetic.generate import generate_market
from engine.data.synthetic.spec import MarketSpec, market_spec
from engine.errors import PosbtError


def _small(**kw: object) -> MarketSpec:
    args: dict[str, object] = {"start": dt.date(2025, 1, 1), "days": 2, "interval_minutes": 15,
                               "history_days": 3, "strikes_each_side": 2, "horizon_days": 20,
                               "seed": 1,
                               # each day's ATM +/- 2 only: the counts below are by hand
                               # (a contract keeping its strikes: test_chain.py)
                               "keep_listed_strikes": False}
    args.update(kw)
    symbols = args.pop("symbols", ["NIFTY"])
    return market_spec(symbols, **args)  # type: ignore[arg-type]


@pytest.fixture
def small_store(mem_store: DuckDBStore) -> DuckDBStore:
    generate_market(_small(), mem_store)
    return mem_store


def test_counts_and_stamps(small_store: DuckDBStore) -> None:
    counts = small_store.table_counts()
    # 3 history + 2 window days of daily bars; 2 days x 25 bars of 15 minutes
    assert counts["spot_bars"] == 5 + 50
    assert counts["vix_bars"] == 5 + 50
    stamps = small_store.sql(
        "SELECT min(ts) AS first, max(ts) AS last FROM spot_bars WHERE bar_minutes = 15"
    ).to_pylist()[0]
    assert stamps["first"] == dt.datetime(2025, 1, 1, 9, 30)  # first 15m bar closes 09:30
    assert stamps["last"] == dt.datetime(2025, 1, 2, 15, 30)
    daily = small_store.sql(
        "SELECT DISTINCT strftime(ts, '%H:%M') AS hm FROM spot_bars WHERE bar_minutes = 1440"
    ).to_pylist()
    assert daily == [{"hm": "15:30"}]
    # the window opens from spot0 = 22000 (one overnight gap away)
    first_open = small_store.sql(
        "SELECT open FROM spot_bars WHERE bar_minutes = 1440 AND ts = TIMESTAMP '2025-01-01 15:30'"
    ).column("open")[0].as_py()
    assert abs(first_open / 22000.0 - 1.0) < 0.03
    # 2025-01-01: expiries within 20 days are 2, 9, 16 Jan (weekly Thursdays)
    # -> 3 expiries x 5 strikes x 2 rights = 30 contracts x (25 bars + 1 daily)
    day1 = small_store.sql(
        "SELECT count(*) AS n FROM option_bars WHERE CAST(ts AS DATE) = DATE '2025-01-01'"
    ).to_pylist()[0]["n"]
    assert day1 == 30 * 26


def test_option_bars_are_stored_in_time_order(small_store: DuckDBStore) -> None:
    ts = small_store.sql("SELECT ts FROM option_bars").column("ts").to_pylist()
    assert ts == sorted(ts)


def test_bars_are_consistent_in_the_store(small_store: DuckDBStore) -> None:
    bad = small_store.sql(
        "SELECT count(*) AS n FROM option_bars WHERE NOT (low <= open AND open <= high AND "
        "low <= close AND close <= high AND bid <= ask AND low >= 0.05 "
        "AND abs(close * 20 - round(close * 20)) < 1e-6)"
    ).to_pylist()[0]["n"]
    assert bad == 0
    bad_spot = small_store.sql(
        "SELECT count(*) AS n FROM spot_bars WHERE NOT (low <= least(open, close) "
        "AND high >= greatest(open, close))"
    ).to_pylist()[0]["n"]
    assert bad_spot == 0


def test_chain_query_reads_a_generated_chain(small_store: DuckDBStore) -> None:
    chain = small_store.query("chain_at", {
        "symbol": "NIFTY", "bar_minutes": 15, "ts": dt.datetime(2025, 1, 2, 11, 7),
        "expiries": [dt.date(2025, 1, 9)], "strike_lo": 0.0, "strike_hi": 1e9,
    })
    assert chain.num_rows == 10  # 5 strikes x 2 rights at the 11:00 bar
    assert set(chain.column("ts").to_pylist()) == {dt.datetime(2025, 1, 2, 11, 0)}


def test_expiries_fall_on_the_rule_weekday(mem_store: DuckDBStore) -> None:
    # NIFTY weeklies moved from Thursday to Tuesday from 1 Sep 2025
    generate_market(_small(start=dt.date(2025, 8, 25), days=6, interval_minutes=1440,
                           horizon_days=14), mem_store)
    rows = mem_store.sql("SELECT expiry, kind, source FROM expiries ORDER BY expiry").to_pylist()
    for r in rows:
        assert r["source"] == "GENERATED"
        want = 3 if r["expiry"] < dt.date(2025, 9, 1) else 1
        assert r["expiry"].weekday() == want, r
    assert {"expiry": dt.date(2025, 8, 28), "kind": "MONTHLY", "source": "GENERATED"} in rows
    assert {"expiry": dt.date(2025, 9, 2), "kind": "WEEKLY", "source": "GENERATED"} in rows


def test_rerun_adds_nothing(small_store: DuckDBStore) -> None:
    before = small_store.table_counts()
    version = small_store.data_version()
    report = generate_market(_small(), small_store)
    assert small_store.table_counts() == before
    assert small_store.data_version() == version
    assert report.skipped_symbols == ["NIFTY", "INDIAVIX"]
    assert report.generated_symbols == []


def test_same_seed_same_rows_other_seed_other_rows() -> None:
    def rows(seed: int, symbols: list[str]) -> pa.Table:
        store = DuckDBStore(":memory:")
        generate_market(_small(seed=seed, symbols=symbols), store)
        out = store.sql("SELECT * FROM option_bars WHERE symbol = 'NIFTY' ORDER BY ALL")
        store.close()
        return out

    a = rows(3, ["NIFTY"])
    assert a.equals(rows(3, ["NIFTY"]))
    assert not a.equals(rows(4, ["NIFTY"]))
    # adding BANKNIFTY does not change NIFTY's rows
    assert a.equals(rows(3, ["BANKNIFTY", "NIFTY"]))


def test_two_symbols_and_vix_from_nifty(mem_store: DuckDBStore) -> None:
    progress: list[int] = []
    report = generate_market(_small(symbols=["BANKNIFTY", "NIFTY"], interval_minutes=1440),
                             mem_store, progress=progress.append)
    assert sum(progress) == 2 * 5  # two symbols x 5 days
    assert report.generated_symbols == ["BANKNIFTY", "NIFTY"]
    strikes = mem_store.sql(
        "SELECT DISTINCT strike FROM option_bars WHERE symbol = 'BANKNIFTY'"
    ).column("strike").to_pylist()
    assert all(s % 100 == 0 for s in strikes)  # BANKNIFTY strike step 100
    vix = mem_store.sql("SELECT DISTINCT symbol FROM vix_bars").column("symbol").to_pylist()
    assert vix == ["INDIAVIX"]
    assert report.rows["option_bars"] == mem_store.table_counts()["option_bars"]


def test_bulk_load_appends_in_one_transaction(mem_store: DuckDBStore) -> None:
    batch = pa.table({"symbol": ["X"], "bar_minutes": pa.array([1], pa.int16()),
                      "ts": [dt.datetime(2025, 1, 1, 9, 16)], "open": [1.0], "high": [1.0],
                      "low": [1.0], "close": [1.0]})
    v0 = mem_store.data_version()
    with mem_store.bulk_load() as tx:
        tx.append("spot_bars", batch)
    assert tx.result.inserted == {"spot_bars": 1}
    assert mem_store.data_version() == v0 + 1
    with pytest.raises(RuntimeError), mem_store.bulk_load() as tx2:
        tx2.append("spot_bars", batch)
        raise RuntimeError("generator failed half way")
    assert mem_store.table_counts()["spot_bars"] == 1  # rolled back
    with pytest.raises(PosbtError, match="unknown table"), mem_store.bulk_load() as tx3:
        tx3.append("nope", batch)


def test_bulk_load_needs_the_write_handle(tmp_path: Path) -> None:
    DuckDBStore(tmp_path / "m.duckdb").close()
    ro = DuckDBStore(tmp_path / "m.duckdb", read_only=True)
    with pytest.raises(PosbtError, match="read-only"):
        ro.bulk_load()
    ro.close()


def test_bad_spec_is_refused_with_its_place() -> None:
    with pytest.raises(PosbtError, match=r"MarketSpec\.days"):
        _small(days=0)
    with pytest.raises(PosbtError, match=r"MarketSpec\.symbols"):
        market_spec([])


def test_demo_command_builds_then_says_it_is_there(home: Path) -> None:
    args = ["data", "demo", "--days", "2", "--interval", "15m", "--history-days", "3",
            "--start", "2025-01-01"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "generated NIFTY: 3 history + 2 window trading days" in first.output
    second = CliRunner().invoke(cli, args)
    assert second.exit_code == 0
    assert "already in the store" in second.output
    assert "nothing new" in second.output
    store = DuckDBStore(home / "market.duckdb", read_only=True)
    assert store.table_counts()["spot_bars"] == 5 + 50
    store.close()


def test_demo_command_bad_input_exits_1_without_traceback(home: Path) -> None:
    for args, place in ((["--interval", "3m"], "--interval"), (["--symbols", ","], "--symbols"),
                        (["--days", "0"], "MarketSpec.days"),
                        (["--symbols", "FOO", "--days", "1"], "unknown symbol 'FOO'")):
        result = CliRunner().invoke(cli, ["data", "demo", *args])
        assert result.exit_code == 1, result.output
        assert place in result.output
        assert "Traceback" not in result.output
    assert not (home / "market.duckdb").exists() or DuckDBStore(
        home / "market.duckdb", read_only=True).table_counts()["option_bars"] == 0


def test_option_bars_without_index_bars_are_refused(mem_store: DuckDBStore) -> None:
    # an interrupted run leaves option bars but no index bars: the generator will not mix
    with mem_store.load() as tx:
        tx.append("option_bars", pa.table({
            "symbol": ["NIFTY"], "expiry": [dt.date(2025, 1, 2)], "strike": [22000.0],
            "right": ["CE"], "bar_minutes": pa.array([15], pa.int16()),
            "ts": [dt.datetime(2025, 1, 1, 9, 30)], "open": [1.0], "high": [1.0],
            "low": [1.0], "close": [1.0]}))
    with pytest.raises(PosbtError, match="option bars but no index bars"):
        generate_market(_small(), mem_store)
