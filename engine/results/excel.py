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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from engine.errors import DiskFullError, PosbtError, disk_message, is_disk_full
from engine.results.charts import blocks, line_chart
from engine.results.result import BacktestResult
from engine.results.sheets import (
    write_monthly,
    write_payoff,
    write_summary,
    write_trade_charts,
)
from engine.results.tables import (
    TRADE_LABELS,
    Table,
    adjustments_table,
    breakevens_table,
    equity_table,
    fills_table,
    greeks_table,
    log_table,
    trades_table,
    transitions_table,
)
from engine.results.xlsx_rows import StreamedRows, save_workbook
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


def _write_table(ws: Worksheet, table: Table, streamed: dict[str, StreamedRows],
                 empty_note: str | None = None, labels: dict[str, str] | None = None) -> None:
    """A table with a header row, a number format on every numeric column and widths that show
    its values (timestamps, legs); no rows: a line saying so under the header. ``labels``: the
    header shown for a column key (formats still follow the key's units).

    The header is an openpyxl row; the data rows go to ``streamed`` (written as text when the
    workbook is saved, :mod:`engine.results.xlsx_rows`: openpyxl's cells cost about 20 us
    each, 18 s for BT_Fills of a 10,000-trade run)."""
    headers, rows = table
    shown = [(labels or {}).get(str(h), h) for h in headers]
    _append_text_safe(ws, [_cell(h) for h in shown])
    for cell in ws[1]:
        cell.fill = _HEADER_FILL
        cell.font = _HEADER_FONT
    if not rows:
        ws.cell(row=2, column=1, value=empty_note or "none in this run")
        ws.cell(row=2, column=1).font = Font(italic=True)
    ws.freeze_panes = "A2"
    sample = rows[: min(len(rows), 200)]
    formats: list[str | None] = []
    for i, h in enumerate(headers, start=1):
        column = [row[i - 1] for row in sample]
        fmt = _number_format(str(h), column)
        formats.append(fmt)
        ws.column_dimensions[get_column_letter(i)].width = _width(str(shown[i - 1]), column, fmt)
    if rows:
        streamed[ws.title] = StreamedRows.of(ws, rows, 2, formats)


def _number_format(header: str, values: Sequence[Any] = ()) -> str | None:
    """The format of a column from its name (units) or, failing that, from its values."""
    if header.endswith("_inr"):
        return "#,##0.00;[Red]-#,##0.00"
    if header.endswith(("_pts", "spot", "strike")) or header.startswith("be_"):
        return "#,##0.00"
    if header in ("ts", "entry_ts", "exit_ts"):
        return "yyyy-mm-dd hh:mm"
    if header in ("date", "expiry"):
        return "yyyy-mm-dd"
    present = [v for v in values if v is not None and not isinstance(v, str)]
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "0"
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return "0.0000" if header in ("delta", "gamma") else "0.00"
    return None


def _width(header: str, values: Sequence[Any], fmt: str | None) -> float:
    if fmt == "yyyy-mm-dd hh:mm":
        return 18
    if fmt == "yyyy-mm-dd":
        return 12
    longest = max((len(v) for v in values if isinstance(v, str)), default=0)
    return max(10, min(90 if header in ("legs", "Legs") else 40, max(len(header) + 3, longest + 2)))


def no_trade_note(results: Sequence[BacktestResult]) -> str | None:
    """What every sheet says when no strategy traded (None when one did)."""
    if any(r.trades for r in results):
        return None
    why = "; ".join(f"{r.plan.name}: {r.no_trade_reason or 'no position was opened'}"
                    for r in results)
    return f"No trades in this run ({why})"


def _cell(v: Any) -> Any:
    if isinstance(v, dt.datetime | dt.date | int | float | str) or v is None:
        return v
    return str(v)


def _no_trade_beside(ws: Worksheet, n_columns: int, note: str) -> None:
    """``note`` in the header row, one column right of a table that has rows (where its
    chart would stand), for a sheet whose rows are true but say nothing without trades."""
    cell = ws.cell(row=1, column=n_columns + 2, value=f"{note}: no chart")
    cell.font = Font(italic=True)


