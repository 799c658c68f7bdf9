"""``posbt run --out`` never overwrites a workbook posbt did not write (issue 14, item 1)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from engine.cli.main import cli
from tests.integration.test_run_cli import FLY_YAML, market_home

__all__ = ["market_home"]


def test_run_refuses_to_overwrite_a_users_workbook_unless_replace(
        market_home: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML)
    mine = tmp_path / "my_positions.xlsx"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"] = "my live positions"
    wb.save(mine)
    digest = hashlib.sha256(mine.read_bytes()).hexdigest()
    refused = CliRunner().invoke(cli, ["run", str(cfg), "--out", str(mine)])
    assert refused.exit_code == 1
    assert "is not a posbt results workbook" in refused.output and "--replace" in refused.output
    assert hashlib.sha256(mine.read_bytes()).hexdigest() == digest
    ok = CliRunner().invoke(cli, ["run", str(cfg), "--out", str(mine), "--replace"])
    assert ok.exit_code == 0, ok.output
    assert "BT_Summary" in load_workbook(mine).sheetnames
    again = CliRunner().invoke(cli, ["run", str(cfg), "--out", str(mine)])  # now posbt's own
    assert again.exit_code == 0, again.output
