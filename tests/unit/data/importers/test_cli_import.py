"""``posbt data import ...``: summaries, exit codes, messages, no tracebacks."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner

from engine.cli.main import cli
from engine.data.duckdb_store import DuckDBStore
from tests.unit.data.importers.conftest import add_lot_sizes, fixture


def _run(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--home", str(home), "data", "import", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_bhavcopy_both_layouts_then_idempotent(home: Path) -> None:
    store = DuckDBStore(home / "market.duckdb")
    add_lot_sizes(store)
    store.close()
    files = [str(fixture("fo_bhav_old_20180709.csv")), str(fixture("fo_bhav_udiff_20240708.csv"))]
    code, out = _run(home, "bhavcopy", *files)
    assert code == 0, out
    assert "option_bars +7" in out and "option_bars +5" in out
    code, out = _run(home, "bhavcopy", *files)
    assert code == 0 and "inserted nothing" not in out and "+0" in out
    assert "14 already stored" in out


def test_rejected_file_exits_1_and_others_still_load(home: Path) -> None:
    code, out = _run(home, "bhavcopy", str(fixture("fo_bhav_truncated.csv")),
                     str(fixture("fo_bhav_udiff_20240708.csv")))
    assert code == 1
    assert "rejected:" in out and "truncated file" in out and "fo_bhav_truncated.csv:5" in out
    assert "option_bars +5" in out
    store = DuckDBStore(home / "market.duckdb", read_only=True)
    assert store.table_counts()["option_bars"] == 5  # only the good file's rows
    store.close()


def test_rejected_rows_exit_1_unless_allowed_and_report_csv(home: Path, tmp_path: Path) -> None:
    report = tmp_path / "rej.csv"
    code, out = _run(home, "vix", str(fixture("india_vix_bad_rows.csv")), "--report", str(report))
    assert code == 1 and "5 row(s) rejected" in out
    assert "india_vix_bad_rows.csv:3: Date: malformed date" in out
    with open(report, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 5 and rows[0]["line"] == "3"
    code, _ = _run(home, "vix", str(fixture("india_vix_bad_rows.csv")), "--allow-rejected-rows")
    assert code == 0


def test_minute_table_events_commands(home: Path) -> None:
    assert _run(home, "minute", str(fixture("gdfl_minute_20250701.csv")))[0] == 0
    code, out = _run(home, "minute", str(fixture("vendor_minute.csv")),
                     "--mapping", str(fixture("vendor_minute.yaml")))
    assert code == 0 and "option_bars +3" in out
    code, out = _run(home, "table", str(fixture("spot_5m.csv")),
                     "--mapping", str(fixture("spot_5m.yaml")))
    assert code == 0 and "spot_bars +3" in out
    code, out = _run(home, "events", str(fixture("events.csv")), "--allow-rejected-rows")
    assert code == 0 and "events +3" in out


def test_wrong_mapping_exits_1_naming_the_key(home: Path, tmp_path: Path) -> None:
    report = tmp_path / "r.csv"
    code, out = _run(home, "table", str(fixture("spot_5m.csv")), "--mapping",
                     str(fixture("bad_mapping_missing_column.yaml")), "--report", str(report))
    assert code == 1 and "mapping key columns.close" in out
    assert "file rejected" in report.read_text()


def test_locked_or_usage_errors() -> None:
    result = CliRunner().invoke(cli, ["data", "import", "table", "x.csv"])
    assert result.exit_code == 2 and "--mapping" in result.output
    result = CliRunner().invoke(cli, ["data", "import", "--help"])
    assert result.exit_code == 0 and "bhavcopy" in result.output
