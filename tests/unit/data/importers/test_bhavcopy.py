"""NSE F&O bhavcopy: both layouts to hand-checked rows, idempotence, bad input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.data.duckdb_store import DuckDBStore
from engine.data.importers.bhavcopy import import_bhavcopy
from engine.errors import ImportRejectedError
from tests.unit.data.importers.conftest import fixture, snapshot

TS_2018 = dt.datetime(2018, 7, 9, 15, 30)


def _options(store: DuckDBStore) -> dict[tuple[str, dt.date, float, str], dict[str, object]]:
    rows = store.sql('SELECT * FROM option_bars').to_pylist()
    return {(r["symbol"], r["expiry"], r["strike"], r["right"]): r for r in rows}


def test_old_layout_parses_to_hand_values(store: DuckDBStore) -> None:
    report = import_bhavcopy(store, fixture("fo_bhav_old_20180709.csv"))
    assert report.kind == "bhavcopy (pre-2024 layout)"
    # 10 data rows: 6 traded index options + 1 untraded (a no-trade bar) + 1 index future
    # loaded; 1 OPTSTK and 1 FUTSTK ignored; the trailing comma is not an extra column
    assert report.rows_read == 10 and report.rejected == []
    assert report.inserted["option_bars"] == 7 and report.inserted["futures_bars"] == 1
    assert report.ignored == {"OPTSTK (not an index contract)": 1,
                              "FUTSTK (not an index contract)": 1}
    untraded = _options(store)[("NIFTY", dt.date(2018, 7, 26), 12000.0, "CE")]
    # 0,0,0,0 prices, CONTRACTS 0, SETTLE_PR 0.85, OPEN_INT 75000: no prices, settle and OI kept
    assert (untraded["open"], untraded["high"], untraded["low"], untraded["close"]) == (
        None, None, None, None)
    assert (untraded["settle"], untraded["volume"], untraded["oi"]) == (0.85, 0, 75_000)
    row = _options(store)[("NIFTY", dt.date(2018, 7, 26), 10800.0, "CE")]
    assert row["ts"] == TS_2018 and row["bar_minutes"] == 1440
    assert (row["open"], row["high"], row["low"], row["close"]) == (120.5, 140.0, 110.25, 131.6)
    assert row["settle"] == 131.6
    # CONTRACTS 500 x NIFTY lot 75 = 37,500 units; OPEN_INT is already units
    assert row["volume"] == 37_500 and row["oi"] == 300_000
    bn = _options(store)[("BANKNIFTY", dt.date(2018, 7, 12), 27000.0, "CE")]
    assert bn["volume"] == 1000 * 40  # BANKNIFTY lot 40 in 2018
    fut = store.sql("SELECT * FROM futures_bars").to_pylist()[0]
    assert (fut["symbol"], fut["expiry"], fut["close"], fut["settle"]) == (
        "NIFTY", dt.date(2018, 7, 26), 10880.35, 10880.35)
    assert fut["volume"] == 1200 * 75 and fut["oi"] == 2_100_000


def test_expiry_kinds_last_of_month_is_monthly(store: DuckDBStore) -> None:
    import_bhavcopy(store, fixture("fo_bhav_old_20180709.csv"))
    rows = store.sql("SELECT symbol, expiry, kind, source FROM expiries ORDER BY 1, 2").to_pylist()
    kinds = {(r["symbol"], r["expiry"]): r["kind"] for r in rows}
    # BANKNIFTY July 2018: 12th and 19th weekly, 26th (last of the month) monthly
    assert kinds == {
        ("BANKNIFTY", dt.date(2018, 7, 12)): "WEEKLY",
        ("BANKNIFTY", dt.date(2018, 7, 19)): "WEEKLY",
        ("BANKNIFTY", dt.date(2018, 7, 26)): "MONTHLY",
        ("NIFTY", dt.date(2018, 7, 26)): "MONTHLY",
        ("NIFTY", dt.date(2018, 8, 30)): "MONTHLY",
    }
    assert {r["source"] for r in rows} == {"DATA"}


def test_udiff_layout_and_spot_from_underlying(store: DuckDBStore) -> None:
    report = import_bhavcopy(store, fixture("fo_bhav_udiff_20240708.csv"))
    assert report.kind == "bhavcopy (UDiFF)" and report.rejected == []
    # 5 option rows: 4 traded + the untraded 27000 CE (a no-trade bar)
    assert report.inserted == {"option_bars": 5, "futures_bars": 1, "expiries": 3,
                               "spot_bars": 2}
    row = _options(store)[("NIFTY", dt.date(2024, 7, 11), 24400.0, "CE")]
    assert (row["open"], row["high"], row["low"], row["close"]) == (95.5, 120.3, 70.05, 88.4)
    # TtlTradgVol is units already (9,875,000 = 395,000 lots of 25); OpnIntrst units
    assert row["volume"] == 9_875_000 and row["oi"] == 5_400_000
    assert row["underlying"] == 24320.55 and row["ts"] == dt.datetime(2024, 7, 8, 15, 30)
    spot = {r["symbol"]: r for r in store.sql("SELECT * FROM spot_bars").to_pylist()}
    assert spot["NIFTY"]["close"] == spot["NIFTY"]["open"] == 24320.55
    assert spot["NIFTY"]["bar_minutes"] == 1440 and spot["BANKNIFTY"]["close"] == 52410.8
    assert any("UndrlygPric" in n for n in report.notes)


def test_udiff_does_not_replace_an_existing_spot_row(store: DuckDBStore) -> None:
    import pyarrow as pa

    with store.load() as tx:
        tx.append("spot_bars", pa.table({
            "symbol": ["NIFTY"], "bar_minutes": pa.array([1440], pa.int16()),
            "ts": [dt.datetime(2024, 7, 8, 15, 30)], "open": [24300.0], "high": [24350.0],
            "low": [24280.0], "close": [24325.0]}))
    report = import_bhavcopy(store, fixture("fo_bhav_udiff_20240708.csv"))
    assert report.inserted["spot_bars"] == 1  # BANKNIFTY only; NIFTY had a real row
    nifty = store.sql("SELECT close FROM spot_bars WHERE symbol = 'NIFTY'").to_pylist()
    assert nifty == [{"close": 24325.0}]


def test_second_import_inserts_nothing(store: DuckDBStore) -> None:
    first = import_bhavcopy(store, fixture("fo_bhav_old_20180709.csv"))
    version = store.data_version()
    again = import_bhavcopy(store, fixture("fo_bhav_old_20180709.csv"))
    # 7 option bars + 1 future + 5 expiries + 1 derived spot bar (NIFTY, from its future;
    # BANKNIFTY has neither a future nor a call and a put at one strike: no estimate)
    assert first.total_inserted == 14 and again.total_inserted == 0
    assert again.skipped["option_bars"] == 7 and store.data_version() == version


def test_lot_size_falls_back_to_the_contract_master(tmp_path: Path) -> None:
    bare = DuckDBStore(":memory:")  # no instruments rows
    report = import_bhavcopy(bare, fixture("fo_bhav_old_20180709.csv"))
    vols = {(r["symbol"], r["strike"], r["right"], r["expiry"]): r["volume"]
            for r in bare.sql("SELECT * FROM option_bars").to_pylist()}
    # shipped master: NIFTY lot 75 and BANKNIFTY lot 40 in July 2018
    assert vols[("NIFTY", 10800.0, "CE", dt.date(2018, 7, 26))] == 500 * 75
    assert vols[("BANKNIFTY", 27000.0, "CE", dt.date(2018, 7, 12))] == 1000 * 40
    assert not any("contract master" in n for n in report.notes)
    odd = tmp_path / "odd.csv"
    lines = fixture("fo_bhav_old_20180709.csv").read_text().splitlines()
    odd.write_text(lines[0] + "\n" + lines[2].replace("NIFTY", "ACMEIDX") + "\n")
    report = import_bhavcopy(bare, odd)
    assert bare.sql("SELECT volume FROM option_bars WHERE symbol = 'ACMEIDX'").to_pylist() == [
        {"volume": None}]
    assert any("ACMEIDX (first at line 2) is not in the contract master" in n
               and "volume is left empty" in n for n in report.notes)
    bare.close()


def test_bad_rows_are_rejected_and_the_rest_loads(store: DuckDBStore) -> None:
    report = import_bhavcopy(store, fixture("fo_bhav_bad_rows.csv"))
    reasons = {r.line: r.reason for r in report.rejected}
    assert "malformed date '26-Jux-2018'" in reasons[5]
    assert "OPEN: price must be > 0, got -90" in reasons[6]
    assert "not a finite number" in reasons[7]
    assert "duplicate row: same option_bars key as line 3" in reasons[8]
    assert "OPEN: price must be > 0 on a traded row, got 0" in reasons[9]
    assert "expected 15 fields, got 14" in reasons[10]
    assert len(report.rejected) == 6
    assert report.inserted["option_bars"] == 2 and report.inserted["futures_bars"] == 1
    assert all(r.file.endswith("fo_bhav_bad_rows.csv") for r in report.rejected)


@pytest.mark.parametrize(("name", "message"), [
    ("empty.csv", "empty file"),
    ("fo_bhav_unknown_header.csv", "unknown header"),
    ("fo_bhav_missing_column.csv", "missing column(s) OPEN_INT"),
    ("fo_bhav_truncated.csv", "truncated file"),
])
def test_fatal_problems_reject_the_whole_file(store: DuckDBStore, name: str,
                                              message: str) -> None:
    import_bhavcopy(store, fixture("fo_bhav_udiff_20240708.csv"))
    before = snapshot(store)
    version = store.data_version()
    with pytest.raises(ImportRejectedError) as err:
        import_bhavcopy(store, fixture(name))
    assert message in str(err.value) and name in str(err.value)
    assert snapshot(store) == before and store.data_version() == version


def test_truncated_names_the_last_line(store: DuckDBStore) -> None:
    with pytest.raises(ImportRejectedError, match=r"fo_bhav_truncated.csv:5"):
        import_bhavcopy(store, fixture("fo_bhav_truncated.csv"))
    assert store.table_counts()["option_bars"] == 0


def test_missing_file_is_rejected(store: DuckDBStore) -> None:
    with pytest.raises(ImportRejectedError, match="no such file"):
        import_bhavcopy(store, fixture("nope.csv"))
