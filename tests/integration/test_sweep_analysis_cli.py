"""``posbt sweep`` writes BT_Sensitivity (and BT_WalkForward on request); bad analysis options
are refused before anything runs or is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from engine.cli.main import cli
from tests.integration.test_run_cli import FLY_YAML
from tests.integration.test_sweep_cli import _market


@pytest.fixture
def market_home(home: Path) -> Path:
    return _market(home)


def _sweep(cfg: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["sweep", str(cfg), "--workers", "1", *args])
    return result.exit_code, result.output


def test_bt_sensitivity_of_a_two_parameter_sweep(market_home: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML)
    code, output = _sweep(cfg, "--param", "Lots=1:3:1", "--param", "StopLoss=0.2,5")
    assert code == 0, output
    wb = load_workbook(tmp_path / "fly_sweep.xlsx")
    assert {"BT_Sweep", "BT_SweepStats", "BT_Sensitivity"} <= set(wb.sheetnames)
    assert "BT_WalkForward" not in wb.sheetnames
    ws = wb["BT_Sensitivity"]
    cells = {(c.row, c.column): c.value for row in ws.iter_rows() for c in row}
    where = {v: k for k, v in cells.items() if isinstance(v, str)}
    # net P&L per lot: stop 0.2 -> -3,750, stop 5 (held to expiry) -> +8,250 (test_sweep_cli)
    assert "best variant 5: Lots=3, StopLoss=5;" in cells[(2, 1)]
    r, _ = where["Lots \\ StopLoss"]
    assert [cells[(r + 1 + i, 2)] for i in range(3)] == [-3750, -7500, -11250]
    assert [cells[(r + 1 + i, 3)] for i in range(3)] == [8250, 16500, 24750]
    # neighbours of (3, 5): (2, 5) = 16,500 and (3, 0.2) = -11,250, mean 2,625
    r, _ = where["neighbour_mean"]
    assert cells[(r, 2)] == pytest.approx((16500 - 11250) / 2)
    assert cells[(r + 1, 2)] == pytest.approx((24750 - 2625) / 24750)
    assert cells[(r + 3, 2)] == "spike"
    # the regime rows of Lots = 1 add up to its variants' mean net P&L: (-3,750 + 8,250) / 2
    head, _ = where["entry_regime"]
    rows = [[cells.get((i, c)) for c in range(1, 8)] for i in range(head + 1, ws.max_row + 1)]
    lots1 = [row for row in rows if row[0] == "Lots" and row[1] == 1]
    assert lots1 and sum(row[5] for row in lots1) == pytest.approx(2250)
    assert all(row[3] == 2 for row in lots1)


@pytest.mark.parametrize(("args", "text"), [
    (["--param", "Lots=1:2:1", "--grid", "Lots:StopLoss"],
     "needs two swept parameters; this sweep has one (Lots)"),
    (["--param", "Lots=1:2:1", "--metric", "pnl"], "unknown metric 'pnl'"),
    (["--param", "Lots=1:2:1", "--walk-forward", "6"], "IS:OOS in whole months"),
    # any sweep metric chooses a walk-forward now: win rate passes, the span check stops it
    (["--param", "Lots=1:2:1", "--walk-forward", "1:1", "--metric", "win_rate"],
     "leaves no out-of-sample day"),
])
def test_bad_analysis_options_stop_before_anything_runs(market_home: Path, tmp_path: Path,
                                                        args: list[str], text: str) -> None:
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML)
    code, output = _sweep(cfg, *args)
    assert code != 0 and text in output and "Traceback" not in output
    assert not (tmp_path / "fly_sweep.xlsx").exists()
    assert not (market_home / "results.duckdb").exists()  # no variant ran


def test_a_walk_forward_longer_than_the_data_writes_nothing(market_home: Path,
                                                            tmp_path: Path) -> None:
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML)
    code, output = _sweep(cfg, "--param", "Lots=1:2:1", "--walk-forward", "1:1")
    assert code != 0 and "leaves no out-of-sample day" in output
    assert "Traceback" not in output
    assert not (tmp_path / "fly_sweep.xlsx").exists()
    assert not (market_home / "results.duckdb").exists()  # checked on the dates: none ran


def test_a_metric_no_variant_has_leaves_a_note(market_home: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML)
    # held to expiry, each variant's one trade wins: no loss, so no finite profit factor
    code, output = _sweep(cfg, "--param", "Lots=1,2", "--metric", "profit_factor")
    assert code == 0, output
    wb = load_workbook(tmp_path / "fly_sweep.xlsx", read_only=True)
    assert wb["BT_Sweep"].max_row == 3
    (note,) = next(wb["BT_Sensitivity"].iter_rows(values_only=True))
    assert note.startswith("no finished variant has a value of profit_factor")
