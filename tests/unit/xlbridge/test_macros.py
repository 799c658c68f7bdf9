"""The ribbon macros through the openpyxl adapter (no Excel, no server; the Run Backtest
job flow against a real server is tests/integration/test_excel_jobflow.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

from openpyxl import load_workbook

from engine.workbook.openpyxl_adapter import OpenpyxlReader, OpenpyxlWriter
from tests.unit.xlbridge.market import build_market
from tests.unit.xlbridge.recording_ui import RecordingUi
from xlbridge.macros import MacroContext, run_action
from xlbridge.resultbooks import FileBook

TEMPLATE = Path(__file__).resolve().parents[3] / "workbook_templates" / "posbt_template.xlsx"


def _ctx(book: Path, home: Path) -> tuple[MacroContext, RecordingUi]:
    ui = RecordingUi()
    return MacroContext(path=book, reader=OpenpyxlReader(book),
                        writer=OpenpyxlWriter(book, base=book), results=FileBook(book),
                        columns=FileBook(book), ui=ui, client=None, home=home), ui


def test_macros_validate_name_cells_and_never_run_inside_excel(tmp_path: Path) -> None:
    home = tmp_path / "home"
    build_market(home)
    book = tmp_path / "book.xlsx"
    shutil.copy(TEMPLATE, book)
    ctx, ui = _ctx(book, home)
    assert run_action("Validate", ctx).startswith("No errors.")
    # no server: the backtest does not run in Excel's Python (it would freeze Excel)
    assert run_action("RunBacktest", ctx) == "no server"
    assert "posbt serve" in ui.messages[-1][1]
    assert run_action("OpenResults", ctx) == "error"  # no results yet: says so
    assert "press Run Backtest first" in ui.messages[-1][1]
    (tmp_path / "book_results.xlsx").write_bytes(book.read_bytes())
    assert run_action("OpenResults", ctx).endswith("book_results.xlsx") and ui.opened
    assert run_action("ServerStatus", ctx).startswith("No posbt server answers")
    assert run_action("NewStrategy", _ctx(book, home)[0]) == "NewStrategy1"
    header = [c.value for c in load_workbook(book)["PositionalParameter"][1]]
    assert header[-1] == "NewStrategy1"
    ctx, ui = _ctx(book, home)
    ws_rows = [[c.value for c in r] for r in ctx.reader.rows("PositionalParameter")]
    r = next(i for i, x in enumerate(ws_rows) if x[1] == "BarInterval")
    wb = load_workbook(book)
    wb["PositionalParameter"].cell(r + 1, 5).value = "7m"
    wb.save(book)
    ctx, ui = _ctx(book, home)
    text = run_action("Validate", ctx)
    assert f"PositionalParameter!E{r + 1} (BarInterval)" in text
    assert run_action("Nope", ctx) == "unknown"


def test_new_strategy_copies_the_neighbour_with_formulas_dropdowns_and_formats(
        tmp_path: Path) -> None:
    from openpyxl.styles import PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    from engine.config import load_config

    book = tmp_path / "book.xlsx"
    shutil.copy(TEMPLATE, book)
    wb = load_workbook(book)
    ws = wb["PositionalParameter"]
    last = ws.max_column  # K: the last strategy
    col = ws.cell(1, last).column_letter
    rows = {ws.cell(r, 2).value: r for r in range(1, ws.max_row + 1)}
    lots, capital = rows["Lots"], rows["CapitalINR"]
    # the user's own touches on the last strategy: a formula, a fill, a dropdown of their own
    ws.cell(lots, last).value = f"=ROUND({col}{capital}/1000000,0)"
    ws.cell(lots, last).fill = PatternFill("solid", fgColor="FFF2CC")
    ws.data_validations.dataValidation = [dv for dv in ws.data_validations.dataValidation
                                          if f"{col}{rows['Symbol']}" not in str(dv.sqref)]
    mine = DataValidation(type="list", formula1='"NIFTY,BANKNIFTY"')
    mine.add(f"E{rows['Symbol']}:{col}{rows['Symbol']}")
    ws.add_data_validation(mine)
    legs_before = [r for r in wb["LegParameter"].iter_rows(values_only=True)
                   if r[0] == ws.cell(1, last).value]
    wb.save(book)
    ctx, ui = _ctx(book, tmp_path / "home")

    assert run_action("NewStrategy", ctx) == "NewStrategy1"
    new = ws.cell(1, last + 1).column_letter
    assert f"column {new}" in ui.messages[-1][1] and "a copy of Demo_IronFly_Adjusted" in \
        ui.messages[-1][1]
    wb = load_workbook(book)
    ws = wb["PositionalParameter"]
    assert ws.cell(1, last + 1).value == ws.cell(rows["StrategyName"], last + 1).value == \
        "NewStrategy1"
    # the formula's relative reference moved with the column, as Excel's copy does
    assert ws.cell(lots, last + 1).value == f"=ROUND({new}{capital}/1000000,0)"
    assert ws.cell(lots, last + 1).fill.fgColor.rgb == "00FFF2CC"
    assert ws.cell(lots, last + 1).number_format == ws.cell(lots, last).number_format
    sym = f"{new}{rows['Symbol']}"
    assert any(sym in dv.sqref for dv in ws.data_validations.dataValidation
               if dv.formula1 == '"NIFTY,BANKNIFTY"')  # the user's dropdown came along
    assert ws.column_dimensions[new].width == ws.column_dimensions[col].width
    legs_after = [r for r in wb["LegParameter"].iter_rows(values_only=True)
                  if r[0] == "NewStrategy1"]
    assert [r[1:] for r in legs_after] == [r[1:] for r in legs_before] and legs_after
    # neither formula has a cached value until Excel computes it: type the values in
    ws.cell(lots, last).value = ws.cell(lots, last + 1).value = 1
    wb.save(book)
    loaded = load_config(book, strict=False)
    assert loaded.report.ok, [str(p) for p in loaded.report.errors][:3]
    assert "NewStrategy1" in loaded.strategies
    assert run_action("NewStrategy", _ctx(book, tmp_path / "home")[0]) == "NewStrategy2"
