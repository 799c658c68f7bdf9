"""BT_Sensitivity and BT_WalkForward (analytics stage): the sheet layouts, written with openpyxl.

BT_Sensitivity, from the top: a title naming the metric and the best variant; the stability
block (best metric, neighbours, their mean, the relative drop and its label); one table per
parameter (its one-parameter curve); one block per parameter pair (the interaction grid, with
a red-yellow-green colour scale over its cells and the best cell bold and boxed); the regime
table. BT_WalkForward: one row per window at A1, the stitched out-of-sample equity table to
its right, and a native line chart of that equity (one series, dates in order).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from engine.analytics.sensitivity import NO_REGIME_VALUE, SensitivityMetric, SensitivityReport
from engine.analytics.walkforward import WalkForward
from engine.results.charts import Block, line_chart
from engine.workbook.text import formula_like

HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=12)
SUBTITLE_FONT = Font(bold=True, color="1F4E78")
BEST_FONT = Font(bold=True)
THICK = Side(style="thick", color="000000")
BEST_BORDER = Border(left=THICK, right=THICK, top=THICK, bottom=THICK)
# Excel's own 3-colour scale: lowest red, median yellow, highest green
SCALE = {"start_type": "min", "start_color": "F8696B", "mid_type": "percentile",
         "mid_value": 50, "mid_color": "FFEB84", "end_type": "max", "end_color": "63BE7B"}
# the drawdown: lower is better, so the highest is red
REVERSED_SCALE = {**SCALE, "start_color": SCALE["end_color"], "end_color": SCALE["start_color"]}
INR_FORMAT = "#,##0;[Red]-#,##0"
RATIO_FORMAT = "0.00;[Red]-0.00"
PCT_FORMAT = "0.0%"
MONTH_DAYS = 30.44


def _put(ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None) -> None:
    cell = ws.cell(row=row, column=col, value=value)
    if formula_like(value):
        cell.data_type = "s"  # text that looks like a formula stays text
    if fmt and isinstance(value, int | float) and not isinstance(value, bool):
        cell.number_format = fmt


def _header(ws: Worksheet, row: int, col: int, values: Sequence[Any]) -> None:
    for k, v in enumerate(values):
        _put(ws, row, col + k, v)
        c = ws.cell(row=row, column=col + k)
        c.fill, c.font = HEADER_FILL, HEADER_FONT


def metric_format(metric: str) -> str:
    """The number format of a metric's values."""
    if metric.endswith("_inr"):
        return INR_FORMAT
    if metric == "win_rate":
        return PCT_FORMAT
    return RATIO_FORMAT


def _show(v: Any) -> str:
    """A parameter value as typed: 200.0 as 200, 0.5 as 0.5."""
    return f"{v:g}" if isinstance(v, float) else str(v)


def _values_text(names: Sequence[str], values: Sequence[Any]) -> str:
    return ", ".join(f"{n}={_show(v)}" for n, v in zip(names, values, strict=True))


def write_note(ws: Worksheet, text: str) -> None:
    """A sheet of one line saying why it has nothing else."""
    _put(ws, 1, 1, text)
    ws.cell(row=1, column=1).font = Font(italic=True)
    ws.column_dimensions["A"].width = 90


def _regime_metric_note(metric: SensitivityMetric) -> str:
    """How the regime table's metric column is measured."""
    if metric in NO_REGIME_VALUE:
        return (f"{metric.value} has no value per regime (its CAGR needs a time axis, which "
                "the trades of one regime do not have): its column is empty")
    return (f"{metric.value} over each variant's trades entered in the regime, in exit order, "
            "one trade as one step (Sharpe and Sortino per trade, not annualised; the "
            "drawdown of the cumulative trade P&L); empty: no variant has a value, or it is "
            "unbounded (no loss)")


