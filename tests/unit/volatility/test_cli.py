"""``posbt vol`` and ``posbt data features`` end to end on a small on-disk store."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from engine.cli.main import cli
from engine.data.duckdb_store import DuckDBStore
from tests.unit.volatility._market import Market, build_market, daily_tables, load


@pytest.fixture
def loaded(home: Path) -> Market:
    m = build_market(n_days=15)
    store = DuckDBStore(home / "market.duckdb")
    load(store, daily_tables(m))
    store.close()
    return m


def test_snapshot_table_and_missing_reasons(loaded: Market) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["vol", "nifty", "--lookback", "5"])
    assert result.exit_code == 0, result.output
    # default as-of: the latest spot bar (day 15 at 15:30); its VIX close is 100 * vol
    assert f"{loaded.days[-1]} 15:30" in result.output
    assert f"{100 * loaded.vols[-1]:.4f}" in result.output
    # 252 previous closes do not exist: IVP missing, with the reason
    result = runner.invoke(cli, ["vol", "NIFTY", "--at", f"{loaded.days[-1]} 15:30"])
    assert result.exit_code == 0
    assert "history is shorter than the lookback" in result.output


def test_features_export_and_plot(loaded: Market, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["data", "features", "--lookback", "5"])
    assert result.exit_code == 0, result.output
    assert "NIFTY: 15 new daily_features rows" in result.output
    again = runner.invoke(cli, ["data", "features"])
    assert "total: 0" in again.output
    csv = tmp_path / "vol.csv"
    result = runner.invoke(cli, ["vol", "NIFTY", "--from", str(loaded.days[2]), "--to",
                                 str(loaded.days[9]), "--out", str(csv)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(csv)
    assert len(frame) == 8 and frame["atm_iv_30d"].tolist() == pytest.approx(
        loaded.vols[2:10].tolist())
    xlsx, png = tmp_path / "vol.xlsx", tmp_path / "vol.png"
    result = runner.invoke(cli, ["vol", "NIFTY", "--out", str(xlsx), "--plot", str(png)])
    assert result.exit_code == 0, result.output
    assert len(pd.read_excel(xlsx)) == 15
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_input_is_a_clear_error(loaded: Market, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["vol", "NIFTY", "--out", str(tmp_path / "x.csv")])
    assert result.exit_code == 1 and "posbt data features" in result.output
    runner.invoke(cli, ["data", "features"])
    result = runner.invoke(cli, ["vol", "NIFTY", "--out", str(tmp_path / "x.json")])
    assert result.exit_code == 1 and ".csv or .xlsx" in result.output
    result = runner.invoke(cli, ["vol", "SENSEX"])
    assert result.exit_code == 1 and "no spot bars for SENSEX" in result.output
    result = runner.invoke(cli, ["vol", "NIFTY", "--at", "yesterday"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
