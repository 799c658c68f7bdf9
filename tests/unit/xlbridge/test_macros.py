"""The ribbon macros through the openpyxl adapter (no Excel, no server; the Run Backtest
job flow against a real server is tests/integration/test_excel_jobflow.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

from openpyxl import load_workbook

from engine.workbook.openpyxl_adapter import OpenpyxlReader, OpenpyxlWriter
from tests.unit.xlbridge.market import build_market
from xlbridge.macros import MacroContext, run_action
from xlbridge.resultbooks import FileBook

TEMPLATE = Path(__file__).resolve().parents[3] / "workbook_templates" / "posbt_template.xlsx"


class RecordingUi:
    def __init__(self) -> None:
        self.statuses: list[str | None] = []
        self.messages: list[tuple[str, str]] = []
        self.opened: list[Path] = []

    def status(self, text: str | None) -> None:
        self.statuses.append(text)

    def message(self, text: str, title: str) -> None:
        self.messages.append((title, text))

    def open(self, path: Path) -> None:
        self.opened.append(path)


def _ctx(book: Path, home: Path) -> tuple[MacroContext, RecordingUi]:
    ui = RecordingUi()
    return MacroContext(path=book, reader=OpenpyxlReader(book),
                        writer=OpenpyxlWriter(book, base=book), results=FileBook(book), ui=ui,
                        client=None, home=home), ui


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
