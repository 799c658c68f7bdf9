"""A folder of minute CSVs read one file ahead stores and reports what it does without."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from engine.cli.main import cli
from engine.data.duckdb_store import DuckDBStore
from engine.data.importers.inputs import expand_inputs, import_input
from engine.data.importers.minute import import_minute, minute_mapping
from engine.data.importers.readahead import ReadAhead, minute_importer
from engine.data.importers.report import ImportReport
from engine.data.tables import BAR_TABLES
from engine.errors import ImportRejectedError
from tests.unit.data.importers.conftest import add_lot_sizes

HEADER = "Ticker,Date,Time,Open,High,Low,Close,Volume,Open Interest"
STRIKES = (25500, 25550)
MINUTES = 375  # 09:15:59 .. 15:29:59, stamped at the close: 09:16 .. 15:30
PER_FILE = MINUTES * (len(STRIKES) * 2 + 1)  # 4 options and the index each minute: 1,875


def _day_file(folder: Path, day: int, *, bad_row: bool = False) -> Path:
    lines = [HEADER]
    for m in range(MINUTES):
        hh, mm = divmod(9 * 60 + 15 + m, 60)
        stamp = f"{hh:02d}:{mm:02d}:59"
        for k in STRIKES:
            for right in ("CE", "PE"):
                px = 100 + (m % 13) + day + (k - 25500) / 50
                lines.append(f"NIFTY31JUL25{k}{right}.NFO,{day:02d}/07/2025,{stamp},{px:.2f},"
                             f"{px + 2:.2f},{px - 1:.2f},{px + 1:.2f},{75 * (m + 1)},{9000 + m}")
        lines.append(f"NIFTY.NSE,{day:02d}/07/2025,{stamp},25500,25510,25490,25505,0,0")
    if bad_row:  # line 10 (25550 PE at 09:16:59): a negative volume, rejected
        fields = lines[9].split(",")
        lines[9] = ",".join([*fields[:7], "-75", fields[8]])
    path = folder / f"NIFTY_202507{day:02d}.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _folder(tmp_path: Path) -> tuple[Path, Path]:
    """Five day files; the 3rd has a rejected row, the 4th cannot be read (a ticker that
    is not UTF-8, found by the CSV reader: on the read-ahead thread)."""
    folder = tmp_path / "minute"
    folder.mkdir()
    for day in (1, 2, 3, 7, 8):
        _day_file(folder, day, bad_row=day == 3)
    broken = folder / "NIFTY_20250707.csv"
    data = broken.read_bytes()  # the last 25550 PE ticker: past the header's first read
    at = data.rindex(b"NIFTY31JUL2525550PE")
    broken.write_bytes(data[:at] + b"NIFTY31JUL2525550\xffE" + data[at + 19:])
    return folder, broken


def _import_folder(store: DuckDBStore, folder: Path, *, read_ahead: bool
                   ) -> tuple[list[ImportReport], list[tuple[str, str]]]:
    """The CLI's loop: each file in date order, a rejected file noted and passed over."""
    found = expand_inputs([folder])
    reports, failed = [], []
    with minute_importer([i.path for i in found.files], read_ahead=read_ahead) as one:
        for item in found.files:
            try:
                reports.append(import_input(item, lambda p: one(store, p)))
            except ImportRejectedError as exc:
                failed.append((item.label, exc.message))
    return reports, failed


def _rows(store: DuckDBStore) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    for table in (*BAR_TABLES, "expiries"):
        rows = store.sql(f"SELECT * FROM {table}").to_pylist()
        out[table] = sorted((tuple(r.values()) for r in rows), key=repr)
    return out


