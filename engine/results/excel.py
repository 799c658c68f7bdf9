"""Results workbook (results stage): the BT_* sheets, written with openpyxl, atomically.

The user's workbook is never modified in place by default: the output is a new workbook holding
a copy of the input's config sheets plus the BT_* sheets, written to a temporary file in the
target folder and renamed over the target only when complete. Sheets whose names start with
``BT_`` belong to posbt and are replaced on each run; no other sheet is touched.

Every text cell of a BT_* sheet (strategy names, reasons, messages) is a text cell, never a
formula (:mod:`engine.workbook.text`). An ``.xlsm`` input keeps its VBA project only in an
``.xlsm`` result; an ``.xlsx`` result has none, so its content type matches its extension.
A results workbook carries the custom document property ``posbt=results``: an existing
``--out`` without it is someone's own workbook and is not overwritten unless the caller says
replace (:func:`check_out_path`).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from engine.errors import DiskFullError, PosbtError, disk_message, is_disk_full
from engine.results.result import BacktestResult
from engine.results.tables import (
    Table,
    adjustments_table,
    breakevens_table,
    equity_table,
    fills_table,
    greeks_table,
    log_table,
    summary_table,
    trades_table,
    transitions_table,
)
from engine.workbook.text import formula_like

RESULT_PREFIX = "BT_"
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
MAX_SERIES_ROWS = 200_000  # Excel holds 1,048,576 rows; keep sheets usable


def _append_text_safe(ws: Worksheet, values: Sequence[Any]) -> None:
    """``ws.append`` with formula-like text stored as text cells."""
    ws.append(values)
    risky = [col for col, v in enumerate(values, start=1) if formula_like(v)]
    if risky:
        # the row append just wrote (``ws.max_row`` scans every cell: quadratic on big sheets)
        row = ws._current_row
        for col in risky:
            ws.cell(row=row, column=col).data_type = "s"


def _write_table(ws: Worksheet, table: Table) -> None:
    headers, rows = table
    _append_text_safe(ws, [_cell(h) for h in headers])
    for cell in ws[1]:
        cell.fill = _HEADER_FILL
        cell.font = _HEADER_FONT
    for row in rows:
        _append_text_safe(ws, [_cell(v) for v in row])
    ws.freeze_panes = "A2"
    for i, h in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, min(28, len(str(h)) + 4))
    for i, h in enumerate(headers, start=1):
        fmt = _number_format(str(h))
        if fmt:
            for col in ws.iter_cols(min_col=i, max_col=i, min_row=2, max_row=ws.max_row):
                for c in col:
                    c.number_format = fmt


_FRACTION_METRICS = {"return_on_capital", "return_on_margin", "cagr", "max_drawdown_frac",
                     "win_rate"}
_RATIO_METRICS = {"sharpe", "sortino", "profit_factor", "avg_hold_days", "adjustments_per_trade"}


def _format_summary(ws: Worksheet) -> None:
    """Metric names readable, rupees with separators, fractions as percentages."""
    ws.column_dimensions["A"].width = 24
    for col in range(2, ws.max_column + 1):
        ws.column_dimensions[get_column_letter(col)].width = 30
    for row in ws.iter_rows(min_row=2):
        metric = str(row[0].value)
        fmt = ("#,##0" if metric.endswith("_inr") else "0.00%" if metric in _FRACTION_METRICS
               else "0.00" if metric in _RATIO_METRICS else None)
        for cell in row[1:]:
            if fmt and isinstance(cell.value, int | float):
                cell.number_format = fmt


def _number_format(header: str) -> str | None:
    if header.endswith("_inr"):
        return "#,##0.00"
    if header.endswith("_pts"):
        return "0.00"
    if header in ("ts", "entry_ts", "exit_ts"):
        return "yyyy-mm-dd hh:mm"
    if header in ("date", "expiry"):
        return "yyyy-mm-dd"
    return None


def _cell(v: Any) -> Any:
    if isinstance(v, dt.datetime | dt.date | int | float | str) or v is None:
        return v
    return str(v)


def _equity_chart(ws: Worksheet, n_rows: int) -> None:
    if n_rows < 2:
        return
    chart = LineChart()
    chart.title = "Equity (INR)"
    chart.y_axis.title = "INR"
    chart.x_axis.title = "date"
    chart.add_data(Reference(ws, min_col=3, min_row=1, max_row=n_rows + 1), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, min_row=2, max_row=n_rows + 1))
    chart.height, chart.width = 9, 22
    ws.add_chart(chart, "F2")
    dd = LineChart()
    dd.title = "Drawdown (INR)"
    dd.add_data(Reference(ws, min_col=4, min_row=1, max_row=n_rows + 1), titles_from_data=True)
    dd.set_categories(Reference(ws, min_col=2, min_row=2, max_row=n_rows + 1))
    dd.height, dd.width = 7, 22
    ws.add_chart(dd, "F22")


def _band_chart(ws: Worksheet, n_rows: int) -> None:
    if n_rows < 2:
        return
    chart = LineChart()
    chart.title = "Spot and breakeven band"
    chart.y_axis.title = "index points"
    for col in (4, 5, 6):
        chart.add_data(Reference(ws, min_col=col, min_row=1, max_row=n_rows + 1),
                       titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=3, min_row=2, max_row=n_rows + 1))
    chart.height, chart.width = 10, 24
    ws.add_chart(chart, "H2")


def _result_sheets(results: Sequence[BacktestResult]) -> list[tuple[str, Table]]:
    greeks = greeks_table(results)
    n = len(greeks[1])
    if n > MAX_SERIES_ROWS:
        greeks = greeks_table(results, every_n=-(-n // MAX_SERIES_ROWS))
    bes = breakevens_table(results)
    if len(bes[1]) > MAX_SERIES_ROWS:
        bes = breakevens_table(results, every_n=-(-len(bes[1]) // MAX_SERIES_ROWS))
    return [("BT_Summary", summary_table(results)), ("BT_Trades", trades_table(results)),
            ("BT_Adjustments", adjustments_table(results)), ("BT_Fills", fills_table(results)),
            ("BT_Log", transitions_table(results)), ("BT_RunLog", log_table(results)),
            ("BT_Greeks", greeks),
            ("BT_Breakevens", bes), ("BT_Equity", equity_table(results))]


RESULTS_PROPERTY = "posbt"
RESULTS_MARK = "results"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def is_results_workbook(path: Path) -> bool:
    """True when ``path`` is a workbook posbt wrote as results (custom property
    ``posbt=results``); False for anything else, readable or not."""
    try:
        wb = load_workbook(path, read_only=True)
    except Exception:
        return False
    try:
        return any(p.name == RESULTS_PROPERTY and str(p.value) == RESULTS_MARK
                   for p in wb.custom_doc_props)
    finally:
        wb.close()


def check_out_path(out_path: Path, source_workbook: Path | None = None, *,
                   replace: bool = False, place: str = "--out") -> None:
    """Refuse an output that would destroy user data: the input itself, a suffix that is
    not a workbook's, an ``.xlsm`` result without an ``.xlsm`` input (it would have no VBA
    project to carry), or an existing file that is not a posbt results workbook (unless
    ``replace``). Called before a backtest runs, so nothing is computed in vain."""
    out_path = Path(out_path)
    suffix = out_path.suffix.lower()
    if suffix not in WORKBOOK_SUFFIXES:
        raise PosbtError(f"the results file must end in .xlsx (or .xlsm for an .xlsm input), "
                         f"got {out_path.name}", place=place)
    if source_workbook is not None and source_workbook.resolve() == out_path.resolve():
        raise PosbtError("the results workbook would overwrite the input; choose another --out",
                         place=str(out_path))
    if suffix == ".xlsm" and (source_workbook is None
                              or source_workbook.suffix.lower() != ".xlsm"):
        raise PosbtError("an .xlsm result needs an .xlsm input (its macros are carried over); "
                         "name the results file .xlsx", place=place)
    if out_path.is_dir():
        raise PosbtError(f"{out_path} is a folder; name a results file", place=place)
    if out_path.exists() and not replace and not is_results_workbook(out_path):
        raise PosbtError(f"{out_path} exists and is not a posbt results workbook; posbt will "
                         "not overwrite it: choose another file, or say replace "
                         "(`posbt run --replace`, or \"replace\": true in a server request)",
                         place=place)


def _mark_results(wb: Workbook) -> None:
    props = wb.custom_doc_props
    for prop in list(props):
        if prop.name == RESULTS_PROPERTY:
            props.props.remove(prop)
    from openpyxl.packaging.custom import StringProperty

    props.append(StringProperty(name=RESULTS_PROPERTY, value=RESULTS_MARK))


def write_results(results: Sequence[BacktestResult], out_path: Path,
                  source_workbook: Path | None = None, *, mark: bool = True) -> Path:
    """Write the BT_* sheets to ``out_path`` (a copy of ``source_workbook`` when given).

    The VBA project of an ``.xlsm`` source is kept only when ``out_path`` is ``.xlsm``
    too; ``mark`` sets the ``posbt=results`` property (False for a workbook written in
    place, which stays the user's own)."""
    out_path = Path(out_path)
    if source_workbook is not None and source_workbook.resolve() == out_path.resolve():
        raise PosbtError("the results workbook would overwrite the input; choose another --out",
                         place=str(out_path))
    if source_workbook is not None and source_workbook.suffix.lower() in WORKBOOK_SUFFIXES:
        keep_vba = (source_workbook.suffix.lower() == ".xlsm"
                    and out_path.suffix.lower() == ".xlsm")
        wb = load_workbook(source_workbook, keep_vba=keep_vba)
        if not keep_vba:
            wb.vba_archive = None  # an .xlsx has no VBA project and the plain content type
        for name in [n for n in wb.sheetnames if n.startswith(RESULT_PREFIX)]:
            del wb[name]
    else:
        wb = Workbook()
        default = wb.active
        if default is not None:
            wb.remove(default)
    if mark:
        _mark_results(wb)
    for name, table in _result_sheets(results):
        ws = wb.create_sheet(name)
        _write_table(ws, table)
        if name == "BT_Summary":
            _format_summary(ws)
        if name == "BT_Equity":
            _equity_chart(ws, len(table[1]))
        if name == "BT_Breakevens":
            _band_chart(ws, len(table[1]))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".posbt-", suffix=out_path.suffix, dir=out_path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, out_path)
    except OSError as exc:
        error = DiskFullError if is_disk_full(exc) else PosbtError
        raise error(disk_message(exc, "writing the results workbook"),
                    place=str(out_path)) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out_path


