"""The ribbon's macros: Run Backtest (post, poll, cancel), Run Sweep, A/B Test, Validate,
New Strategy, Open Results, Server Status.

Excel-side entry points. VBA calls one Python function, :func:`dispatch`, with the
button's id (``RunPython "import xlbridge.macros; xlbridge.macros.dispatch('RunBacktest')"``);
it binds the live book (xlwings) and runs :func:`run_action`, which only sees a
:class:`MacroContext`: a workbook reader and writer (the engine's protocol; xlwings here,
openpyxl in tests and headless use), a sink for result sheets, a UI (status bar, message
box) and a server client. A backtest always runs in the server (:mod:`xlbridge.jobflow`),
never inside Excel's Python, so Excel stays responsive. Errors reach the user as a message
box naming sheet and cell.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from engine.api import default_out_path
from engine.config.raw import SWEEP_SETTINGS
from engine.errors import PosbtError
from engine.workbook.protocol import WorkbookReader, WorkbookWriter
from xlbridge import jobflow
from xlbridge.client import ServerClient, ServerUnavailableError
from xlbridge.conf import ResultsTo
from xlbridge.jobflow import config_sheets, problems_text
from xlbridge.newstrategy import StrategyColumns
from xlbridge.resultbooks import ResultSheetsSink
from xlbridge.server.worker import JobKind, json_value


class Ui(Protocol):
    """What the macros show: Excel's status bar, a message box, opening a file."""

    def status(self, text: str | None) -> None: ...

    def message(self, text: str, title: str) -> None: ...

    def open(self, path: Path) -> None: ...


@dataclass
class MacroContext:
    """The active workbook (its local path, a reader, a writer of config sheets and a
    sink for result sheets), the UI, the server and where results go."""

    path: Path
    reader: WorkbookReader
    writer: WorkbookWriter
    results: ResultSheetsSink
    columns: StrategyColumns
    ui: Ui
    client: ServerClient | None
    home: Path
    results_to: ResultsTo = ResultsTo.SHEETS


def validate(ctx: MacroContext) -> str:
    """Validate the book's sheets as they are now (unsaved edits included)."""
    sheets = {k: [[json_value(v) for v in row] for row in rows]
              for k, rows in config_sheets(ctx.reader).items()}
    if ctx.client is not None:
        try:
            answer = ctx.client.request("POST", "/validate",
                                        json={"sheets": sheets, "source": ctx.path.name})
            return _show_validation(ctx, answer["ok"], answer["problems"])
        except ServerUnavailableError:
            pass
    from xlbridge.validation import problem_rows, validate_sheets

    loaded = validate_sheets(sheets, ctx.path.name)
    return _show_validation(ctx, loaded.report.ok, problem_rows(loaded))


def _show_validation(ctx: MacroContext, ok: bool, problems: list[dict[str, Any]]) -> str:
    errors = [p for p in problems if p.get("severity", "error") == "error"]
    text = ("No errors." if ok else f"{len(errors)} error(s):") + (
        "\n" + problems_text(problems) if problems else "")
    ctx.ui.message(text, "posbt: validation")
    return text


def run_backtest(ctx: MacroContext) -> str:
    """Validate the live sheets and post the backtest job; returns at once (the add-in's
    timer then calls :func:`poll_backtest`)."""
    return jobflow.start(ctx.path, ctx.reader, ctx.ui, ctx.client, ctx.home, ctx.results_to)


def poll_backtest(ctx: MacroContext) -> str:
    """One tick of the add-in's timer: progress, or the finished job's BT_* sheets."""
    return jobflow.poll(ctx.path, ctx.results, ctx.ui, ctx.client, ctx.home)


def cancel_backtest(ctx: MacroContext) -> str:
    """Cancel the running backtest (or sweep, A/B test) of this workbook."""
    return jobflow.cancel(ctx.path, ctx.ui, ctx.client, ctx.home)


# -- Run Sweep and A/B Test -------------------------------------------------------------------
SWEEP_SHEET = "Sweep"
SWEEP_LAYOUT = ("a header row, then one row per parameter: column A its Excel name "
                "(WingWidthPts), column B its values, a list 200,400 or a range 200:600:100; "
                "optional rows Strategy (which one to sweep), Samples, Seed and Workers")


