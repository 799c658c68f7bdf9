"""The ribbon's macros: Run Backtest, Validate, New Strategy, Open Results, Server Status.

Excel-side entry points. VBA calls one Python function, :func:`dispatch`, with the
button's id (``RunPython "import xlbridge.macros; xlbridge.macros.dispatch('RunBacktest')"``);
it binds the live book (xlwings) and runs :func:`run_action`, which only sees a
:class:`MacroContext`: a workbook reader and writer (the engine's protocol; xlwings here,
openpyxl in tests and headless use), a UI (status bar, message box) and a server client
(None: compute in-process). Errors reach the user as a message box naming sheet and cell.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from engine.api import default_out_path
from engine.errors import PosbtError
from engine.workbook.protocol import SheetSpec, WorkbookReader, WorkbookWriter
from xlbridge.client import ServerClient, ServerUnavailableError
from xlbridge.server.worker import problem_dicts, result_tables

POLL_S = 0.25
MAX_PROBLEMS_SHOWN = 15


class Ui(Protocol):
    """What the macros show: Excel's status bar, a message box, opening a file."""

    def status(self, text: str | None) -> None: ...

    def message(self, text: str, title: str) -> None: ...

    def open(self, path: Path) -> None: ...


@dataclass
class MacroContext:
    """The active workbook (its path, a reader and a writer), the UI, the server."""

    path: Path
    reader: WorkbookReader
    writer: WorkbookWriter
    ui: Ui
    client: ServerClient | None
    home: Path


def sheet_values(reader: WorkbookReader) -> dict[str, list[list[Any]]]:
    """Every sheet's values (formulas as their computed values), JSON-ready."""
    from xlbridge.server.worker import json_value

    return {name: [[json_value(c.value) for c in row] for row in reader.rows(name)]
            for name in reader.sheet_names() if not name.startswith("BT_")}


def result_specs(tables: dict[str, dict[str, Any]]) -> list[SheetSpec]:
    """BT_* tables as sheets to write (header row bold, frozen below it)."""
    return [SheetSpec(name=name, rows=[t["headers"], *t["rows"]]) for name, t in tables.items()]


def problems_text(problems: list[dict[str, Any]]) -> str:
    """``Sheet!Cell (Name): message`` lines, errors first, at most MAX_PROBLEMS_SHOWN."""
    lines = []
    for p in problems[:MAX_PROBLEMS_SHOWN]:
        name = f" ({p['excel_name']})" if p.get("excel_name") else ""
        sev = "" if p.get("severity", "error") == "error" else "warning: "
        lines.append(f"{sev}{p.get('place') or 'workbook'}{name}: {p['message']}")
    if len(problems) > MAX_PROBLEMS_SHOWN:
        lines.append(f"... and {len(problems) - MAX_PROBLEMS_SHOWN} more")
    return "\n".join(lines)


def validate(ctx: MacroContext) -> str:
    """Validate the book's sheets as they are now (unsaved edits included)."""
    sheets = sheet_values(ctx.reader)
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
    """Run the saved book's strategies (server job, else in-process) and write BT_* sheets."""
    if ctx.client is not None:
        try:
            tables = _run_on_server(ctx, ctx.client)
        except ServerUnavailableError:
            tables = _run_here(ctx)
    else:
        tables = _run_here(ctx)
    if tables is None:
        return "failed"
    ctx.writer.write_sheets(result_specs(tables))
    ctx.ui.status(None)
    ctx.ui.message(f"Backtest done: {', '.join(tables)} written.", "posbt")
    return "done"


def _run_on_server(ctx: MacroContext, client: ServerClient) -> dict[str, Any] | None:
    job = client.request("POST", "/backtests", json={"path": str(ctx.path)})
    while True:
        state = client.request("GET", f"/jobs/{job['job_id']}")
        ctx.ui.status(f"posbt: {state['state']} {state['progress']:.0f}%")
        if state["state"] == "done":
            answer: dict[str, Any] = client.request("GET", f"/jobs/{job['job_id']}/results")
            return dict(answer["tables"])
        if state["state"] in ("failed", "cancelled"):
            ctx.ui.status(None)
            ctx.ui.message(problems_text(state["errors"]) or state["state"],
                           "posbt: backtest failed")
            return None
        time.sleep(POLL_S)


def _run_here(ctx: MacroContext) -> dict[str, Any] | None:
    from engine.api import run_file

    def progress(name: str, frac: float) -> None:
        ctx.ui.status(f"posbt: {name} {100 * frac:.0f}%")

    try:
        outcome = run_file(ctx.path, ctx.home, progress=progress)
    except PosbtError as exc:
        ctx.ui.status(None)
        ctx.ui.message(problems_text(problem_dicts(exc)), "posbt: backtest failed")
        return None
    return result_tables(outcome.results)


def new_strategy(ctx: MacroContext) -> str:
    """Append a strategy column to PositionalParameter, copied from the shipped template."""
    from engine.config.templates import write_template
    from engine.workbook.openpyxl_adapter import OpenpyxlReader

    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template.xlsx"
        write_template(template)
        t_rows = [[c.value for c in r] for r in OpenpyxlReader(template).rows("PositionalParameter")]
    if "PositionalParameter" not in ctx.reader.sheet_names():
        raise PosbtError("the book has no PositionalParameter sheet; start from the template "
                         "(posbt template)", place=ctx.path.name)
    rows = [[c.value for c in r] for r in ctx.reader.rows("PositionalParameter")]
    width = max(len(r) for r in rows)
    names = {str(v) for v in rows[0]}
    n = next(i for i in range(1, 1000) if f"NewStrategy{i}" not in names)
    template_col = {r[1]: r[4] for r in t_rows[1:] if len(r) > 4 and r[1]}
    name = f"NewStrategy{n}"
    for i, row in enumerate(rows):
        row.extend([None] * (width - len(row)))
        row.append(name if i == 0 else (name if row[1] == "StrategyName"
                                        else template_col.get(row[1])))
    ctx.writer.write_sheets([SheetSpec(name="PositionalParameter", rows=rows, freeze="E2")])
    ctx.ui.message(f"Added {name} in column {len(rows[0])} of PositionalParameter.", "posbt")
    return name


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
    "RunBacktest": run_backtest, "Validate": validate, "NewStrategy": new_strategy,
    "OpenResults": open_results, "ServerStatus": server_status}


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
    from engine.home import posbt_home
    from xlbridge.book import XlwingsBook, XlwingsUi

    book = XlwingsBook.caller()
    run_action(action_id, MacroContext(path=book.path, reader=book, writer=book,
                                       ui=XlwingsUi(book.book), client=ServerClient(posbt_home()),
                                       home=posbt_home()))
