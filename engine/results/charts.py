"""Native Excel charts of the results workbook (results stage).

Every series refers to one strategy's (or one trade's) rows, which the tables keep together and
in time order, so a line never jumps from one strategy's December back to another's February.
Axes are scaled to the data they show (a 5% margin around its range), never from zero: a
breakeven band around 22,000 is drawn as a band, not as a flat line on a 0 to 35,000 axis.
Dates are Excel serial numbers on scatter charts, shown with a date format.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl.chart import BarChart, Reference, ScatterChart, Series
from openpyxl.chart.axis import NumericAxis
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.worksheet import Worksheet

MARGIN = 0.05


@dataclass(frozen=True)
class Block:
    """Rows ``first..last`` (1-based, inclusive) of one strategy or trade in a table."""

    title: str
    first: int
    last: int


def blocks(keys: Sequence[object], titles: dict[object, str], header_rows: int = 1) -> list[Block]:
    """Contiguous runs of equal ``keys`` (the table's rows below its header) as blocks."""
    out: list[Block] = []
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            out.append(Block(titles.get(keys[start], str(keys[start])), start + header_rows + 1,
                             i + header_rows))
            start = i
    return out


def bounds(values: Sequence[float | None]) -> tuple[float, float] | None:
    """(min, max) for an axis: the finite values' range with a 5% margin, widened to round
    numbers (a step of 1, 2 or 5 x 10^n, about five steps); None when there is no value."""
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    if not finite:
        return None
    lo, hi = min(finite), max(finite)
    pad = (hi - lo) * MARGIN or max(abs(hi) * MARGIN, 1.0)
    lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / 5
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    return math.floor(lo / step) * step, math.ceil(hi / step) * step


def _scale(axis: NumericAxis, span: tuple[float, float] | None) -> None:
    axis.delete = False
    if span is not None:
        axis.scaling.min, axis.scaling.max = span


def _serial(v: object) -> float | None:
    """A date as its Excel serial number; a number as itself."""
    if isinstance(v, dt.datetime | dt.date):
        return float(to_excel(v))
    if isinstance(v, int | float) and math.isfinite(v):
        return float(v)
    return None


def line_chart(ws: Worksheet, title: str, y_title: str, x_col: int,
               series: Sequence[tuple[str, int, Block]], values: Sequence[float | None],
               dates: Sequence[object], date_format: str = "mmm-yy",
               markers: Sequence[tuple[str, int, Block]] = ()) -> ScatterChart:
    """A scatter chart with lines, one series per (title, y column, rows); x (dates) and y axes
    scaled to the data (``values`` and ``dates``: the cells the series refer to; ``dates`` may
    be numbers, with ``date_format`` a number format). ``markers``: point-only series whose x
    values are the column left of their y column."""
    chart = ScatterChart()
    chart.title = title
    chart.style = 12
    chart.y_axis.title = y_title
    for name, y_col, part in series:
        ys = Reference(ws, min_col=y_col, min_row=part.first, max_row=part.last)
        xs = Reference(ws, min_col=x_col, min_row=part.first, max_row=part.last)
        line = Series(ys, xs, title=name)
        line.marker.symbol = "none"
        line.smooth = False
        chart.series.append(line)
    for name, y_col, part in markers:  # points only (breakevens)
        ys = Reference(ws, min_col=y_col, min_row=part.first, max_row=part.last)
        xs = Reference(ws, min_col=y_col - 1, min_row=part.first, max_row=part.last)
        dots = Series(ys, xs, title=name)
        dots.marker.symbol = "diamond"
        dots.marker.size = 9
        dots.marker.graphicalProperties = GraphicalProperties(solidFill="000000")
        dots.marker.graphicalProperties.line.solidFill = "000000"
        dots.graphicalProperties.line.noFill = True
        chart.series.append(dots)
    _scale(chart.y_axis, bounds(values))
    chart.y_axis.number_format = "#,##0"
    chart.x_axis.crosses = "min"  # dates along the bottom, also when values are below zero
    serials = [s for s in (_serial(d) for d in dates) if s is not None]  # dates or numbers
    numeric = all(isinstance(d, int | float) for d in dates)  # a spot range: round bounds
    _scale(chart.x_axis, bounds(serials) if numeric else
           (min(serials), max(serials)) if serials else None)
    chart.x_axis.number_format = date_format
    chart.x_axis.axPos = "b"
    chart.x_axis.majorTickMark = "out"
    chart.height, chart.width = 9, 24
    return chart


def bar_chart(ws: Worksheet, title: str, y_title: str, cat_col: int, val_col: int,
              part: Block) -> BarChart:
    """A column chart of one block (P&L per trade, a distribution)."""
    chart = BarChart()
    chart.type = "col"
    chart.title = title
    chart.y_axis.title = y_title
    chart.legend = None
    data = Reference(ws, min_col=val_col, min_row=part.first, max_row=part.last)
    chart.add_data(data, titles_from_data=False)
    chart.set_categories(Reference(ws, min_col=cat_col, min_row=part.first, max_row=part.last))
    _scale(chart.y_axis, None)  # bars grow from zero: the automatic scale keeps it
    chart.y_axis.number_format = "#,##0"
    chart.x_axis.delete = False
    chart.x_axis.tickLblPos = "low"  # labels under the bars, also below zero
    chart.gapWidth = 30
    chart.height, chart.width = 8, 24
    return chart