def _cell_text(value: Any) -> str:
    """A cell as the text of a value list: 300.0 -> ``300``, 0.25 -> ``0.25``."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _whole(text: str, place: str, key: str) -> int:
    try:
        return int(float(text))
    except ValueError:
        raise PosbtError(f"{key} takes a whole number, got {text!r}", place=place) from None


def sweep_request(reader: WorkbookReader, strategies: list[str]) -> dict[str, Any]:
    """The sweep request's fields from the book's Sweep sheet: ``params`` (name, values),
    and ``strategy``, ``samples``, ``seed`` when the sheet has those rows. Errors name the
    Sweep sheet's cell; a missing sheet says how to lay one out."""
    if SWEEP_SHEET not in reader.sheet_names():
        raise PosbtError(f"this workbook has no {SWEEP_SHEET} sheet. Add a sheet named "
                         f"{SWEEP_SHEET}: {SWEEP_LAYOUT}.", place=SWEEP_SHEET)
    params: list[dict[str, str]] = []
    fields: dict[str, Any] = {}
    for row in reader.rows(SWEEP_SHEET)[1:]:  # row 1 is the header
        cells = {c.col: c for c in row}
        a, b = cells.get(1), cells.get(2)
        name = _cell_text(a.value) if a is not None and a.value is not None else ""
        values = _cell_text(b.value) if b is not None and b.value is not None else ""
        if not name and not values:
            continue
        at = f"{SWEEP_SHEET}!{b.address if b is not None else 'B?'}"
        if not name:
            raise PosbtError(f"values {values!r} without a parameter name in column A",
                             place=f"{SWEEP_SHEET}!{a.address if a is not None else 'A?'}")
        if not values:
            raise PosbtError(f"{name} has no values: give a list 200,400 or a range "
                             "200:600:100", place=at)
        key = name.lower()
        if key == "strategy":
            fields["strategy"] = values
        elif key in SWEEP_SETTINGS:
            fields[key] = _whole(values, at, name)
        else:
            from engine.analytics.sweep import sweep_param

            try:
                sweep_param(name, values)  # the server checks again; here the cell is known
            except PosbtError as exc:
                raise PosbtError(exc.message, place=at) from None
            params.append({"name": name, "values": values})
    if not params:
        raise PosbtError(f"the {SWEEP_SHEET} sheet names no parameter: {SWEEP_LAYOUT}",
                         place=f"{SWEEP_SHEET}!A2")
    if "strategy" not in fields:
        if len(strategies) != 1:
            raise PosbtError(f"the workbook has {len(strategies)} strategies "
                             f"({', '.join(strategies) or 'none'}); say which to sweep in a "
                             f"row Strategy | NAME of the {SWEEP_SHEET} sheet",
                             place=SWEEP_SHEET)
        fields["strategy"] = strategies[0]
    elif fields["strategy"] not in strategies:
        raise PosbtError(f"no strategy named {fields['strategy']}; the workbook has "
                         f"{', '.join(strategies) or 'none'}", place=SWEEP_SHEET)
    return {**fields, "params": params}


def book_strategies(reader: WorkbookReader) -> list[str]:
    """The strategy names of the PositionalParameter sheet's header, in column order."""
    from engine.config.layout import FIRST_STRATEGY_COL
    from xlbridge.newstrategy import POSITIONAL

    if POSITIONAL not in reader.sheet_names():
        return []
    header = reader.rows(POSITIONAL)[0] if reader.rows(POSITIONAL) else []
    return [str(c.value).strip() for c in header
            if c.col >= FIRST_STRATEGY_COL and c.value is not None and str(c.value).strip()]


def run_sweep(ctx: MacroContext) -> str:
    """Run Sweep: the Sweep sheet's parameters over one strategy, as a server job; BT_Sweep
    and BT_SweepStats replace those sheets when it is done (the add-in's timer polls)."""
    fields = sweep_request(ctx.reader, book_strategies(ctx.reader))
    return jobflow.start(ctx.path, ctx.reader, ctx.ui, ctx.client, ctx.home, ctx.results_to,
                         jobflow.JobSpec(JobKind.SWEEP, fields))


AB_EXAMPLE = ("two strategies 'IF_Weekly, IF_Monthly', or one and parameter changes "
              "'IF_Weekly; Lots=2; WingWidthPts=300'")


def ab_request(text: str, strategies: list[str]) -> dict[str, Any]:
    """The A/B request's fields from what the user typed (or the add-in took from the
    selection): ``A, B`` or ``A, B; NAME=VALUE; ...`` or ``A; NAME=VALUE; ...``."""
    place = "A/B input"
    head, *changes = [part.strip() for part in text.replace("\n", ";").split(";")]
    names = [n.strip() for n in head.split(",") if n.strip()]
    if not names or len(names) > 2:
        raise PosbtError(f"expected {AB_EXAMPLE}; got {text.strip()!r}", place=place)
    for name in names:
        if name not in strategies:
            raise PosbtError(f"no strategy named {name}; the workbook has "
                             f"{', '.join(strategies) or 'none'}", place=place)
    params = []
    for change in (c for c in changes if c):
        key, sep, value = change.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise PosbtError(f"a change is NAME=VALUE (Lots=2), got {change!r}", place=place)
        params.append({"name": key.strip(), "value": value.strip()})
    if len(names) == 1 and not params:
        raise PosbtError(f"name strategy B, or change parameters of {names[0]}: {AB_EXAMPLE}",
                         place=place)
    return {"strategy_a": names[0], "strategy_b": names[1] if len(names) == 2 else None,
            "params": params}


