"""Run Backtest as a server job: validate the live sheets, post, poll, write, cancel.

Excel-side flow behind the ribbon (:mod:`xlbridge.macros`). The button validates the
workbook's sheets as they are now (unsaved edits included; a problem names its sheet and
cell and no job starts), snapshots the config sheets' values to
``$POSBT_HOME/excel/snapshots/``, posts ``POST /v1/backtests`` and returns at once. The
add-in's timer then calls :func:`poll` every few seconds: progress goes to the status bar;
when the job is done its results workbook (formats and charts, what ``posbt run`` writes)
either replaces the workbook's BT_* sheets (all or nothing) or is left beside the workbook
as ``<book>_results.xlsx`` (``RESULTS_TO = file``). :func:`cancel` deletes the job. The
job of a workbook is remembered in ``$POSBT_HOME/excel/jobs/<key>.json`` so each timer
tick (a fresh Python on macOS) finds it; only one tick may finish it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from engine.api import default_out_path
from engine.errors import PosbtError
from engine.workbook.protocol import SheetSpec, WorkbookReader
from xlbridge.client import ServerClient, ServerUnavailableError
from xlbridge.conf import ResultsTo
from xlbridge.resultbooks import RESULT_PREFIX, ResultSheetsSink, check_writable, locked_message

BUSY = "posbt: "  # the status-bar prefix the add-in's timer polls on (posbt.bas POSBT_BUSY)
START_HINT = ("Start it with `posbt serve` (or log off and on: the installer starts it at "
              "login); `posbt excel doctor` says what is wrong.")
TOKEN_HINT = ("The token Excel sent is not the server's: run `posbt excel doctor`, then "
              "restart the server (it reads $POSBT_HOME/server.token).")
MAX_PROBLEMS = 15


class Ui(Protocol):
    """What the flow shows: Excel's status bar and a message box."""

    def status(self, text: str | None) -> None: ...

    def message(self, text: str, title: str) -> None: ...


@dataclass(frozen=True)
class ActiveJob:
    """The job Run Backtest started for a workbook."""

    job_id: str
    book: str
    snapshot: str
    results: str
    results_to: str
    started: str


def book_key(book: Path) -> str:
    """A file-name-safe key of a workbook path."""
    return hashlib.sha256(str(book.resolve()).lower().encode("utf-8")).hexdigest()[:16]


def _jobs_dir(home: Path) -> Path:
    return home / "excel" / "jobs"


def load_job(home: Path, book: Path) -> ActiveJob | None:
    path = _jobs_dir(home) / f"{book_key(book)}.json"
    try:
        return ActiveJob(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def save_job(home: Path, job: ActiveJob) -> None:
    folder = _jobs_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{book_key(Path(job.book))}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(job)), encoding="utf-8")
    os.replace(tmp, path)


def claim_job(home: Path, book: Path) -> bool:
    """Take the workbook's job record away (True for exactly one caller)."""
    path = _jobs_dir(home) / f"{book_key(book)}.json"
    claimed = path.with_suffix(f".{os.getpid()}.done")
    try:
        os.replace(path, claimed)
    except FileNotFoundError:
        return False
    claimed.unlink(missing_ok=True)
    return True


def problems_text(problems: list[dict[str, Any]]) -> str:
    """``Sheet!Cell (Name): message`` lines, errors first, at most MAX_PROBLEMS."""
    lines = []
    for p in problems[:MAX_PROBLEMS]:
        name = f" ({p['excel_name']})" if p.get("excel_name") else ""
        sev = "" if p.get("severity", "error") == "error" else "warning: "
        lines.append(f"{sev}{p.get('place') or 'workbook'}{name}: {p['message']}")
    if len(problems) > MAX_PROBLEMS:
        lines.append(f"... and {len(problems) - MAX_PROBLEMS} more")
    return "\n".join(lines)


def config_sheets(reader: WorkbookReader) -> dict[str, list[list[Any]]]:
    """The workbook's sheets other than posbt's BT_* ones, as values (formulas as their
    computed values), in workbook order."""
    return {name: [[c.value for c in row] for row in reader.rows(name)]
            for name in reader.sheet_names() if not name.startswith(RESULT_PREFIX)}


def _snapshot(home: Path, book: Path, sheets: Mapping[str, list[list[Any]]]) -> Path:
    from engine.workbook.openpyxl_adapter import OpenpyxlWriter

    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = home / "excel" / "snapshots" / f"{book.stem}-{stamp}-{book_key(book)[:6]}.xlsx"
    out.parent.mkdir(parents=True, exist_ok=True)
    OpenpyxlWriter(out).write_sheets([SheetSpec(name=n, rows=[list(r) for r in rows], freeze=None,
                                                bold_rows=set())
                                      for n, rows in sheets.items()])
    return out


def _server_error(ui: Ui, exc: Exception) -> str:
    ui.status(None)
    if isinstance(exc, ServerUnavailableError):
        ui.message(f"The posbt server is not running ({exc}).\n{START_HINT}", "posbt: no server")
        return "no server"
    text = str(exc)
    if "token" in text:
        ui.message(f"The posbt server refused the request: {text}\n{TOKEN_HINT}",
                   "posbt: token mismatch")
        return "token"
    ui.message(text, "posbt: backtest not started")
    return "error"


