"""``posbt levels`` and ``posbt data import levels`` through click's runner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from engine.cli.main import cli
from engine.data.duckdb_store import DuckDBStore
from engine.home import market_db_path
from tests.unit.structure._series import bars_from_closes, bounce
from tests.unit.structure.test_levels import _fill


def _store(home: Path) -> None:
    store = DuckDBStore(market_db_path(home))
    _fill(store, bars_from_closes(bounce(10), wick=0.5))
    store.close()


def test_levels_json_and_table(home: Path) -> None:
    _store(home)
    runner = CliRunner()
    res = runner.invoke(cli, ["levels", "nifty", "--at", "2024-03-15 11:00", "--method", "pivot",
                              "--min-strength", "0", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["symbol"] == "NIFTY" and data["on"] == "2024-03-15"
    assert data["reference_pts"] == 106.0  # the 2024-03-14 close
    assert data["levels"] and all(0 <= lv["strength"] <= 1 for lv in data["levels"])
    assert data["regime"]["regime"] in {"RANGE", "CHOPPY", "TREND_UP", "TREND_DOWN"}
    table = runner.invoke(cli, ["levels", "NIFTY", "--at", "2024-03-15", "--method", "COMPOSITE",
                                "--secondary", "ml", "--min-strength", "0"])
    assert table.exit_code == 0, table.output
    assert "NIFTY levels for 2024-03-15 (COMPOSITE)" in table.output
    assert "regime:" in table.output and "note: VOLUME" in table.output


def test_levels_errors_are_one_line(home: Path) -> None:
    _store(home)
    res = CliRunner().invoke(cli, ["levels", "BANKNIFTY", "--at", "2024-03-15"])
    assert res.exit_code == 1
    assert "error: spot_bars: BANKNIFTY: 0 daily bar(s)" in res.output
    assert "Traceback" not in res.output


def test_import_levels_command(home: Path, tmp_path: Path) -> None:
    _store(home)
    csv = tmp_path / "lv.csv"
    csv.write_text("symbol,as_of,level,kind,strength\nNIFTY,2024-03-01,101,SUPPORT,0.9\n")
    runner = CliRunner()
    res = runner.invoke(cli, ["data", "import", "levels", str(csv)])
    assert res.exit_code == 0, res.output
    out = runner.invoke(cli, ["levels", "NIFTY", "--at", "2024-03-15", "--method", "external",
                              "--json"])
    assert [lv["level"] for lv in json.loads(out.output)["levels"]] == [101.0]