def ab_test(ctx: MacroContext, text: str | None = None) -> str:
    """A/B Test: ``text`` is what the add-in's input box returned (its default: the two
    strategy columns selected on PositionalParameter); posts the job, the timer polls it;
    BT_ABTest and BT_ABTestPairs replace those sheets when it is done."""
    if text is None or not text.strip():
        ctx.ui.message(f"Type {AB_EXAMPLE} (select two strategy columns on PositionalParameter "
                       "first to have them filled in).", "posbt: A/B test")
        return "no input"
    fields = ab_request(text, book_strategies(ctx.reader))
    return jobflow.start(ctx.path, ctx.reader, ctx.ui, ctx.client, ctx.home, ctx.results_to,
                         jobflow.JobSpec(JobKind.ABTEST, fields))


def new_strategy(ctx: MacroContext) -> str:
    """Add a strategy column: a copy of the last one with its formulas, dropdowns, formats
    and validation, and its leg and rule rows, under a new name."""
    from xlbridge.newstrategy import POSITIONAL, new_name

    if POSITIONAL not in ctx.reader.sheet_names():
        raise PosbtError("the workbook has no PositionalParameter sheet; start from the "
                         "template (posbt template new)", place=ctx.path.name)
    header = {str(c.value) for c in ctx.reader.rows(POSITIONAL)[0] if c.value is not None}
    added = ctx.columns.add_strategy_column(new_name(header))
    ctx.ui.message(f"Added {added.name} in column {added.column} of PositionalParameter: a copy "
                   f"of {added.copied_from} (formulas, dropdowns and formats kept) with its "
                   f"{added.rows_copied} LegParameter/AdjustmentRules rows. Change what "
                   "differs, then Validate.", "posbt")
    return added.name


def open_results(ctx: MacroContext) -> str:
    """Open the results workbook of the last run of this book."""
    out = default_out_path(ctx.path)
    if not out.exists():
        where = (" (the results of Run Backtest are this workbook's BT_* sheets; set "
                 "RESULTS_TO = file in posbt.conf for a separate file)"
                 if ctx.results_to is ResultsTo.SHEETS else "")
        raise PosbtError(f"no results file yet; press Run Backtest first{where}", place=str(out))
    ctx.ui.open(out)
    return str(out)


def server_status(ctx: MacroContext) -> str:
    """Say whether the server answers (and its version and running jobs)."""
    text = "No posbt server answers: cell functions compute in Excel's Python (slower)."
    if ctx.client is not None:
        try:
            h = ctx.client.health()
            text = (f"posbt server {h['version']} is running at {ctx.client.base}; "
                    f"{h['jobs_running']} backtest(s) running.")
        except (ServerUnavailableError, PosbtError):
            pass
    ctx.ui.message(text, "posbt: server")
    return text


ACTIONS: dict[str, Callable[[MacroContext], str]] = {
    "RunBacktest": run_backtest, "PollBacktest": poll_backtest, "CancelBacktest": cancel_backtest,
    "Validate": validate, "NewStrategy": new_strategy, "OpenResults": open_results,
    "ServerStatus": server_status, "RunSweep": run_sweep}
# actions that take the text the add-in's input box returned
TEXT_ACTIONS: dict[str, Callable[[MacroContext, str | None], str]] = {"ABTest": ab_test}


def decode_text(codes: Sequence[int] | str | None) -> str | None:
    """The add-in passes typed text as its UTF-16 code units (VBA's AscW, which is signed),
    so no quote or backslash of the user's can break the Python call it builds."""
    if codes is None or isinstance(codes, str):
        return codes
    return "".join(chr(int(c) % 65536) for c in codes)


def run_action(action_id: str, ctx: MacroContext, text: str | None = None) -> str:
    """Run one ribbon action; a PosbtError becomes a message box naming its place."""
    action = ACTIONS.get(action_id)
    text_action = TEXT_ACTIONS.get(action_id)
    if action is None and text_action is None:
        ctx.ui.message(f"unknown ribbon action {action_id!r}", "posbt")
        return "unknown"
    try:
        if text_action is not None:
            return text_action(ctx, text)
        assert action is not None
        return action(ctx)
    except PosbtError as exc:
        ctx.ui.status(None)
        ctx.ui.message(str(exc), "posbt")
        return "error"


def dispatch(action_id: str, codes: Sequence[int] | None = None
             ) -> None:  # pragma: no cover - needs Excel (xlwings RunPython)
    """The one function the add-in's VBA calls, with the ribbon button's id (and, for A/B
    Test, the input box's text as code units: :func:`decode_text`)."""
    from xlbridge.book import XlwingsBook, XlwingsUi
    from xlbridge.conf import conf_path, excel_home, read_conf, results_to

    book = XlwingsBook.caller()
    ui = XlwingsUi(book.book)
    try:
        conf = read_conf(conf_path())
        home = excel_home(conf)
        ctx = MacroContext(path=book.path, reader=book, writer=book, results=book, columns=book,
                           ui=ui,
                           client=ServerClient(home), home=home, results_to=results_to(conf))
    except PosbtError as exc:
        ui.status(None)
        ui.message(str(exc), "posbt")
        return
    run_action(action_id, ctx, decode_text(codes))