def _equity_chart(ws: Worksheet, table: Table) -> None:
    """Equity and drawdown: one series per strategy, each on its own dates and rows."""
    _, rows = table
    if len(rows) < 2:
        return
    parts = blocks([r[0] for r in rows], {})
    dates = [r[1] for r in rows]
    ws.add_chart(line_chart(ws, "Equity (INR)", "INR", 2,
                            [(p.title, 3, p) for p in parts], [r[2] for r in rows], dates), "F2")
    dd = line_chart(ws, "Drawdown (INR)", "INR", 2, [(p.title, 4, p) for p in parts],
                    [r[3] for r in rows], dates)
    dd.height = 7
    ws.add_chart(dd, "F22")


MAX_BAND_CHARTS = 12


def _band_chart(ws: Worksheet, table: Table, results: Sequence[BacktestResult]) -> None:
    """Spot and breakeven band of the selected trades (per strategy the worst, the best and
    the most adjusted), one chart each, the y-axis scaled to that trade's values."""
    _, rows = table
    keys = [(r[0], r[1]) for r in rows]
    anchor = 2
    chosen = _selected(results)
    for key, part in zip(dict.fromkeys(keys), blocks(keys, {}), strict=True):
        if anchor > 20 * MAX_BAND_CHARTS or key not in chosen:
            continue
        mine = rows[part.first - 2:part.last - 1]
        chart = line_chart(ws, f"{key[0]}: trade {key[1]} ({chosen[key]})",
                           "index points", 3,
                           [("spot", 4, part), ("lower breakeven", 5, part),
                            ("upper breakeven", 6, part)],
                           [v for r in mine for v in r[3:6]], [r[2] for r in mine],
                           date_format="dd-mmm hh:mm")
        ws.add_chart(chart, f"H{anchor}")
        anchor += 20


def _selected(results: Sequence[BacktestResult]) -> dict[tuple[str, int], str]:
    """(strategy, trade id) -> why it is charted: worst, best, most adjusted trade."""
    out: dict[tuple[str, int], str] = {}
    for r in results:
        if not r.trades:
            continue
        picks = [("worst", min(r.trades, key=lambda t: t.pnl_net_inr)),
                 ("best", max(r.trades, key=lambda t: t.pnl_net_inr)),
                 ("most adjusted", max(r.trades, key=lambda t: t.adjustments))]
        for why, t in picks:
            out.setdefault((r.plan.name, t.trade_id), why)
    return out


def _sorted_by_trade(table: Table, results: Sequence[BacktestResult]) -> Table:
    """Rows of one trade together, strategies in run order, each trade's bars in time order."""
    order = {r.plan.name: i for i, r in reversed(list(enumerate(results)))}
    headers, rows = table
    return headers, sorted(rows, key=lambda r: (order.get(r[0], 0), r[1], r[2]))