def test_folder_with_read_ahead_stores_and_reports_as_without(tmp_path: Path) -> None:
    folder, broken = _folder(tmp_path)
    results = {}
    for ahead in (False, True):
        store = DuckDBStore(":memory:")
        add_lot_sizes(store)
        reports, failed = _import_folder(store, folder, read_ahead=ahead)
        results[ahead] = (_rows(store), [(r.file, r.rows_read, r.inserted, r.ignored,
                                          [(j.line, j.reason) for j in r.rejected])
                                         for r in reports], failed)
        store.close()
    assert results[True] == results[False]
    rows, reports, failed = results[True]
    # 4 files stored: 4 x 1,875 rows, less the one rejected row of the 3 July file
    assert len(rows["option_bars"]) == 4 * 4 * MINUTES - 1 == 5_999
    assert len(rows["spot_bars"]) == 4 * MINUTES == 1_500
    assert [Path(r[0]).name for r in reports] == [
        "NIFTY_20250701.csv", "NIFTY_20250702.csv", "NIFTY_20250703.csv", "NIFTY_20250708.csv"]
    assert [r[1] for r in reports] == [PER_FILE] * 4 == [1_875] * 4
    assert reports[2][4] == [(10, "volume: count must be >= 0, got -75")]
    # the unreadable file is named and nothing of it is stored (no bar of 7 July)
    assert [name for name, _ in failed] == [str(broken)]
    assert "not a readable minute CSV" in failed[0][1] and "invalid UTF8" in failed[0][1]
    assert not [r for r in rows["option_bars"] + rows["spot_bars"]
                if "2025-07-07" in repr(r) or "(2025, 7, 7" in repr(r)]


def test_each_file_but_the_first_is_taken_from_the_read_ahead(tmp_path: Path) -> None:
    folder = tmp_path / "minute"
    folder.mkdir()
    paths = [_day_file(folder, day) for day in (1, 2, 3)]
    spec = minute_mapping(None)
    store = DuckDBStore(":memory:")
    add_lot_sizes(store)
    with ReadAhead(paths, spec) as ahead:
        reports = [import_minute(store, p, spec, ahead=ahead) for p in paths]
        # the first is read in its turn (with the second read beside it), the rest ahead
        assert ahead.taken == 2
    assert [r.rows_read for r in reports] == [1_875] * 3
    assert store.table_counts()["option_bars"] == 3 * 4 * MINUTES == 4_500
    store.close()


def test_a_file_out_of_turn_is_read_in_its_turn(tmp_path: Path) -> None:
    folder = tmp_path / "minute"
    folder.mkdir()
    a, b, c = (_day_file(folder, day) for day in (1, 2, 3))
    spec = minute_mapping(None)
    store = DuckDBStore(":memory:")
    add_lot_sizes(store)
    with ReadAhead([a, b, c], spec) as ahead:
        import_minute(store, a, spec, ahead=ahead)  # b read ahead ...
        import_minute(store, c, spec, ahead=ahead)  # ... but c asked for: read here
        assert ahead.taken == 0
    assert store.table_counts()["spot_bars"] == 2 * MINUTES
    store.close()


def test_cli_folder_summary_with_a_bad_file_in_the_middle(home: Path, tmp_path: Path) -> None:
    folder, broken = _folder(tmp_path)
    store = DuckDBStore(home / "market.duckdb")
    add_lot_sizes(store)
    store.close()
    result = CliRunner().invoke(cli, ["--home", str(home), "data", "import", "minute",
                                      str(folder), "--allow-rejected-rows"])
    assert "Traceback" not in result.output
    assert result.exit_code == 1  # a file rejected whole
    assert f"rejected: {broken}" in result.output.replace("\n", "")
    # 5 files, 4 imported; 4 x 1,875 = 7,500 rows read, 1 rejected
    assert ("summary: 5 file(s), 4 imported, 1 rejected whole, 0 skipped; 7,500 rows read"
            in result.output.replace("\n", " "))
    store = DuckDBStore(home / "market.duckdb", read_only=True)
    assert store.table_counts()["spot_bars"] == 4 * MINUTES
    store.close()
