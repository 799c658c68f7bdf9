"""The trader-facing BT_* sheets (results stage): BT_Summary, BT_Trades, BT_Monthly, BT_Charts
and BT_Payoff, with their number formats, widths and native charts.

``engine.results.excel`` creates the sheets and saves the workbook atomically; this module fills
them. Every text cell that may hold user input (strategy names, reasons) is written as a text
cell, never a formula (:mod:`engine.workbook.text`).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from engine.results.breakdown import MONTHS, Group, by_entry_dte, by_weekday, month_by_year
from engine.results.charts import Block, bar_chart, line_chart
from engine.results.payoff import (
    MAX_STAGES,
    legs_label,
    payoff_note,
    selected_trade,
    trade_payoff,
)
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
    widths = [max(18, min(40, len(r.plan.name) + 4)) for r in results]
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
                if line.label == "No trades":  # a sentence: wrapped, read from the left
                    ws.cell(row=row, column=col).alignment = Alignment(wrap_text=True,
                                                                       vertical="top")
                elif v == NA or isinstance(v, str):
                    ws.cell(row=row, column=col).alignment = Alignment(horizontal="right")
            if line.label == "No trades":
                ws.row_dimensions[row].height = wrapped_height(line.values, widths)
                ws.cell(row=row, column=1).alignment = Alignment(vertical="top")
        row += 1
    ws.column_dimensions["A"].width = 30
    for col, width in enumerate(widths, start=2):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "B2"


LINE_HEIGHT_PT = 15.0  # one line of the default 11-point font


def wrapped_height(values: Sequence[Any], widths: Sequence[float]) -> float:
    """The row height (points) that shows every value of a wrapped row whole: the most lines
    any of them wraps to in its column (a character of the default font per width unit, two
    kept for the cell's margins). Spreadsheets keep a row's height as written, so a wrapped
    sentence in a row of default height runs under the rows below it."""
    lines = 1
    for v, width in zip(values, widths, strict=False):
        if isinstance(v, str) and v:
            lines = max(lines, len(textwrap.wrap(v, max(1, int(width) - 2))))
    return LINE_HEIGHT_PT * lines


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
        if not r.trades:
            _title(ws, row, f"Net P&L by exit month: {r.plan.name}", 14)
            put(ws, row + 1, 1, f"no trade ({r.no_trade_reason or 'no position was opened'})")
            row += 3
            continue
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


CURVE_COL = 9  # BT_Payoff's curve data: column I onward


def write_payoff(ws: Worksheet, results: Sequence[BacktestResult],
                 no_trades: str | None) -> None:
    """BT_Payoff: per strategy, the most adjusted trade's position at entry and after each
    adjustment (legs, spot, breakevens), its expiry payoff and T+0 curves over a spot range,
    and a native chart of them with the breakevens marked."""
    if no_trades:
        put(ws, 1, 1, no_trades + ": no payoff to draw")
        ws.cell(row=1, column=1).font = Font(italic=True)
        return
    row = 1
    for r in results:
        trade = selected_trade(r)
        pay = trade_payoff(r, trade) if trade is not None else None
        if pay is None:
            continue
        t = pay.trade
        more = f"; {pay.more_stages} later adjustments not drawn" if pay.more_stages else ""
        _title(ws, row, f"Payoff of trade {t.trade_id} ({payoff_note(t.structure, t.adjustments)}"
                        f"{more}): {r.plan.name}", 6)
        header(ws, row + 1, ["Stage", "Time", "Spot", "Lower breakeven", "Upper breakeven",
                             "Legs (units, strike, right, expiry, implied vol)"])
        top = row + 1  # the curves sit right of the stage table, from column I
        row += 2
        for st in pay.stages:
            put(ws, row, 1, st.label)
            put(ws, row, 2, st.ts, "yyyy-mm-dd hh:mm")
            put(ws, row, 3, st.spot, "#,##0.00")
            lower = [b for b in st.breakevens if b <= st.spot]
            upper = [b for b in st.breakevens if b > st.spot]
            put(ws, row, 4, max(lower) if lower else "none", "#,##0.00")
            put(ws, row, 5, min(upper) if upper else "none", "#,##0.00")
            put(ws, row, 6, legs_label(st.legs))
            row += 1
        chart_row = row + 1
        names = [f"{kind}: {st.label}" for st in pay.stages for kind in ("expiry", "T+0")]
        header(ws, top, ["Spot", *(f"P&L {n}" for n in names)], CURVE_COL)
        first = top + 1
        for i, s in enumerate(pay.spots):
            put(ws, first + i, CURVE_COL, float(s), "#,##0")
            for j, st in enumerate(pay.stages):
                put(ws, first + i, CURVE_COL + 1 + 2 * j, float(st.expiry_inr[i]), INR_FMT)
                put(ws, first + i, CURVE_COL + 2 + 2 * j, float(st.t0_inr[i]), INR_FMT)
        last = first + pay.spots.size - 1
        grid = Block("", first, last)
        # breakevens: (spot, 0) points per stage, beside the curves
        be_col = CURVE_COL + 2 + 2 * len(pay.stages) + 1
        header(ws, top, ["Breakevens of", "spot", "P&L"], be_col)
        marks = []
        b_row = first
        for st in pay.stages:
            if not st.breakevens:
                continue
            for be in st.breakevens:
                put(ws, b_row, be_col, st.label)
                put(ws, b_row, be_col + 1, be, "#,##0.00")
                put(ws, b_row, be_col + 2, 0.0, "0")
                b_row += 1
            marks.append((f"breakevens: {st.label}", be_col + 2,
                          Block("", b_row - len(st.breakevens), b_row - 1)))
        values = [float(v) for st in pay.stages for v in (*st.expiry_inr, *st.t0_inr)]
        chart = line_chart(ws, f"Payoff of trade {t.trade_id}: {r.plan.name}", "P&L (INR)",
                           CURVE_COL, [(n, CURVE_COL + 1 + k, grid) for k, n in enumerate(names)],
                           values, [float(pay.spots[0]), float(pay.spots[-1])],
                           date_format="#,##0", markers=marks)
        chart.x_axis.title = "index at expiry / now"
        chart.height, chart.width = 11, 26
        ws.add_chart(chart, f"A{chart_row}")
        row = max(last, chart_row + 24) + 3
    if row == 1:
        put(ws, 1, 1, "no trade with fills to draw")
    for col, width in enumerate((20, 17, 11, 17, 17, 80, 2, 2), start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    for col in range(CURVE_COL, CURVE_COL + 2 * MAX_STAGES + 5):
        ws.column_dimensions[get_column_letter(col)].width = 15
