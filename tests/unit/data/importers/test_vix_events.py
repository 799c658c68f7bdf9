"""India VIX history (BOM, padded header) and the events calendar."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.data.duckdb_store import DuckDBStore
from engine.data.importers.events import import_events
from engine.data.importers.vix import import_vix
from engine.errors import ImportRejectedError
from tests.unit.data.importers.conftest import fixture


def test_vix_history_hand_values(store: DuckDBStore) -> None:
    report = import_vix(store, fixture("india_vix_history.csv"))
    assert report.rows_read == 3 and report.rejected == []
    rows = store.sql("SELECT * FROM vix_bars ORDER BY ts").to_pylist()
    assert [r["ts"] for r in rows] == [dt.datetime(2025, 6, d, 15, 30) for d in (6, 9, 10)]
    r = rows[1]  # 09-JUN-2025,14.72,15.05,14.31,14.68
    assert (r["symbol"], r["bar_minutes"]) == ("INDIAVIX", 1440)
    assert (r["open"], r["high"], r["low"], r["close"]) == (14.72, 15.05, 14.31, 14.68)
    assert import_vix(store, fixture("india_vix_history.csv")).total_inserted == 0


def test_vix_bad_rows(store: DuckDBStore) -> None:
    report = import_vix(store, fixture("india_vix_bad_rows.csv"))
    reasons = {r.line: r.reason for r in report.rejected}
    assert "malformed date '31-JUN-2025'" in reasons[3]
    assert "Low: price must be > 0, got -13.95" in reasons[4]
    assert "Open: NaN is not a finite number" in reasons[5]
    assert "duplicate row: same vix_bars key as line 2" in reasons[6]
    assert "high 14 is below low 14.2" in reasons[7]
    assert report.inserted["vix_bars"] == 1


def test_vix_wrong_header_is_fatal(store: DuckDBStore) -> None:
    with pytest.raises(ImportRejectedError, match="India VIX history header"):
        import_vix(store, fixture("events.csv"))


def test_events(store: DuckDBStore) -> None:
    report = import_events(store, fixture("events.csv"))
    assert [(r.line, r.reason) for r in report.rejected] == [
        (5, "date: malformed date '2025-13-01' (expected %Y-%m-%d or %d-%b-%Y or %d/%m/%Y)")]
    rows = {r["name"]: r for r in store.sql("SELECT * FROM events").to_pylist()}
    assert rows["Union Budget"]["symbol"] == "*" and rows["Union Budget"]["blackout_adjustment"]
    # empty blackout_adjustment -> schema default false; "yes" -> true
    assert rows["RBI policy"]["blackout_entry"] and not rows["RBI policy"]["blackout_adjustment"]
    assert rows["Election results"]["date"] == dt.date(2024, 6, 5)
