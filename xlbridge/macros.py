"""The ribbon's macros: Run Backtest (post, poll, cancel), Validate, New Strategy, Open
Results, Server Status.

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

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from engine.api import default_out_path
from engine.errors import PosbtError
from engine.workbook.protocol import WorkbookReader, WorkbookWriter
from xlbridge import jobflow
from xlbridge.client import ServerClient, ServerUnavailableError
from xlbridge.conf import ResultsTo
from xlbridge.jobflow import config_sheets, problems_text
from xlbridge.newstrategy import StrategyColumns
from xlbridge.resultbooks import ResultSheetsSink
from xlbridge.server.worker import json_value


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
    """Cancel the running backtest of this workbook."""
    return jobflow.cancel(ctx.path, ctx.ui, ctx.client, ctx.home)


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
        raise PosbtError("no results yet; press Run Backtest first", place=str(out))
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
    "ServerStatus": server_status}


def run_action(action_id: str, ctx: MacroContext) -> str:
    """Run one ribbon action; a PosbtError becomes a message box naming its place."""
    action = ACTIONS.get(action_id)
    if action is None:
        ctx.ui.message(f"unknown ribbon action {action_id!r}", "posbt")
        return "unknown"
    try:
        return action(ctx)
    except PosbtError as exc:
        ctx.ui.status(None)
        ctx.ui.message(str(exc), "posbt")
        return "error"


def dispatch(action_id: str) -> None:  # pragma: no cover - needs Excel (xlwings RunPython)
    """The one function the add-in's VBA calls, with the ribbon button's id."""
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
    run_action(action_id, ctx)
