"""``posbt run`` end to end on a constructed market: YAML in, results workbook out."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from engine.cli.main import cli
from engine.data.duckdb_store import DuckDBStore
from engine.results.store import ResultsStore
from tests.unit.simulation.builder import load_market
from tests.unit.simulation.test_golden import FLY_QUOTES, FLY_SPOT, STAMPS, W1

FLY_YAML = """
strategy_name: "Golden_Fly"
strategy_subtype: "IRON_FLY"
wing_width_pts: 300
backtest:
  symbol: NIFTY
  bar_interval: 5m
  capital_inr: 1000000
costs:
  cost_preset: NONE
entry_rules:
  entry_start_time: "09:20"
  entry_end_time: "09:20"
volatility_filter:
  use_iv_hv_ratio: false
exit_rules:
  hold_to_expiry: true
  profit_target: null
  stop_loss: null
"""


@pytest.fixture
def market_home(home: Path) -> Path:
    store = DuckDBStore(home / "market.duckdb")
    load_market(store, STAMPS, FLY_SPOT, FLY_QUOTES, [(W1, "WEEKLY")])
    store.close()
    return home


def test_run_yaml_writes_results_and_keeps_the_run(market_home: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML)
    result = CliRunner().invoke(cli, ["run", str(cfg)])
    assert result.exit_code == 0, result.output
    # credit 240, settled at 22130: (240 - 130) x lot 75 (NIFTY weekly 9 Jan 2025) = 8,250
    assert "Golden_Fly: 1 trades, net P&L 8,250 INR" in result.output
    out = tmp_path / "fly_results.xlsx"
    wb = load_workbook(out)
    assert wb.sheetnames[:2] == ["BT_Summary", "BT_Trades"]
    store = ResultsStore(market_home / "results.duckdb")
    runs = store.runs()
    assert runs[0]["strategy"] == "Golden_Fly" and runs[0]["trades"] == 1
    assert store.count("fills", str(runs[0]["run_id"])) == 8  # 4 entry fills + 4 settlements
    store.close()


def test_run_refuses_window_outside_the_store(market_home: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML)
    result = CliRunner().invoke(cli, ["run", str(cfg), "--from", "2024-01-01"])
    assert result.exit_code == 1
    assert "strategy Golden_Fly asks for NIFTY 5m bars from 2024-01-01" in result.output
    assert "Traceback" not in result.output


def test_run_unknown_strategy_and_bad_config(market_home: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML)
    result = CliRunner().invoke(cli, ["run", str(cfg), "--strategy", "Nope"])
    assert result.exit_code == 1 and "no strategy named Nope" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(FLY_YAML.replace("wing_width_pts: 300", "wing_width_pts: -5"))
    result = CliRunner().invoke(cli, ["run", str(bad)])
    assert result.exit_code == 1 and "WingWidthPts" in result.output


def test_run_without_store_says_what_to_do(home: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML)
    result = CliRunner().invoke(cli, ["run", str(cfg)])
    assert result.exit_code == 1 and "posbt data demo" in result.output


def test_one_strategy_that_cannot_run_does_not_stop_the_others(market_home: Path,
                                                               tmp_path: Path) -> None:
    cfg = tmp_path / "two.yaml"
    other = FLY_YAML.replace('"Golden_Fly"', '"Daily_Fly"').replace("bar_interval: 5m",
                                                                  "bar_interval: 1d")
    cfg.write_text(FLY_YAML + "---\n" + other)
    result = CliRunner().invoke(cli, ["run", str(cfg)])
    assert result.exit_code == 0, result.output
    # the store has no daily NIFTY bars: Daily_Fly is reported, Golden_Fly still runs
    assert "warning: strategy Daily_Fly not run: spot_bars: the store has no daily NIFTY bars" \
        in result.output
    assert "Golden_Fly: 1 trades, net P&L 8,250 INR" in result.output


def test_run_at_an_interval_the_store_lacks_names_the_one_it_has(market_home: Path,
                                                                tmp_path: Path) -> None:
    # a user who imported one kind of bar (here the store holds only 5-minute NIFTY bars,
    # as a year of daily bhavcopies gives only 1d ones) and left BarInterval at another is
    # told which interval the store has and which setting to change, not to import data
    cfg = tmp_path / "daily.yaml"
    cfg.write_text(FLY_YAML.replace("bar_interval: 5m", "bar_interval: 1d"))
    result = CliRunner().invoke(cli, ["run", str(cfg)])
    assert result.exit_code == 1
    assert "the store has no daily NIFTY bars" in result.output
    assert "it holds NIFTY spot bars at 5m: set BarInterval (backtest.bar_interval) to 5m" \
        in result.output
    assert "Traceback" not in result.output


def test_run_report_and_report_by_run_id(market_home: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML)
    result = CliRunner().invoke(cli, ["run", str(cfg), "--report"])
    assert result.exit_code == 0, result.output
    page = tmp_path / "fly_results.html"
    assert f"tearsheet: {page}" in result.output
    text = page.read_text(encoding="utf-8")
    assert "Golden_Fly" in text and "₹8,250" in text  # the net P&L in the summary
    # BT_Summary carries the run's id, config hash and data fingerprint
    store = ResultsStore(market_home / "results.duckdb")
    run = store.runs()[0]
    store.close()
    summary = {r[0].value: r[1].value for r in
               load_workbook(tmp_path / "fly_results.xlsx")["BT_Summary"].iter_rows(min_row=2)}
    assert summary["Run ID"] == run["run_id"] and summary["Config hash"] == run["config_hash"]
    assert summary["Data fingerprint"] == run["data_fingerprint"]
    # the stored run knows its workbook: `posbt report RUN_ID`
    by_id = tmp_path / "by_id.html"
    result = CliRunner().invoke(cli, ["report", str(run["run_id"]), "--html", str(by_id)])
    assert result.exit_code == 0, result.output
    assert "Golden_Fly (run " in by_id.read_text(encoding="utf-8")


def test_runs_list_show_compare(market_home: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML)
    other = tmp_path / "fly2.yaml"
    other.write_text(FLY_YAML.replace("Golden_Fly", "Other_Fly").replace("capital_inr: 1000000",
                                                                         "capital_inr: 500000"))
    runner = CliRunner()
    assert runner.invoke(cli, ["runs", "list"]).output.startswith("no runs yet")
    for path in (cfg, other):
        assert runner.invoke(cli, ["run", str(path)]).exit_code == 0
    store = ResultsStore(market_home / "results.duckdb")
    second, first = (str(r["run_id"]) for r in store.runs())
    hashes = {str(r["run_id"]): str(r["config_hash"]) for r in store.runs()}
    assert store.metrics(first)["net_pnl_inr"] == pytest.approx(8250)
    store.close()
    listed = runner.invoke(cli, ["runs", "list"]).output
    assert first in listed and second in listed and hashes[first] in listed
    assert "8,250" in listed
    shown = runner.invoke(cli, ["runs", "show", first]).output
    assert "Golden_Fly" in shown and hashes[first] in shown and "Win rate" in shown
    # the same trade on half the capital: the same P&L, twice the return on capital
    both = runner.invoke(cli, ["runs", "compare", first, second]).output
    assert "differs" in both and "0.83%" in both and "1.65%" in both
    net = next(line for line in both.splitlines() if "Net P&L" in line)
    assert net.count("8,250") == 2 and " 0 " in net
    missing = runner.invoke(cli, ["runs", "show", "nope"])
    assert missing.exit_code == 1 and "no run 'nope'" in missing.output


# Two old-layout NSE bhavcopy days (the exchange's layout, trailing comma included) holding no
# index price: the importer derives each day's NIFTY spot from the traded near future
# (DERIVED_FUTURES), so both of the store's daily NIFTY spot bars are estimates.
_BHAV_HEADER = ("INSTRUMENT,SYMBOL,EXPIRY_DT,STRIKE_PR,OPTION_TYP,OPEN,HIGH,LOW,CLOSE,SETTLE_PR,"
                "CONTRACTS,VAL_INLAKH,OPEN_INT,CHG_IN_OI,TIMESTAMP,\n")
_BHAV_ROWS = (
    "OPTIDX,NIFTY,27-Jul-2023,19300,CE,210.5,250,190.05,240.1,240.1,1200,15000.5,300000,0,{d},\n"
    "OPTIDX,NIFTY,27-Jul-2023,19300,PE,120,130.5,95.25,100.4,100.4,1100,13000.2,280000,0,{d},\n"
    "OPTIDX,NIFTY,27-Jul-2023,19000,PE,40,45,35,41.2,41.2,900,9000.1,200000,0,{d},\n"
    "OPTIDX,NIFTY,27-Jul-2023,19700,CE,60,66,52,58.3,58.3,800,8000.4,210000,0,{d},\n"
    "FUTIDX,NIFTY,27-Jul-2023,0,XX,19400,19480,19350,19460.5,19460.5,2500,24000,1100000,0,{d},\n")


def test_run_on_derived_spot_says_how_much_of_it_is_estimated(home: Path,
                                                              tmp_path: Path) -> None:
    for day in ("03-JUL-2023", "04-JUL-2023"):
        f = tmp_path / f"fo{day.replace('-', '')}bhav.csv"
        f.write_text(_BHAV_HEADER + _BHAV_ROWS.format(d=day))
        imported = CliRunner().invoke(cli, ["data", "import", "bhavcopy", str(f)])
        assert imported.exit_code == 0, imported.output
    cfg = tmp_path / "daily.yaml"
    cfg.write_text(FLY_YAML.replace("bar_interval: 5m", "bar_interval: 1d"))
    result = CliRunner().invoke(cli, ["run", str(cfg)])
    assert result.exit_code == 0, result.output
    # 2 spot bars in the window (3 and 4 Jul), both DERIVED_FUTURES
    note = ("Golden_Fly: 2 of its 2 daily NIFTY spot bars are estimates (DERIVED_FUTURES 2), "
            "not index closes")
    assert note in result.output
    assert "Traceback" not in result.output
    # the results workbook carries it too: a NOTE row of BT_RunLog
    rows = list(load_workbook(tmp_path / "daily_results.xlsx")["BT_RunLog"].iter_rows(
        values_only=True))
    assert any(r[1] == "NOTE" and str(r[3]).startswith(note) for r in rows), rows
