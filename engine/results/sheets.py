"""The trader-facing BT_* sheets (results stage): BT_Summary, BT_Trades, BT_Monthly, BT_Charts
and BT_Payoff, with their number formats, widths and native charts.

``engine.results.excel`` creates the sheets and saves the workbook atomically; this module fills
them. Every text cell that may hold user input (strategy names, reasons) is written as a text
cell, never a formula (:mod:`engine.workbook.text`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from engine.results.breakdown import MONTHS, Group, by_entry_dte, by_weekday, month_by_year
from engine.results.charts import Block, bar_chart
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


INR_FMT = '#,##0;[Red]-#,##0'
PCT_FMT = "0%"


def _title(ws: Worksheet, row: int, text: str, span: int) -> None:
    put(ws, row, 1, text)
    for col in range(1, span + 1):
        cell = ws.cell(row=row, column=col)
        cell.fill, cell.font = SECTION_FILL, SECTION_FONT


def _groups_block(ws: Worksheet, row: int, title: str, first: str,
                  groups: Sequence[Group]) -> int:
    _title(ws, row, title, 4)
    header(ws, row + 1, [first, "Trades", "Net P&L", "Win rate"])
    row += 2
    for g in groups:
        put(ws, row, 1, g.label)
        put(ws, row, 2, g.trades, "0")
        put(ws, row, 3, g.pnl_inr, INR_FMT)
        put(ws, row, 4, g.win_rate, PCT_FMT)
        row += 1
    return row + 1


def write_monthly(ws: Worksheet, results: Sequence[BacktestResult],
                  no_trades: str | None) -> None:
    """BT_Monthly: per strategy, net P&L by exit month and year (a colour scale, a total per
    year), then by entry weekday and by entry DTE."""
    row = 1
    if no_trades:
        put(ws, 1, 1, no_trades)
        ws.cell(row=1, column=1).font = Font(italic=True)
        return
    for r in results:
        _title(ws, row, f"Net P&L by exit month: {r.plan.name}", 14)
        header(ws, row + 1, ["Year", *MONTHS, "Total"])
        first = row + 2
        row = first
        for year, months in month_by_year(r).items():
            put(ws, row, 1, year, "0")
            for m, v in enumerate(months, start=2):
                put(ws, row, m, v, INR_FMT)
            put(ws, row, 14, sum(v for v in months if v is not None), INR_FMT)
            ws.cell(row=row, column=14).font = Font(bold=True)
            row += 1
        if row > first:
            ws.conditional_formatting.add(
                f"B{first}:M{row - 1}",
                ColorScaleRule(start_type="min", start_color="F8696B", mid_type="num",
                               mid_value=0, mid_color="FFFFFF", end_type="max",
                               end_color="63BE7B"))
        else:
            put(ws, row, 1, "no closed trade")
            row += 1
        row += 1
        row = _groups_block(ws, row, f"By entry weekday: {r.plan.name}", "Weekday",
                            by_weekday(r))
        row = _groups_block(ws, row, f"By entry DTE (calendar days): {r.plan.name}", "DTE",
                            by_entry_dte(r))
        row += 1
    ws.column_dimensions["A"].width = 12
    for col in range(2, 15):
        ws.column_dimensions[get_column_letter(col)].width = 11


MAX_BARS = 500       # a P&L-per-trade chart shows at most this many bars (every k-th trade)
DATA_COL = 16        # chart data of strategy k starts in column P + 4k


def pnl_histogram(pnls: Sequence[float], bins: int | None = None) -> list[tuple[str, int]]:
    """(bin label, trades) of the net P&L distribution; equal-width bins."""
    if not pnls:
        return []
    n_bins = bins or int(min(30, max(5, round(math.sqrt(len(pnls))))))
    counts, edges = np.histogram(np.asarray(pnls, dtype=float), bins=n_bins)
    return [(f"{edges[i]:,.0f} to {edges[i + 1]:,.0f}", int(c)) for i, c in enumerate(counts)]


def write_trade_charts(ws: Worksheet, results: Sequence[BacktestResult],
                       no_trades: str | None) -> None:
    """BT_Charts: per strategy a P&L-per-trade column chart (every k-th trade beyond
    ``MAX_BARS``, said in the title) and the P&L distribution; the data they draw sits in
    columns P onward."""
    if no_trades:
        put(ws, 1, 1, no_trades + ": no chart")
        ws.cell(row=1, column=1).font = Font(italic=True)
        return
    anchor = 1
    for k, r in enumerate([r for r in results if r.trades]):
        col = DATA_COL + 4 * k
        pnls = [t.pnl_net_inr for t in r.trades]  # closing order
        step = max(1, math.ceil(len(pnls) / MAX_BARS))
        picked = list(range(0, len(pnls), step))
        header(ws, 1, [f"{r.plan.name}: trade", "net P&L"], col)
        for i, j in enumerate(picked, start=2):
            put(ws, i, col, r.trades[j].trade_id, "0")
            put(ws, i, col + 1, pnls[j], INR_FMT)
        bars = Block(r.plan.name, 2, len(picked) + 1)
        sampled = f" (1 trade in {step} of {len(pnls):,})" if step > 1 else ""
        ws.add_chart(bar_chart(ws, f"Net P&L per trade: {r.plan.name}{sampled}", "INR", col,
                               col + 1, bars), f"A{anchor}")
        hist = pnl_histogram(pnls)
        top = len(picked) + 3
        header(ws, top, ["P&L bin (INR)", "trades"], col + 2)
        for i, (label, count) in enumerate(hist, start=top + 1):
            put(ws, i, col + 2, label)
            put(ws, i, col + 3, count, "0")
        dist = Block(r.plan.name, top + 1, top + len(hist))
        ws.add_chart(bar_chart(ws, f"P&L distribution: {r.plan.name} ({len(pnls):,} trades)",
                               "trades", col + 2, col + 3, dist),
                     f"A{anchor + 17}")
        anchor += 34
        for c in range(col, col + 4):
            ws.column_dimensions[get_column_letter(c)].width = 14
