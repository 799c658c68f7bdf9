"""Sweep parameters from the workbook's Sweep sheet, the YAML ``sweep:`` block, and leg and
rule fields by ``LegN.Name`` / ``legs.i.path`` (issue 16 item 1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from engine.cli.main import cli
from tests.integration.test_run_cli import FLY_YAML
from tests.integration.test_sweep_cli import _sheet, _sweep
from tests.integration.test_sweep_cli import market_home as market_home  # the fixture

# the golden fly (tests/unit/simulation/test_golden.py) held to expiry: credit 240 pts,
# settled at 130 -> +110 pts x 75 = 8,250 INR a lot; a 0.2 stop (48 pts) fires at -50 pts
CUSTOM_FLY = FLY_YAML.replace('strategy_subtype: "IRON_FLY"\nwing_width_pts: 300\n',
                              'strategy_subtype: "CUSTOM"\n') + """
legs:
  - {leg_id: SC, right: CE, side: SELL, strike_method: ATM, expiry_method: WEEKLY_INDEX}
  - {leg_id: SP, right: PE, side: SELL, strike_method: ATM, expiry_method: WEEKLY_INDEX}
  - {leg_id: LC, right: CE, side: BUY, strike_method: ATM_OFFSET_PTS, strike_value: 300,
     expiry_method: WEEKLY_INDEX}
  - {leg_id: LP, right: PE, side: BUY, strike_method: ATM_OFFSET_PTS, strike_value: -300,
     expiry_method: WEEKLY_INDEX}