def _result_sheets(results: Sequence[BacktestResult]) -> list[tuple[str, Table]]:
    greeks = greeks_table(results)
    n = len(greeks[1])
    if n > MAX_SERIES_ROWS:
        greeks = greeks_table(results, every_n=-(-n // MAX_SERIES_ROWS))
    bes = breakevens_table(results)
    if len(bes[1]) > MAX_SERIES_ROWS:
        bes = breakevens_table(results, every_n=-(-len(bes[1]) // MAX_SERIES_ROWS))
    bes = _sorted_by_trade(bes, results)
    return [("BT_Summary", ([], [])), ("BT_Trades", trades_table(results)),
            ("BT_Monthly", ([], [])), ("BT_Charts", ([], [])), ("BT_Payoff", ([], [])),
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


def _base_workbook(source_workbook: Path | None, out_path: Path) -> Workbook:
    """The workbook results are written into: a copy of ``source_workbook`` without its BT_*
    sheets (its VBA project kept only when both are ``.xlsm``), else an empty workbook."""
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
        return wb
    wb = Workbook()
    default = wb.active
    if default is not None:
        wb.remove(default)
    return wb


def _save_atomic(wb: Workbook, out_path: Path,
                 streamed: dict[str, StreamedRows] | None = None) -> Path:
    """Save ``wb`` to a temporary file beside ``out_path``, then rename it over: a failed write
    (a full disk) leaves the previous file as it was."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".posbt-", suffix=out_path.suffix, dir=out_path.parent)
    os.close(fd)
    try:
        save_workbook(wb, tmp, streamed or {})
        os.replace(tmp, out_path)
    except OSError as exc:
        error = DiskFullError if is_disk_full(exc) else PosbtError
        raise error(disk_message(exc, "writing the results workbook"),
                    place=str(out_path)) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out_path


def write_results(results: Sequence[BacktestResult], out_path: Path,
                  source_workbook: Path | None = None, *, mark: bool = True) -> Path:
    """Write the BT_* sheets to ``out_path`` (a copy of ``source_workbook`` when given).

    The VBA project of an ``.xlsm`` source is kept only when ``out_path`` is ``.xlsm``
    too; ``mark`` sets the ``posbt=results`` property (False for a workbook written in
    place, which stays the user's own)."""
    out_path = Path(out_path)
    wb = _base_workbook(source_workbook, out_path)
    if mark:
        _mark_results(wb)
    no_trades = no_trade_note(results)
    streamed: dict[str, StreamedRows] = {}
    for name, table in _result_sheets(results):
        ws = wb.create_sheet(name)
        if name == "BT_Summary":
            write_summary(ws, results)
            continue
        if name == "BT_Monthly":
            write_monthly(ws, results, no_trades)
            continue
        if name == "BT_Charts":
            write_trade_charts(ws, results, no_trades)
            continue
        if name == "BT_Payoff":
            write_payoff(ws, results, no_trades)
            continue
        _write_table(ws, table, streamed,
                     no_trades if no_trades and name != "BT_RunLog" else None,
                     TRADE_LABELS if name == "BT_Trades" else None)
        if name == "BT_Equity":
            if no_trades:  # the curve is flat at the capital: its rows stay, with no chart
                _no_trade_beside(ws, len(table[0]), no_trades)
            else:
                _equity_chart(ws, table)
        if name == "BT_Breakevens":
            _band_chart(ws, table, results)
    return _save_atomic(wb, out_path, streamed)


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
    wb = _base_workbook(source_workbook, out_path)
    _mark_results(wb)
    streamed: dict[str, StreamedRows] = {}
    for name, table in sheets:
        if not name.startswith(RESULT_PREFIX):  # pragma: no cover - a wiring mistake
            raise ValueError(f"sheet {name} is not a BT_* sheet")
        _write_table(wb.create_sheet(name), table, streamed)
    return _save_atomic(wb, out_path, streamed)


SheetWriter = Callable[[Worksheet], None]


def write_sheet_writers(sheets: Sequence[tuple[str, SheetWriter]], out_path: Path,
                        source_workbook: Path | None = None) -> Path:
    """Like :func:`write_sheets`, for BT_* sheets laid out by a function (several tables and
    charts on one sheet, such as BT_Attribution): each writer fills its new, empty sheet."""
    out_path = Path(out_path)
    wb = _base_workbook(source_workbook, out_path)
    _mark_results(wb)
    for name, writer in sheets:
        if not name.startswith(RESULT_PREFIX):  # pragma: no cover - a wiring mistake
            raise ValueError(f"sheet {name} is not a BT_* sheet")
        writer(wb.create_sheet(name))
    return _save_atomic(wb, out_path)


def write_table(ws: Worksheet, table: Table, empty_note: str | None = None) -> None:
    """One table on its own sheet from A1, as every BT_* table sheet is written (header style,
    number formats by column name, widths, frozen header), its rows as openpyxl cells (a
    sheet function may add more below them; the big result tables stream theirs instead)."""
    streamed: dict[str, StreamedRows] = {}
    _write_table(ws, table, streamed, empty_note)
    rows = streamed.get(ws.title)
    if rows is None:
        return
    formats = [_number_format(str(h), [r[i] for r in rows.rows[:200]])
               for i, h in enumerate(table[0])]
    for values in rows.rows:
        _append_text_safe(ws, [_cell(v) for v in values])
        row = ws._current_row
        for col, fmt in enumerate(formats, start=1):
            if fmt is not None:
                ws.cell(row=row, column=col).number_format = fmt
