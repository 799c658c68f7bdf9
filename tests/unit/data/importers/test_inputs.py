"""Archives and folders: every importer takes .zip files and folders, in date order."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

from click.testing import CliRunner

from engine.cli.main import cli
from engine.data.duckdb_store import DuckDBStore
from engine.data.importers.bhavcopy import import_bhavcopy
from engine.data.importers.inputs import date_in_name, expand_inputs, import_input
from tests.unit.data.importers.conftest import add_lot_sizes, fixture


def _zip(path: Path, members: dict[str, Path | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, src in members.items():
            zf.writestr(name, src if isinstance(src, bytes) else src.read_bytes())
    return path


def test_dates_come_from_the_exchanges_file_names() -> None:
    assert date_in_name("fo04JAN2024bhav.csv.zip") == dt.date(2024, 1, 4)
    assert date_in_name("BhavCopy_NSE_FO_0_0_0_20240814_F_0000.csv.zip") == dt.date(2024, 8, 14)
    assert date_in_name("ind_close_all_04012024.csv") == dt.date(2024, 1, 4)
    assert date_in_name("x.zip!sub/fo_bhav_old_20180709.csv") == dt.date(2018, 7, 9)
    assert date_in_name("nifty_close_daily.csv") is None


def _mixed_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "bhav"
    (folder / "2019" / "07").mkdir(parents=True)
    (folder / "2018").mkdir()
    _zip(folder / "2019" / "07" / "fo25JUL2019bhav.csv.zip",
         {"fo25JUL2019bhav.csv": fixture("fo25JUL2019bhav.csv")})
    shutil.copy(fixture("fo_bhav_old_20180709.csv"), folder / "2018" / "fo09JUL2018bhav.csv")
    shutil.copy(fixture("fo_bhav_udiff_20240708.csv"),
                folder / "BhavCopy_NSE_FO_0_0_0_20240708_F_0000.csv")
    (folder / "README.txt").write_text("downloaded from nseindia.com\n")
    (folder / ".DS_Store").write_bytes(b"\0\1")
    return folder


def test_a_folder_of_mixed_days_imports_in_date_order(store: DuckDBStore, tmp_path: Path) -> None:
    found = expand_inputs([_mixed_folder(tmp_path)])
    assert [f.day for f in found.files] == [dt.date(2018, 7, 9), dt.date(2019, 7, 25),
                                            dt.date(2024, 7, 8)]
    assert found.files[1].label.endswith("fo25JUL2019bhav.csv.zip!fo25JUL2019bhav.csv")
    assert found.problems == [] and [s[0].endswith("README.txt") for s in found.skipped] == [True]
    reports = [import_input(f, lambda p: import_bhavcopy(store, p)) for f in found.files]
    # 7 + 11 + 5 option bars (see the single-file tests for each)
    assert [r.inserted["option_bars"] for r in reports] == [7, 11, 5]
    assert store.table_counts()["option_bars"] == 23
    assert reports[1].file.endswith("!fo25JUL2019bhav.csv")


def test_rows_rejected_inside_an_archive_name_the_member(store: DuckDBStore, tmp_path: Path) -> None:
    archive = _zip(tmp_path / "fo09JUL2018bhav.csv.zip",
                   {"fo09JUL2018bhav.csv": fixture("fo_bhav_bad_rows.csv")})
    (item,) = expand_inputs([archive]).files
    report = import_input(item, lambda p: import_bhavcopy(store, p))
    assert len(report.rejected) == 6
    assert {r.file for r in report.rejected} == {f"{archive}!fo09JUL2018bhav.csv"}


def _cli(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--home", str(home), "data", "import", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_cli_summary_over_a_folder_and_a_second_run(home: Path, tmp_path: Path) -> None:
    s = DuckDBStore(home / "market.duckdb")
    add_lot_sizes(s)
    s.close()
    folder = _mixed_folder(tmp_path)
    code, out = _cli(home, "bhavcopy", str(folder))
    assert code == 0, out
    assert "skipped:" in out and "README.txt" in out
    assert "summary: 3 file(s), 3 imported, 0 rejected whole, 1 skipped; 32 rows read" in out  # 10 + 15 + 7
    code, out = _cli(home, "bhavcopy", str(folder))
    assert code == 0 and "0 inserted" in out and "skipped as already stored" in out


def test_bad_archives_are_named_and_change_nothing(home: Path, tmp_path: Path) -> None:
    good = _zip(tmp_path / "fo25JUL2019bhav.csv.zip",
                {"fo25JUL2019bhav.csv": fixture("fo25JUL2019bhav.csv")})
    truncated = tmp_path / "fo26JUL2019bhav.csv.zip"
    truncated.write_bytes(good.read_bytes()[:-40])
    not_csv = _zip(tmp_path / "fo29JUL2019bhav.zip", {"fo29JUL2019bhav.pdf": b"%PDF-1.4"})
    code, out = _cli(home, "bhavcopy", str(truncated), str(not_csv))
    assert code == 1
    assert f"rejected: {truncated}: not a readable zip archive" in out
    assert f"rejected: {not_csv}!fo29JUL2019bhav.pdf: archive member is not a .csv file" in out
    assert "summary: 2 file(s), 0 imported, 2 rejected whole" in out
    assert not (home / "market.duckdb").exists()  # nothing was even opened


def test_a_corrupt_member_rejects_that_member_only(home: Path, tmp_path: Path) -> None:
    good = _zip(tmp_path / "good.zip", {"fo25JUL2019bhav.csv": fixture("fo25JUL2019bhav.csv")})
    data = bytearray(good.read_bytes())
    data[60:80] = b"\xff" * 20  # inside the deflated stream: CRC / inflate fails
    bad = tmp_path / "fo30JUL2019bhav.csv.zip"
    bad.write_bytes(bytes(data))
    code, out = _cli(home, "bhavcopy", str(bad), str(fixture("fo_bhav_udiff_20240708.csv")))
    assert code == 1 and "fo30JUL2019bhav.csv.zip" in out and "option_bars +5" in out
    store = DuckDBStore(home / "market.duckdb", read_only=True)
    assert store.table_counts()["option_bars"] == 5
    store.close()


def test_a_corrected_bhavcopy_is_reported_and_replace_takes_it(home: Path, tmp_path: Path) -> None:
    s = DuckDBStore(home / "market.duckdb")
    add_lot_sizes(s)
    s.close()
    original = fixture("fo25JUL2019bhav.csv")
    corrected = tmp_path / "fo25JUL2019bhav.csv"
    # the exchange re-published the day with the 29 Aug 11300 CE closing at 141.05
    corrected.write_text(original.read_text().replace("128,140.35,140.35", "128,141.05,141.05"))
    assert _cli(home, "bhavcopy", str(original))[0] == 0
    code, out = _cli(home, "bhavcopy", str(corrected))
    assert code == 0
    assert "1 option_bars row(s) of this file are already stored with other values (line 10: " \
           "close differs)" in out
    assert "1 stored rows differ from the files (kept; --replace" in out
    code, out = _cli(home, "bhavcopy", str(corrected), "--replace")
    assert code == 0 and "stored rows replaced" in out
    store = DuckDBStore(home / "market.duckdb", read_only=True)
    rows = store.sql("SELECT close, settle FROM option_bars WHERE strike = 11300 AND "
                     "\"right\" = 'CE' AND expiry = DATE '2019-08-29'").to_pylist()
    assert rows == [{"close": 141.05, "settle": 141.05}]
    assert store.table_counts()["option_bars"] == 11  # replaced, not added
    store.close()