"""


def test_yaml_sweep_block_runs_without_param(market_home: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML + 'sweep:\n  Lots: [1, 2]\n  exit_rules.stop_loss: "0.2,5"\n')
    code, output = _sweep(cfg)
    assert code == 0, output
    rows = _sheet(tmp_path / "fly_sweep.xlsx")
    assert rows[0][2:4] == ("Lots", "StopLoss")
    pnl = {(r[2], r[3]): r[rows[0].index("net_pnl_inr")] for r in rows[1:]}
    assert pnl == pytest.approx({(1, 0.2): -3750.0, (1, 5.0): 8250.0, (2, 0.2): -7500.0,
                                 (2, 5.0): 16500.0})
    # posbt run ignores the block: one backtest of the file's own values
    ran = CliRunner().invoke(cli, ["run", str(cfg)])
    assert ran.exit_code == 0, ran.output
    assert "Golden_Fly: 1 trades, net P&L 8,250 INR" in ran.output


@pytest.mark.parametrize(("block", "text", "line"), [
    ("sweep:\n  WingWidth: [200, 300]\n", "unknown parameter 'WingWidth'", 2),
    ("sweep:\n  Lots: \"3:1:1\"\n", "Lots: the range '3:1:1' is empty", 2),
    ("sweep:\n  Lots: [1]\n  StopLoss: [0.5, 25]\n", "StopLoss = 25 is above its maximum", 3),
    ("sweep: [Lots]\n", "sweep: must map each parameter to its values", 1),
    ("sweep:\n  Lots: \"1:1000:1\"\n  WingWidthPts: \"1:1000:1\"\n",
     "the sweep has 1,000,000 variants (Lots 1,000 x WingWidthPts 1,000)", 2),
])
def test_yaml_sweep_block_errors_name_the_line(market_home: Path, tmp_path: Path, block: str,
                                               text: str, line: int) -> None:
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML + block)
    first = FLY_YAML.count("\n") + 1  # the block's first line in the file
    code, output = _sweep(cfg)
    assert code == 1
    assert text in output
    assert f"fly.yaml:{first + line - 1}" in output
    assert "Traceback" not in output
    assert not (tmp_path / "fly_sweep.xlsx").exists()
    assert not (market_home / "results.duckdb").exists()


def _book_with_sweep(tmp_path: Path, rows: list[tuple[object, object]]) -> Path:
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML)
    book = tmp_path / "book.xlsx"
    converted = CliRunner().invoke(cli, ["convert", str(cfg), str(book)])
    assert converted.exit_code == 0, converted.output
    wb = load_workbook(book)
    ws = wb.create_sheet("Sweep")
    ws.append(["Parameter", "Values", "Notes"])
    for name, values in rows:
        ws.append([name, values])
    wb.save(book)
    return book


def test_sweep_sheet_runs_without_param(market_home: Path, tmp_path: Path) -> None:
    # B3 holds the number 5 (a single value typed as a number), B2 the text list
    book = _book_with_sweep(tmp_path, [("Lots", "1,2"), ("StopLoss", 5)])
    code, output = _sweep(book)
    assert code == 0, output
    rows = _sheet(tmp_path / "book_sweep.xlsx")
    assert rows[0][2:4] == ("Lots", "StopLoss")
    assert [(r[2], r[3], r[rows[0].index("net_pnl_inr")]) for r in rows[1:]] == [
        (1, 5.0, 8250), (2, 5.0, 16500)]


def test_sweep_sheet_setting_rows_are_settings_not_parameters(market_home: Path,
                                                            tmp_path: Path) -> None:
    # the rows the ribbon's Run Sweep reads (xlbridge/macros.py) mean the same to posbt sweep:
    # Strategy picks the strategy, Samples 1 draws one of the 2 Lots variants
    book = _book_with_sweep(tmp_path, [("Strategy", "Golden_Fly"), ("Lots", "1,2"),
                                       ("Samples", 1), ("Seed", 3)])
    code, output = _sweep(book)
    assert code == 0, output
    rows = _sheet(tmp_path / "book_sweep.xlsx")
    assert "Strategy" not in rows[0] and "Samples" not in rows[0]
    assert len(rows) == 2  # the header and the one sampled variant
    assert rows[1][2] in (1, 2)
    assert rows[1][rows[0].index("net_pnl_inr")] == 8250 * rows[1][2]  # 8,250 INR a lot


def test_sweep_sheet_bad_setting_names_its_cell(market_home: Path, tmp_path: Path) -> None:
    book = _book_with_sweep(tmp_path, [("Lots", "1,2"), ("Samples", "many")])
    code, output = _sweep(book)
    assert code == 1
    assert "Samples takes a whole number of at least 1, not 'many'" in output
    assert "Sweep!B3" in output and "Traceback" not in output
    assert not (tmp_path / "book_sweep.xlsx").exists()


@pytest.mark.parametrize(("rows", "text", "cell"), [
    ([("Lots", "0:2:1")], "Lots = 0 is below its minimum 1", "Sweep!B2"),
    ([("Lots", "1"), ("Nope", "1,2")], "unknown parameter 'Nope'", "Sweep!A3"),
    ([("Lots", None), ("StopLoss", "1")], "a Sweep row needs its values in column B",
     "Sweep!B2"),
    ([], "a sweep needs at least one parameter", "--param"),
])
def test_sweep_sheet_errors_name_the_cell(market_home: Path, tmp_path: Path,
                                          rows: list[tuple[object, object]], text: str,
                                          cell: str) -> None:
    book = _book_with_sweep(tmp_path, rows)
    code, output = _sweep(book)
    assert code == 1
    assert text in output and cell in output
    assert "Traceback" not in output
    assert not (tmp_path / "book_sweep.xlsx").exists()


def test_leg_field_by_leg_number_and_yaml_path(market_home: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "custom.yaml"
    cfg.write_text(CUSTOM_FLY)
    # Leg3 is the long 22300 CE (bought at 60, expires worthless): 2 lots of it cost 60 more
    # points: 110 - 60 = 50 pts x 75 = 3,750 INR
    code, output = _sweep(cfg, "--param", "Leg3.LegLots=1,2")
    assert code == 0, output
    rows = _sheet(tmp_path / "custom_sweep.xlsx")
    assert rows[0][2] == "Leg3.LegLots"
    assert [(r[2], r[rows[0].index("net_pnl_inr")]) for r in rows[1:]] == [(1, 8250),
                                                                           (2, 3750)]
    assert "LegLots: 1" not in cfg.read_text()  # the input is not changed
    # the same leg by its YAML path (0-based list index): the same variants, reused
    code, output = _sweep(cfg, "--param", "legs.2.lots=1,2", "--out",
                          str(tmp_path / "again.xlsx"))
    assert code == 0, output
    assert "2 done (0 run now, 2 already in the results store)" in output


@pytest.mark.parametrize(("spec", "text"), [
    ("Leg5.LegLots=1,2", "Leg5.LegLots: the strategy has 4 legs"),
    ("Leg1.Strike=1,2", "unknown parameter 'Strike'"),
    ("Leg1.LegID=A,B", "LegID names the row; it cannot be swept"),
    ("Rule1.RulePriority=1,2", "Rule1.RulePriority: the strategy has 0 adjustment rules"),
])
def test_leg_and_rule_names_that_do_not_fit(market_home: Path, tmp_path: Path, spec: str,
                                            text: str) -> None:
    cfg = tmp_path / "custom.yaml"
    cfg.write_text(CUSTOM_FLY)
    code, output = _sweep(cfg, "--param", spec)
    assert code == 1
    assert text in output
    assert "Traceback" not in output
    assert not (tmp_path / "custom_sweep.xlsx").exists()


def test_generated_legs_are_not_swept_by_number(market_home: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML)
    code, output = _sweep(cfg, "--param", "Leg1.LegLots=1,2")
    assert code == 1
    assert "the strategy has 0 legs (a subtype's generated legs" in output


def test_address_is_only_for_ray(market_home: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML)
    result = CliRunner().invoke(cli, ["sweep", str(cfg), "--param", "Lots=1", "--address",
                                      "10.0.0.1:6379"])
    assert result.exit_code == 2
    assert "--address is for --executor ray" in result.output
    assert not (tmp_path / "fly_sweep.xlsx").exists()


def test_ray_executor_without_ray_says_how_to_install(market_home: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now fails, as when absent
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML)
    code, output = _sweep(cfg, "--param", "Lots=1,2", "--executor", "ray")
    assert code == 1
    assert "the Ray executor needs Ray: pip install 'posbt[cluster]'" in output
    assert not (market_home / "results.duckdb").exists()


def test_a_sweep_of_a_parameter_the_legs_override_warns(market_home: Path,
                                                        tmp_path: Path) -> None:
    # CUSTOM_FLY's wings are its LC/LP leg rows at +-300: WingWidthPts changes no trade
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(CUSTOM_FLY)
    code, output = _sweep(cfg, "--param", "WingWidthPts=200,400")
    assert code == 0, output
    assert "WingWidthPts: every value gave the same trades and P&L for Golden_Fly" in output
    rows = _sheet(tmp_path / "fly_sweep.xlsx")
    pnl = [r[rows[0].index("net_pnl_inr")] for r in rows[1:]]
    assert pnl == [8250, 8250]  # the 240-pt credit settled at 130: 110 x 75, both variants
