"""The trader-facing BT_* sheets (results stage): BT_Summary, BT_Trades, BT_Monthly, BT_Charts
and BT_Payoff, with their number formats, widths and native charts.

``engine.results.excel`` creates the sheets and saves the workbook atomically; this module fills
them. Every text cell that may hold user input (strategy names, reasons) is written as a text
cell, never a formula (:mod:`engine.workbook.text`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from engine.results.result import BacktestResult
from engine.results.summary import NA, summary_rows
from engine.workbook.text import formula_like

HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
SECTION_FILL = PatternFill("solid", fgColor="DDEBF7")
SECTION_FONT = Font(bold=True, color="1F4E78")


def put(ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None) -> None:
    """One cell; formula-like text stays text, ``fmt`` applies to numbers and dates."""
    cell = ws.cell(row=row, column=col, value=value)
    if formula_like(value):
        cell.data_type = "s"
    if fmt is not None and not isinstance(value, str):
        cell.number_format = fmt


def header(ws: Worksheet, row: int, labels: Sequence[Any], col: int = 1) -> None:
    """A header row in the results style."""
    for i, label in enumerate(labels):
        put(ws, row, col + i, label)
        cell = ws.cell(row=row, column=col + i)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def write_summary(ws: Worksheet, results: Sequence[BacktestResult]) -> None:
    """BT_Summary: trader labels in column A, one column per strategy."""
    header(ws, 1, ["Metric", *(r.plan.name for r in results)])
    row = 2
    for line in summary_rows(results):
        put(ws, row, 1, line.label)
        if line.fmt is None:
            for col in range(1, len(results) + 2):
                cell = ws.cell(row=row, column=col)
                cell.fill, cell.font = SECTION_FILL, SECTION_FONT
        else:
            for col, v in enumerate(line.values, start=2):
                put(ws, row, col, v, None if v == NA else line.fmt.value)
                if v == NA or isinstance(v, str):
                    ws.cell(row=row, column=col).alignment = Alignment(horizontal="right")
        row += 1
    ws.column_dimensions["A"].width = 30
    for col, r in enumerate(results, start=2):
        ws.column_dimensions[get_column_letter(col)].width = max(18, min(40, len(r.plan.name) + 4))
    ws.freeze_panes = "B2"