def write_sensitivity(ws: Worksheet, report: SensitivityReport) -> None:
    """Lay out BT_Sensitivity on the empty sheet ``ws``."""
    grid, st = report.grid, report.stability
    metric = grid.metric.value
    fmt = metric_format(metric)
    best = grid.best
    _put(ws, 1, 1, f"Sensitivity of {metric} "
                   f"({'higher' if grid.metric.higher_is_better else 'lower'} is better)")
    ws.cell(row=1, column=1).font = TITLE_FONT
    _put(ws, 2, 1, f"best variant {best.index}: {_values_text(grid.names, best.values)}; "
                   f"{len(grid.points)} finished variants")
    row = 4
    _header(ws, row, 1, ["stability", "value", "note"])
    lines: list[tuple[str, Any, str | None, str]] = [
        ("best_metric", best.metric, fmt, f"{metric} of variant {best.index}"),
        ("neighbours", len(st.neighbours), "0",
         "finished variants one step from the best in one parameter: "
         + (", ".join(f"{p.index}" for p in st.neighbours) or "none")),
        ("neighbour_mean", st.neighbour_mean, fmt, f"mean {metric} of the neighbours"),
        ("drop", st.drop, PCT_FORMAT, "(best - neighbour mean) / |best|"
         + ("" if grid.metric.higher_is_better else ", negated: a deeper drawdown is a drop")),
        ("worst_drop", st.worst_drop, PCT_FORMAT, "(best - worst neighbour) / |best|"),
        ("label", st.label, None, "plateau: drop <= 20%; slope: 20-50%; spike: > 50% "
                                  "(a spike is likely luck)"),
    ]
    for name, value, f, note in lines:
        row += 1
        _put(ws, row, 1, name)
        _put(ws, row, 2, value, f)
        _put(ws, row, 3, note)
    ws.cell(row=row, column=2).font = BEST_FONT
    row += 2
    for name, points in report.curves:
        _put(ws, row, 1, f"{metric} against {name}")
        ws.cell(row=row, column=1).font = SUBTITLE_FONT
        row += 1
        _header(ws, row, 1, [name, "at_best", "mean", "variants"])
        for p in points:
            row += 1
            _put(ws, row, 1, p.value)
            _put(ws, row, 2, p.at_best, fmt)
            _put(ws, row, 3, p.mean, fmt)
            _put(ws, row, 4, p.variants, "0")
            if p.value == best.values[grid.names.index(name)]:
                ws.cell(row=row, column=2).font = BEST_FONT
        row += 1
        _put(ws, row, 1, "at_best: the other parameters at the best variant's values; "
                         "mean: over every finished variant with this value")
        ws.cell(row=row, column=1).font = Font(italic=True, color="595959")
        row += 2
    for g in report.grids:
        fixed = f"; others at best: {_values_text(*zip(*g.fixed, strict=True))}" \
            if g.fixed else ""
        _put(ws, row, 1, f"{metric}: rows {g.row_param}, columns {g.col_param}{fixed}")
        ws.cell(row=row, column=1).font = SUBTITLE_FONT
        row += 1
        _header(ws, row, 1, [f"{g.row_param} \\ {g.col_param}", *g.col_values])
        top = row + 1
        for r, (v, cells) in enumerate(zip(g.row_values, g.cells, strict=True)):
            row += 1
            _put(ws, row, 1, v)
            ws.cell(row=row, column=1).font = BEST_FONT
            for c, x in enumerate(cells):  # no red font: the colour scale shows the sign
                _put(ws, row, 2 + c, x, fmt.split(";")[0])
                if (r, c) == g.best_cell:
                    cell = ws.cell(row=row, column=2 + c)
                    cell.font, cell.border = BEST_FONT, BEST_BORDER
        cells_ref = f"B{top}:{get_column_letter(1 + len(g.col_values))}{row}"
        ws.conditional_formatting.add(cells_ref, ColorScaleRule(
            **(SCALE if grid.metric.higher_is_better else REVERSED_SCALE)))
        row += 1
        _put(ws, row, 1, f"colour: red {'lowest' if grid.metric.higher_is_better else 'highest'}"
                         ", yellow median, green best; bold boxed: the best variant; empty: "
                         "that variant did not run")
        ws.cell(row=row, column=1).font = Font(italic=True, color="595959")
        row += 2
    if report.regimes:
        extra = grid.metric is not SensitivityMetric.NET_PNL
        _put(ws, row, 1, (f"net P&L and {metric}" if extra else "net P&L")
             + " by volatility regime at entry, per value (mean over the variants with that "
               "value)")
        ws.cell(row=row, column=1).font = SUBTITLE_FONT
        row += 1
        if extra:
            _put(ws, row, 1, _regime_metric_note(grid.metric))
            ws.cell(row=row, column=1).font = Font(italic=True, color="595959")
            row += 1
        _header(ws, row, 1, ["parameter", "value", "entry_regime", "variants", "mean_trades",
                             "mean_pnl_inr", "win_rate",
                             *([f"mean_{metric}", "metric_variants"] if extra else [])])
        for cell in report.regimes:
            row += 1
            values: list[tuple[Any, str | None]] = [
                (cell.param, None), (cell.value, None), (cell.regime, None),
                (cell.variants, "0"), (cell.mean_trades, "0.0"),
                (cell.mean_pnl_inr, INR_FORMAT), (cell.win_rate, PCT_FORMAT)]
            if extra:
                values += [(cell.metric, fmt), (cell.metric_variants, "0")]
            for k, (v, f) in enumerate(values, start=1):
                _put(ws, row, k, v, f)
    corner = max((len(g.row_param) + len(g.col_param) + 5 for g in report.grids), default=0)
    ws.column_dimensions["A"].width = max(26, corner)
    widest = max([len(g.col_values) for g in report.grids] + [6])
    for k in range(2, 2 + widest):
        ws.column_dimensions[get_column_letter(k)].width = 13
    ws.column_dimensions["C"].width = 16


