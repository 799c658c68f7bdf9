"""The BT_Attribution and BT_Portfolio sheets (analytics stage): tables with number formats and
native charts, laid out on one sheet each.

Input: :class:`engine.analytics.attribution.Attribution` per strategy and a
:class:`engine.analytics.portfolio.Portfolio`; the sheet is created and the workbook saved
atomically by :func:`engine.results.excel.write_sheet_writers`. Text cells that may hold user
input (strategy names) are written as text, never as formulas (``engine.results.sheets.put``).
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from engine.analytics.attribution import NA, Attribution, Bucket
from engine.analytics.portfolio import Portfolio, bars_table, correlation_table
from engine.results.charts import Block, bar_chart, line_chart
from engine.results.sheets import _title, header, put

INR = "#,##0;[Red]-#,##0"
PCT = "0%"
RATIO = "0.00"
STAMP = "yyyy-mm-dd hh:mm"


def _printable(ws: Worksheet) -> None:
    """Landscape, one page wide (the charts print beside their tables)."""
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0


def _buckets(ws: Worksheet, row: int, title: str, first: str,
             buckets: Sequence[Bucket]) -> tuple[int, Block]:
    """A block of buckets under a title; returns the next free row and the rows a chart shows
    (every bucket but a trailing ``n/a``)."""
    _title(ws, row, title, 5)
    header(ws, row + 1, [first, "trades", "net_pnl_inr", "mean_pnl_inr", "win_rate"])
    top = row + 2
    for i, b in enumerate(buckets):
        r = top + i
        put(ws, r, 1, b.label)
        put(ws, r, 2, b.trades, "0")
        put(ws, r, 3, b.pnl_inr, INR)
        put(ws, r, 4, b.mean_inr, INR)
        put(ws, r, 5, b.win_rate, PCT)
    last = top + max(len(buckets), 1) - 1
    shown = len(buckets) - (1 if buckets and buckets[-1].label == NA else 0)
    return last + 2, Block(title, top, top + max(shown, 1) - 1)


def _na(ws: Worksheet, row: int, col: int, value: float | None, fmt: str) -> None:
    """A number, or ``n/a`` aligned where the number would be."""
    put(ws, row, col, value if value is not None else NA, fmt)
    if value is None:
        ws.cell(row=row, column=col).alignment = Alignment(horizontal="right")


CHART_ROWS = 17  # rows a bar chart beside the tables takes, with a gap


def _strategy(ws: Worksheet, row: int, a: Attribution) -> int:
    total = sum(e.pnl_inr for e in a.conditions)
    _title(ws, row, f"Attribution: {a.strategy} ({len(a.conditions)} trades, net P&L "
                      f"{total:,.0f} INR)", 5)
    row += 2
    if not a.conditions:
        put(ws, row, 1, "no trade in this run: nothing to attribute")
        ws.cell(row=row, column=1).font = Font(italic=True)
        return row + 2
    charts: list[tuple[str, int, Block]] = []  # title, value column, rows
    for title, first, buckets, chart in (
            ("P&L by volatility regime at entry", "regime", a.by_regime, "net P&L by regime"),
            ("P&L by term structure at entry", "term_structure", a.by_term, ""),
            ("P&L by IVP quintile at entry", "ivp_quintile", a.by_ivp, ""),
            ("P&L by IVR quintile at entry", "ivr_quintile", a.by_ivr, ""),
            ("P&L by entry weekday", "weekday", a.by_weekday, ""),
            ("P&L by adjustment type", "adjustments", a.by_adjustment, ""),
            ("Entry timing: outcome by IVP decile", "ivp_decile", a.ivp_deciles,
             "mean P&L per trade by IVP decile"),
            ("Entry timing: outcome by IVR decile", "ivr_decile", a.ivr_deciles, "")):
        row, block = _buckets(ws, row, title, first, buckets)
        if chart:
            charts.append((chart, 4 if first == "ivp_decile" else 3, block))
    put(ws, row, 1, "IVP-P&L Spearman rank correlation")
    _na(ws, row, 2, a.ivp_spearman, RATIO)
    put(ws, row, 3, "p-value")
    ws.cell(row=row, column=3).alignment = Alignment(horizontal="right")
    _na(ws, row, 4, a.ivp_spearman_p, "0.000")
    row += 2
    _title(ws, row, "Breakeven success by regime (entry band)", 5)
    header(ws, row + 1, ["regime", "trades_with_band", "stayed_inside", "ended_inside"])
    row += 2
    for regime, n, stayed, ended in a.breakeven:
        put(ws, row, 1, regime)
        put(ws, row, 2, n, "0")
        _na(ws, row, 3, stayed, PCT)
        _na(ws, row, 4, ended, PCT)
        row += 1
    free = 0  # the first row below the previous chart
    for title, val_col, block in charts:
        chart = bar_chart(ws, f"{a.strategy}: {title}", "INR", 1, val_col, block)
        chart.width, chart.height = 16, 7.5
        at = max(block.first - 2, free)
        ws.add_chart(chart, f"G{at}")
        free = at + CHART_ROWS
    return max(row, free) + 2


def write_attribution(ws: Worksheet, items: Sequence[Attribution]) -> None:
    """BT_Attribution: per strategy, its breakdowns one under another, bar charts beside."""
    row = 1
    for a in items:
        row = _strategy(ws, row, a)
    labels = [b.label for a in items for b in a.by_adjustment]  # the longest labels
    ws.column_dimensions["A"].width = min(60, max(34, *(len(lab) + 2 for lab in labels or [""])))
    for col in range(2, 6):
        ws.column_dimensions[get_column_letter(col)].width = 17
    _printable(ws)


def write_portfolio(ws: Worksheet, p: Portfolio) -> None:
    """BT_Portfolio: a summary, the correlation table, then the per-bar table; the combined
    equity chart to the right."""
    bars = p.bars
    last = float(bars["equity_inr"].iloc[-1]) if len(bars) else p.capital_inr
    _title(ws, 1, f"Portfolio: {' + '.join(p.names)}", 8)
    summary: list[tuple[str, object, str | None]] = [
        ("strategies", len(p.names), "0"),
        ("capital_inr (sum)", p.capital_inr, INR),
        ("final_equity_inr", last, INR),
        ("net_pnl_inr", last - p.capital_inr, INR),
        ("max_drawdown_inr", p.max_drawdown_inr, INR),
        ("peak_margin_inr", float(bars["margin_inr"].max()) if len(bars) else 0.0, INR),
        ("bars", len(bars), "0"),
        ("days", len(p.daily), "0"),
    ]
    for i, (label, value, fmt) in enumerate(summary, start=2):
        put(ws, i, 1, label)
        put(ws, i, 2, value, fmt)
    row = len(summary) + 3
    _title(ws, row, "Correlation of daily net P&L", 8)
    put(ws, row + 1, 1, p.correlation_note)
    ws.cell(row=row + 1, column=1).font = Font(italic=True)
    headers, rows = correlation_table(p)
    header(ws, row + 2, headers)
    row += 3
    for r in rows:
        put(ws, row, 1, r[0])
        for col, v in enumerate(r[1:], start=2):
            put(ws, row, col, v if v is not None else "n/a", RATIO)
        row += 1
    row += 1
    _title(ws, row, "Per bar: combined equity, drawdown, margin and greeks", 8)
    headers, rows = bars_table(p)
    header(ws, row + 1, headers)
    top = row + 2
    fmts = [STAMP, INR, INR, INR, "0.0000", "0.0000", INR, INR, *(INR for _ in p.names)]
    for i, r in enumerate(rows):
        for col, (v, fmt) in enumerate(zip(r, fmts, strict=True), start=1):
            put(ws, top + i, col, v, fmt)
    longest = max(len(n) for n in p.names)
    ws.column_dimensions["A"].width = min(40, max(20, longest + 2))
    for col in range(2, len(headers) + 1):
        wide = len(str(headers[col - 1])) + 2
        if col <= len(p.names) + 1:  # also a column of the correlation table
            wide = max(wide, longest + 2)
        ws.column_dimensions[get_column_letter(col)].width = min(40, max(14, wide))
    ws.freeze_panes = ws.cell(row=top, column=2)
    _printable(ws)
    if len(rows) >= 2:
        block = Block("combined equity", top, top + len(rows) - 1)
        chart = line_chart(ws, "Combined equity (INR)", "INR", 1,
                           [("combined equity", 2, block)], [r[1] for r in rows],
                           [r[0] for r in rows], date_format="dd-mmm-yy")
        chart.legend = None
        ws.add_chart(chart, f"{get_column_letter(len(headers) + 2)}2")
