"""``posbt data info`` on an empty and on a loaded store; missing store is a clear error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
from click.testing import CliRunner

from engine.cli.main import cli
from engine.data.duckdb_store import DuckDBStore


def test_info_without_store_exits_1_with_hint(home: Path) -> None:
    result = CliRunner().invoke(cli, ["data", "info"])
    assert result.exit_code == 1
    assert "posbt data demo" in result.output
    assert "Traceback" not in result.output


def test_info_lists_bars_and_counts(home: Path) -> None:
    store = DuckDBStore(home / "market.duckdb")
    with store.load() as tx:
        tx.append("spot_bars", pa.table({
            "symbol": ["NIFTY"] * 2, "bar_minutes": pa.array([1440, 1440], pa.int16()),
            "ts": [dt.datetime(2024, 1, 1, 15, 30), dt.datetime(2024, 1, 2, 15, 30)],
            "open": [1.0, 2.0], "high": [1.0, 2.0], "low": [1.0, 2.0], "close": [1.0, 2.0]}))
    store.close()
    result = CliRunner().invoke(cli, ["--home", str(home), "data", "info"])
    assert result.exit_code == 0, result.output
    assert "NIFTY" in result.output and "1d" in result.output
    assert "spot_bars" in result.output


def test_help_everywhere() -> None:
    runner = CliRunner()
    for args in (["--help"], ["data", "--help"], ["data", "info", "--help"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0 and "Usage" in result.output