def write_in_place(results: Sequence[BacktestResult], workbook: Path) -> Path:
    """Add the BT_* sheets to ``workbook`` itself, after copying it to ``<name>.bak<suffix>``."""
    backup = workbook.with_name(f"{workbook.stem}.bak{workbook.suffix}")
    shutil.copy2(workbook, backup)
    tmp_out = workbook.with_name(f".{workbook.stem}.posbt-out{workbook.suffix}")
    write_results(results, tmp_out, source_workbook=backup, mark=False)
    os.replace(tmp_out, workbook)
    return backup


def write_sheets(sheets: Sequence[tuple[str, Table]], out_path: Path,
                 source_workbook: Path | None = None) -> Path:
    """Write named BT_* tables (analytics sheets such as BT_Sweep) to ``out_path``, atomically,
    as :func:`write_results` does: a copy of the source workbook's other sheets (``BT_*`` sheets
    dropped), text cells guarded, the ``posbt=results`` mark set."""
    out_path = Path(out_path)
    if source_workbook is not None and source_workbook.resolve() == out_path.resolve():
        raise PosbtError("the results workbook would overwrite the input; choose another --out",
                         place=str(out_path))
    if source_workbook is not None and source_workbook.suffix.lower() in WORKBOOK_SUFFIXES:
        keep_vba = (source_workbook.suffix.lower() == ".xlsm"
                    and out_path.suffix.lower() == ".xlsm")
        wb = load_workbook(source_workbook, keep_vba=keep_vba)
        if not keep_vba:
            wb.vba_archive = None
        for name in [n for n in wb.sheetnames if n.startswith(RESULT_PREFIX)]:
            del wb[name]
    else:
        wb = Workbook()
        default = wb.active
        if default is not None:
            wb.remove(default)
    _mark_results(wb)
    for name, table in sheets:
        if not name.startswith(RESULT_PREFIX):  # pragma: no cover - a wiring mistake
            raise ValueError(f"sheet {name} is not a BT_* sheet")
        _write_table(wb.create_sheet(name), table)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".posbt-", suffix=out_path.suffix, dir=out_path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, out_path)
    except OSError as exc:
        error = DiskFullError if is_disk_full(exc) else PosbtError
        raise error(disk_message(exc, "writing the results workbook"),
                    place=str(out_path)) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out_path
