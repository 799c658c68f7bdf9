"""Vendor minute CSVs: GDFL layout, close stamps, routing by ticker, mappings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from engine.data.duckdb_store import DuckDBStore
from engine.data.importers.fields import close_stamp
from engine.data.importers.minute import import_minute
from engine.errors import ImportRejectedError
from tests.unit.data.importers.conftest import fixture, snapshot

D = dt.date(2025, 7, 1)


def test_close_stamp_rules() -> None:
    t = dt.datetime(2025, 7, 1, 10, 58, 59)
    assert close_stamp(t, "end_second") == dt.datetime(2025, 7, 1, 10, 59)
    assert close_stamp(dt.datetime(2025, 7, 1, 10, 59), "end_second") == dt.datetime(
        2025, 7, 1, 10, 59)
    assert close_stamp(dt.datetime(2025, 7, 1, 10, 58), "start") == dt.datetime(
        2025, 7, 1, 10, 59)
    assert close_stamp(t, "close") == t


def test_gdfl_file_routes_rows_and_normalises_stamps(store: DuckDBStore) -> None:
    report = import_minute(store, fixture("gdfl_minute_20250701.csv"))
    assert report.rejected == []
    assert report.ignored == {"bar outside the 09:15-15:30 session": 1}  # 09:08:59 pre-open
    assert report.inserted == {"spot_bars": 2, "vix_bars": 1, "option_bars": 4,
                               "futures_bars": 1, "expiries": 2}
    spot = store.sql("SELECT ts, close FROM spot_bars ORDER BY ts").to_pylist()
    # 09:15:59 -> 09:16:00 close stamp, 09:16:59 -> 09:17:00
    assert spot == [{"ts": dt.datetime(2025, 7, 1, 9, 16), "close": 25558.2},
                    {"ts": dt.datetime(2025, 7, 1, 9, 17), "close": 25566.8}]
    pe = store.sql("SELECT * FROM option_bars WHERE \"right\" = 'PE'").to_pylist()[0]
    assert pe["ts"] == dt.datetime(2025, 7, 1, 10, 59) and pe["expiry"] == dt.date(2025, 7, 3)
    assert (pe["strike"], pe["close"], pe["volume"], pe["oi"], pe["bar_minutes"]) == (
        25500.0, 65.45, 15000, 1_800_000, 1)
    # NIFTY-I on 1 Jul 2025: the near monthly is the last July expiry the file shows (31 Jul)
    fut = store.sql("SELECT expiry, close FROM futures_bars").to_pylist()
    assert fut == [{"expiry": dt.date(2025, 7, 31), "close": 25648.9}]
    vix = store.sql("SELECT symbol, close FROM vix_bars").to_pylist()
    assert vix == [{"symbol": "INDIAVIX", "close": 12.55}]
    kinds = store.sql("SELECT expiry, kind FROM expiries ORDER BY expiry").to_pylist()
    assert [k["kind"] for k in kinds] == ["WEEKLY", "MONTHLY"]
    assert import_minute(store, fixture("gdfl_minute_20250701.csv")).total_inserted == 0


def test_gdfl_bad_rows(store: DuckDBStore) -> None:
    report = import_minute(store, fixture("gdfl_minute_bad_rows.csv"))
    reasons = {r.line: r.reason for r in report.rejected}
    assert "malformed date '32/07/2025'" in reasons[3]
    assert "open: price must be > 0, got -64.2" in reasons[4]
    assert "not a finite number" in reasons[5]
    assert "duplicate row: same option_bars key as line 2" in reasons[6]
    assert "unrecognised ticker 'FOO BAR BAZ'" in reasons[7]
    assert "high 63 is below low 63.1" in reasons[8]
    assert "expected 9 fields, got 7" in reasons[9]
    assert report.inserted["option_bars"] == 1


def test_truncated_minute_file_changes_nothing(store: DuckDBStore) -> None:
    before = snapshot(store)
    with pytest.raises(ImportRejectedError, match=r"gdfl_minute_truncated.csv:10.*truncated"):
        import_minute(store, fixture("gdfl_minute_truncated.csv"))
    assert snapshot(store) == before


def test_vendor_mapping_resolves_monthly_ticker_from_the_file(store: DuckDBStore) -> None:
    report = import_minute(store, fixture("vendor_minute.csv"), fixture("vendor_minute.yaml"))
    assert report.rejected == []
    rows = store.sql("SELECT expiry, strike, \"right\", ts FROM option_bars "
                     "ORDER BY ts, \"right\"").to_pylist()
    # NIFTY24JAN21500CE has no day: the file shows 2024-01-25 (weekly form NIFTY24125...),
    # the last January expiry, so the monthly is 25 Jan; stamps are already close stamps
    assert rows[0] == {"expiry": dt.date(2024, 1, 25), "strike": 21500.0, "right": "CE",
                       "ts": dt.datetime(2024, 1, 2, 9, 16)}
    assert rows[2]["expiry"] == dt.date(2024, 1, 4)


def test_monthly_ticker_from_stored_expiries(store: DuckDBStore) -> None:
    with store.load() as tx:
        tx.append("expiries", pa.table({"symbol": ["NIFTY"], "expiry": [dt.date(2024, 1, 25)],
                                        "kind": ["MONTHLY"], "source": ["DATA"]}))
    path = fixture("vendor_minute.csv")
    report = import_minute(store, path, fixture("vendor_minute.yaml"))
    assert report.inserted["option_bars"] == 3


def test_unresolvable_monthly_is_rejected(store: DuckDBStore, tmp_path: Path) -> None:
    p = tmp_path / "m.csv"
    p.write_text("symbol;timestamp;o;h;l;c;vol;oi\n"
                 "ACME24FEB100CE;2024-01-02 09:16:00;10.5;11;9;10.4;2500;250000\n")
    report = import_minute(store, p, fixture("vendor_minute.yaml"))
    assert "cannot resolve the expiry of ACME monthly 2024-02" in report.rejected[0].reason


def test_monthly_and_continuous_from_contract_rules(store: DuckDBStore, tmp_path: Path) -> None:
    p = tmp_path / "m.csv"
    p.write_text("symbol;timestamp;o;h;l;c;vol;oi\n"
                 "NIFTY24FEB21500CE;2024-01-02 09:16:00;310.5;315;309;312.4;2500;250000\n"
                 "NIFTY-II;2024-01-02 09:16:00;21900;21910;21890;21905;750;100000\n")
    report = import_minute(store, p, fixture("vendor_minute.yaml"))
    assert report.rejected == []
    # no data anywhere: the rules give the last Thursday, 29 Feb 2024; NIFTY-II on 2 Jan
    # 2024 is the next-month series: monthlies 25 Jan, 29 Feb -> 29 Feb
    assert store.sql("SELECT expiry FROM option_bars").to_pylist() == [
        {"expiry": dt.date(2024, 2, 29)}]
    assert store.sql("SELECT expiry FROM futures_bars").to_pylist() == [
        {"expiry": dt.date(2024, 2, 29)}]


def test_table_mapping_is_refused_by_minute(store: DuckDBStore) -> None:
    with pytest.raises(ImportRejectedError, match="mapping key target"):
        import_minute(store, fixture("spot_5m.csv"), fixture("spot_5m.yaml"))