def start(book: Path, reader: WorkbookReader, ui: Ui, client: ServerClient | None, home: Path,
          results_to: ResultsTo) -> str:
    """Validate the live sheets and post the job; returns at once ("started" or why not)."""
    from xlbridge.validation import problem_rows, validate_sheets

    if client is None:
        return _server_error(ui, ServerUnavailableError("no server configured"))
    if results_to is ResultsTo.FILE and not book.is_absolute():
        ui.status(None)
        ui.message("Save the workbook first: its results file goes beside it "
                   "(or set RESULTS_TO = sheets in posbt.conf).", "posbt")
        return "unsaved"
    running = load_job(home, book)
    if running is not None:
        try:
            state = client.request("GET", f"/jobs/{running.job_id}")
        except (ServerUnavailableError, PosbtError):
            state = {"state": "failed"}
        if state["state"] in ("queued", "running"):
            ui.status(_progress_text(state))
            ui.message("A backtest of this workbook is already running; wait for it or press "
                       "Cancel.", "posbt")
            return "busy"
        claim_job(home, book)
    sheets = config_sheets(reader)
    loaded = validate_sheets(sheets, book.name)
    if not loaded.report.ok:
        ui.status(None)
        problems = problem_rows(loaded)
        errors = [p for p in problems if p["severity"] == "error"]
        ui.message(f"{len(errors)} error(s); no backtest started:\n" + problems_text(problems),
                   "posbt: validation")
        return "invalid"
    results = default_out_path(book) if results_to is ResultsTo.FILE else \
        home / "excel" / "results" / f"{book.stem}-{book_key(book)}_results.xlsx"
    try:
        check_writable(results)
    except PosbtError as exc:
        ui.status(None)
        ui.message(exc.message, "posbt: results file locked")
        return "locked"
    snapshot = _snapshot(home, book, sheets)
    try:
        job = client.request("POST", "/backtests", json={"path": str(snapshot),
                                                         "out": str(results)})
    except (ServerUnavailableError, PosbtError) as exc:
        snapshot.unlink(missing_ok=True)
        return _server_error(ui, exc)
    save_job(home, ActiveJob(job_id=job["job_id"], book=str(book), snapshot=str(snapshot),
                             results=str(results), results_to=results_to.value,
                             started=dt.datetime.now().isoformat(timespec="seconds")))
    ui.status(f"{BUSY}{job['state']} (Cancel on the posbt tab)")
    return "started"


def _progress_text(state: Mapping[str, Any]) -> str:
    last = state["log"][-1] if state.get("log") else ""
    return f"{BUSY}{state['state']} {state['progress']:.0f}% {last} (Cancel on the posbt tab)"


def poll(book: Path, sink: ResultSheetsSink, ui: Ui, client: ServerClient | None,
         home: Path) -> str:
    """One timer tick: show progress, or finish the job (write sheets / say where)."""
    job = load_job(home, book)
    if job is None:
        ui.status(None)
        return "idle"
    if client is None:
        return _server_error(ui, ServerUnavailableError("no server configured"))
    try:
        state = client.request("GET", f"/jobs/{job.job_id}")
    except (ServerUnavailableError, PosbtError) as exc:
        claim_job(home, book)
        ui.status(None)
        ui.message(f"Lost the backtest job {job.job_id}: {exc}\n{START_HINT}\nThen press Run "
                   "Backtest again.", "posbt: backtest lost")
        return "lost"
    if state["state"] in ("queued", "running"):
        ui.status(_progress_text(state))
        return "running"
    if not claim_job(home, book):  # another tick is finishing it
        return "running"
    Path(job.snapshot).unlink(missing_ok=True)
    ui.status(None)
    if state["state"] == "cancelled":
        ui.message("The backtest was cancelled; no sheet was changed.", "posbt")
        return "cancelled"
    if state["state"] == "failed":
        problems = state.get("errors") or [{"message": "the job failed"}]
        text = problems_text(problems)
        if "PermissionError" in text:
            text = locked_message(Path(job.results))
        ui.message(f"The backtest failed; no sheet was changed.\n{text}", "posbt: backtest failed")
        return "failed"
    return _finish(job, sink, ui, client)


def _finish(job: ActiveJob, sink: ResultSheetsSink, ui: Ui, client: ServerClient) -> str:
    answer = client.request("GET", f"/jobs/{job.job_id}/results")
    out = Path(answer["out_path"])
    warnings = answer.get("warnings") or []
    tail = f"\n{len(warnings)} warning(s): see `posbt validate`." if warnings else ""
    if job.results_to == ResultsTo.FILE.value:
        ui.message(f"Backtest done: results in {out} (Open Results opens it).{tail}", "posbt")
        return "done"
    try:
        names = sink.replace_result_sheets(out)
    except PosbtError as exc:
        ui.message(f"The results could not be written into the workbook: {exc}\nThey are in "
                   f"{out}.", "posbt: results not written")
        return "not written"
    ui.message(f"Backtest done: {', '.join(names)} written.{tail}", "posbt")
    return "done"


def cancel(book: Path, ui: Ui, client: ServerClient | None, home: Path) -> str:
    """Cancel the workbook's running job (the next timer tick stops)."""
    job = load_job(home, book)
    if job is None:
        ui.status(None)
        ui.message("No backtest of this workbook is running.", "posbt")
        return "idle"
    if client is None:
        return _server_error(ui, ServerUnavailableError("no server configured"))
    try:
        state = client.request("DELETE", f"/jobs/{job.job_id}")
    except (ServerUnavailableError, PosbtError) as exc:
        claim_job(home, book)
        return _server_error(ui, exc)
    if state["state"] in ("cancelled", "failed", "done") and claim_job(home, book):
        Path(job.snapshot).unlink(missing_ok=True)
        ui.status(None)
        ui.message(f"Backtest {state['state']}; no sheet was changed."
                   if state["state"] != "done" else "The backtest had already finished; press "
                   "Run Backtest to write its results again.", "posbt")
    return str(state["state"])
