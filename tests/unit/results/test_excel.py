"""Results workbook: BT_* sheets with the run's numbers; the input is never modified."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from engine.data.duckdb_store import DuckDBStore
from engine.errors import PosbtError
from engine.results.excel import write_in_place, write_results
from engine.simulation.loop import run_backtest
from engine.strategy.plan import ExitRules
from tests.unit.simulation.builder import contracts, load_market
from tests.unit.simulation.test_golden import FLY_QUOTES, FLY_SPOT, STAMPS, W1, plan


def _digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture
def result(mem_store: DuckDBStore):  # type: ignore[no-untyped-def]
    load_market(mem_store, STAMPS, FLY_SPOT, FLY_QUOTES, [(W1, "WEEKLY")])
    return run_backtest(plan(ExitRules()), mem_store, contracts())


def test_new_workbook_copies_config_and_adds_results(tmp_path: Path, result) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "book.xlsx"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "PositionalParameter"
    ws["A1"], ws["B1"] = "Parameter", "golden"
    wb.create_sheet("BT_Old")["A1"] = "stale"
    wb.save(src)
    before = _digest(src)
    out = write_results([result], tmp_path / "book_results.xlsx", source_workbook=src)
    assert _digest(src) == before  # the input is untouched
    back = load_workbook(out)
    assert back.sheetnames == ["PositionalParameter", "BT_Summary", "BT_Trades", "BT_Monthly",
                               "BT_Charts", "BT_Payoff",
                               "BT_Adjustments",
                               "BT_Fills", "BT_Log", "BT_RunLog", "BT_Greeks", "BT_Breakevens",
                               "BT_Equity"]  # BT_Old replaced
    assert back["PositionalParameter"]["B1"].value == "golden"
    trades = back["BT_Trades"]
    header = [c.value for c in trades[1]]
    row = dict(zip(header, [c.value for c in trades[2]], strict=True))
    assert row["Exit reason"] == "EXPIRY"
    assert row["Net P&L (INR)"] == pytest.approx(8250)  # (240 - 130) x 75
    summary = {r[0].value: r[1].value for r in back["BT_Summary"].iter_rows(min_row=2)}
    assert summary["Net P&L"] == pytest.approx(8250)
    assert summary["Trades"] == 1
    assert len(back["BT_Equity"]._charts) == 2
    # the iron fly's band: 22,000 -/+ 240 on every bar it was open
    band = [(r[4].value, r[5].value) for r in back["BT_Breakevens"].iter_rows(min_row=2)]
    assert band and set(band) == {(21760.0, 22240.0)}
    assert len(back["BT_Breakevens"]._charts) == 1


def test_same_path_refused_and_in_place_keeps_backup(tmp_path: Path, result) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "book.xlsx"
    Workbook().save(src)
    with pytest.raises(PosbtError, match="overwrite the input"):
        write_results([result], src, source_workbook=src)
    original = _digest(src)
    backup = write_in_place([result], src)
    assert _digest(backup) == original
    assert "BT_Trades" in load_workbook(src).sheetnames


def test_yaml_source_gives_results_only_workbook(tmp_path: Path, result) -> None:  # type: ignore[no-untyped-def]
    out = write_results([result], tmp_path / "r.xlsx", source_workbook=tmp_path / "s.yaml")
    assert load_workbook(out).sheetnames[0] == "BT_Summary"