def write_walkforward(ws: Worksheet, wf: WalkForward, names: Sequence[str],
                      values_of: Mapping[int, Sequence[Any]]) -> None:
    """Lay out BT_WalkForward on the empty sheet ``ws``: the windows, the stitched equity
    and its chart. ``values_of`` maps a variant number to its parameter values."""
    fmt = metric_format(wf.metric)
    heads = ["window", "is_start", "is_end", "oos_start", "oos_end", "partial",
             "chosen_variant", *names, f"is_{wf.metric}", "is_days", "oos_pnl_inr",
             "oos_days"]
    _header(ws, 1, 1, heads)
    for r, w in enumerate(wf.windows, start=2):
        cells: list[tuple[Any, str | None]] = [
            (w.number, "0"), (w.is_start, None), (w.is_end, None), (w.oos_start, None),
            (w.oos_end, None), ("yes" if w.partial else "no", None), (w.chosen, "0"),
            *((v, None) for v in values_of.get(w.chosen, [None] * len(names))),
            (w.is_metric if math.isfinite(w.is_metric) else None, fmt), (w.is_days, "0"),
            (w.oos_pnl_inr, INR_FORMAT), (w.oos_days, "0")]
        for c, (v, f) in enumerate(cells, start=1):
            _put(ws, r, c, v, f)
            if c in (2, 3, 4, 5):
                ws.cell(row=r, column=c).number_format = "yyyy-mm-dd"
    total = len(wf.windows) + 3
    _put(ws, total, 1, "stitched out-of-sample P&L (INR)")
    ws.cell(row=total, column=1).font = BEST_FONT
    _put(ws, total, heads.index("oos_pnl_inr") + 1, wf.total_oos_pnl_inr, INR_FORMAT)
    ws.cell(row=total, column=heads.index("oos_pnl_inr") + 1).font = BEST_FONT
    _put(ws, total + 1, 1, f"in sample {wf.spec.in_sample_months} month(s), out of sample "
                           f"{wf.spec.out_sample_months} month(s), rolled by the "
                           f"out-of-sample length; chosen by in-sample {wf.metric} "
                           f"({'lowest' if wf.metric == 'max_drawdown_inr' else 'highest'}; "
                           "an empty value is unbounded, no loss, or undefined)")
    ws.cell(row=total + 1, column=1).font = Font(italic=True, color="595959")
    for c, h in enumerate(heads, start=1):
        ws.column_dimensions[get_column_letter(c)].width = max(11, len(str(h)) + 2)
    ws.column_dimensions["A"].width = 9
    ws.freeze_panes = "A2"
    eq = len(heads) + 2  # the equity table, one empty column to the right of the windows
    _header(ws, 1, eq, ["date", "variant", "oos_pnl_inr", "oos_equity_inr"])
    for r, (d, v, p, e) in enumerate(zip(wf.dates, wf.variant, wf.pnl_inr, wf.equity_inr,
                                         strict=True), start=2):
        _put(ws, r, eq, d)
        ws.cell(row=r, column=eq).number_format = "yyyy-mm-dd"
        _put(ws, r, eq + 1, v, "0")
        _put(ws, r, eq + 2, p, INR_FORMAT)
        _put(ws, r, eq + 3, e, INR_FORMAT)
    for k, width in enumerate((12, 9, 13, 15)):
        ws.column_dimensions[get_column_letter(eq + k)].width = width
    if len(wf.dates) >= 2:
        part = Block("out-of-sample equity", 2, len(wf.dates) + 1)
        chart = line_chart(ws, "Walk-forward: stitched out-of-sample equity (INR)", "INR", eq,
                           [("out-of-sample equity", eq + 3, part)], list(wf.equity_inr),
                           list(wf.dates))
        chart.legend = None
        chart.width = 20
        span_days = (wf.dates[-1] - wf.dates[0]).days
        # a tick every whole number of months, about six along the axis
        chart.x_axis.majorUnit = max(1, round(span_days / MONTH_DAYS / 6)) * MONTH_DAYS
        ws.add_chart(chart, f"A{total + 3}")
