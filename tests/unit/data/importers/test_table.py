"""Generic table import: CSV and Parquet with a YAML mapping; mapping errors name the key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from engine.data.duckdb_store import DuckDBStore
from engine.data.importers.mapping import mapping_from_dict
from engine.data.importers.table import import_table
from engine.errors import ImportRejectedError
from tests.unit.data.importers.conftest import fixture, snapshot


def test_csv_with_date_time_and_constants(store: DuckDBStore) -> None:
    report = import_table(store, fixture("spot_5m.csv"), fixture("spot_5m.yaml"))
    assert report.rejected == [] and report.inserted == {"spot_bars": 3}
    rows = store.sql("SELECT * FROM spot_bars ORDER BY ts").to_pylist()
    # 02-01-2024 is day-first: 2 Jan 2024; 09:20 is already the close stamp
    assert rows[0]["ts"] == dt.datetime(2024, 1, 2, 9, 20)
    assert (rows[0]["symbol"], rows[0]["bar_minutes"], rows[0]["close"]) == ("NIFTY", 5, 21705.8)
    assert import_table(store, fixture("spot_5m.csv"), fixture("spot_5m.yaml")
                        ).total_inserted == 0


def test_parquet_option_bars_with_ticker_and_multiplier(store: DuckDBStore,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "opts.parquet"
    pq.write_table(pa.table({
        "Tkr": ["NIFTY2410421500CE", "NIFTY2410421500PE", "NIFTY2410421500PE"],
        "When": [dt.datetime(2024, 1, 2, 9, 16), dt.datetime(2024, 1, 2, 9, 16),
                 dt.datetime(2024, 1, 2, 9, 17)],
        "O": [120.0, 80.0, 81.0], "H": [121.0, 82.0, 83.0], "L": [119.0, 79.5, -1.0],
        "C": [120.5, 81.0, 82.0], "Lots": [10, 4, 2], "Bid": [120.4, 81.5, 81.9],
        "Ask": [120.6, 81.0, 82.1]}), path)
    mapping = mapping_from_dict({
        "target": "option_bars",
        "columns": {"ticker": "Tkr", "ts": "When", "open": "O", "high": "H", "low": "L",
                    "close": "C", "volume": "Lots", "bid": "Bid", "ask": "Ask"},
        "constants": {"bar_minutes": 1}, "multipliers": {"volume": 75}}, "test")
    report = import_table(store, path, mapping)
    reasons = {r.line: r.reason for r in report.rejected}
    assert reasons == {2: "crossed quote: bid 81.5 > ask 81",
                       3: "low: price must be > 0, got -1"}
    row = store.sql("SELECT * FROM option_bars").to_pylist()[0]
    # ticker NIFTY 24 1 04 21500 CE -> 2024-01-04; 10 lots x 75 = 750 units
    assert (row["expiry"], row["strike"], row["right"], row["volume"]) == (
        dt.date(2024, 1, 4), 21500.0, "CE", 750)
    assert store.sql("SELECT kind FROM expiries").to_pylist() == [{"kind": "MONTHLY"}]


@pytest.mark.parametrize(("name", "message"), [
    ("bad_mapping_unknown_key.yaml", "mapping key colums: unknown key"),
    ("bad_mapping_missing_column.yaml",
     "mapping key columns.close: column 'Cls' is not in the file header"),
    ("bad_mapping_not_a_column.yaml", "mapping key columns.strike: 'strike' is not a column"),
    ("bad_mapping_unknown_table.yaml", "mapping key target: unknown table 'spot_bar'"),
    ("spot_5m.csv", "a mapping file must be a YAML mapping"),
    ("nope.yaml", "no such mapping file"),
])
def test_wrong_mapping_names_the_key(store: DuckDBStore, name: str, message: str) -> None:
    before = snapshot(store)
    with pytest.raises(ImportRejectedError) as err:
        import_table(store, fixture("spot_5m.csv"), fixture(name))
    assert message in str(err.value)
    assert snapshot(store) == before


def test_mapping_missing_required_column(store: DuckDBStore) -> None:
    mapping = mapping_from_dict({"target": "spot_bars", "columns": {"open": "O"}}, "m.yaml")
    with pytest.raises(ImportRejectedError, match="spot_bars needs symbol, bar_minutes, ts"):
        import_table(store, fixture("spot_5m.csv"), mapping)


def test_invalid_yaml(store: DuckDBStore, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("target: [unclosed\n")
    with pytest.raises(ImportRejectedError, match="not valid YAML"):
        import_table(store, fixture("spot_5m.csv"), bad)


def test_minute_target_goes_to_the_minute_importer(store: DuckDBStore) -> None:
    report = import_table(store, fixture("vendor_minute.csv"), fixture("vendor_minute.yaml"))
    assert report.inserted["option_bars"] == 3


def test_bad_parquet_is_rejected(store: DuckDBStore, tmp_path: Path) -> None:
    bad = tmp_path / "x.parquet"
    bad.write_bytes(b"not parquet")
    with pytest.raises(ImportRejectedError, match="not a readable Parquet file"):
        import_table(store, bad, fixture("spot_5m.yaml"))


def test_daily_bars_from_a_mapped_table_are_stamped_at_the_close(tmp_path: Path) -> None:
    # the trap the issue names: a daily spot file stamped at 00:00 never met 15:30 options
    data = tmp_path / "nifty_daily.csv"
    data.write_text("Timestamp,Close\n2024-01-02 00:00:00,21665.8\n2024-01-03 00:00:00,21517.35\n")
    mapping = tmp_path / "daily.yaml"
    mapping.write_text("target: spot_bars\ncolumns: {ts: Timestamp, open: Close, high: Close, "
                       "low: Close, close: Close}\nconstants: {symbol: NIFTY, bar_minutes: 1440}\n")
    store = DuckDBStore(":memory:")
    report = import_table(store, data, mapping)
    stamps = [r["ts"] for r in store.sql("SELECT ts FROM spot_bars ORDER BY ts").to_pylist()]
    assert stamps == [dt.datetime(2024, 1, 2, 15, 30), dt.datetime(2024, 1, 3, 15, 30)]
    assert any("15:30 session close" in n for n in report.notes)
    store.close()


def test_mapped_option_rows_with_strike_0_or_past_expiry_are_rejected(tmp_path: Path) -> None:
    data = tmp_path / "opts.csv"
    data.write_text("ts,exp,k,r,c\n2025-07-01 10:00:00,2025-07-03,0,CE,10\n"
                    "2025-07-04 10:00:00,2025-07-03,25500,CE,10\n"
                    "2025-07-01 10:00:00,2025-07-03,25500,CE,10\n")
    mapping = tmp_path / "opts.yaml"
    mapping.write_text("target: option_bars\ncolumns: {ts: ts, expiry: exp, strike: k, "
                       "right: r, open: c, high: c, low: c, close: c}\n"
                       "constants: {symbol: NIFTY, bar_minutes: 1}\n")
    store = DuckDBStore(":memory:")
    report = import_table(store, data, mapping)
    reasons = {r.line: r.reason for r in report.rejected}
    assert reasons == {2: "strike must be > 0, got 0",
                       3: "expiry 2025-07-03 is before the bar's day 2025-07-04"}
    assert report.inserted["option_bars"] == 1
    store.close()
