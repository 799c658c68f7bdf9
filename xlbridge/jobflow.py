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
from xlbridge.server.worker import ABTEST_SHEETS, SWEEP_SHEETS, JobKind

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
    """The job Run Backtest (or Run Sweep, A/B Test) started for a workbook."""

    job_id: str
    book: str
    snapshot: str
    results: str
    results_to: str
    started: str
    kind: str = JobKind.BACKTEST.value


@dataclass(frozen=True)
class JobSpec:
    """What a ribbon button posts: the job's kind and the request's fields besides the
    workbook snapshot's ``path`` and the results' ``out``."""

    kind: JobKind = JobKind.BACKTEST
    fields: Mapping[str, Any] | None = None


BACKTEST = JobSpec()
_ROUTES = {JobKind.BACKTEST: "/backtests", JobKind.SWEEP: "/sweeps", JobKind.ABTEST: "/abtests"}
_LABELS = {JobKind.BACKTEST: "backtest", JobKind.SWEEP: "sweep", JobKind.ABTEST: "A/B test"}
_SUFFIXES = {JobKind.BACKTEST: "results", JobKind.SWEEP: "sweep", JobKind.ABTEST: "abtest"}
# the BT_* sheets a job's results replace (None: all of them, as Run Backtest always has)
_SHEETS: dict[JobKind, tuple[str, ...] | None] = {
    JobKind.BACKTEST: None, JobKind.SWEEP: SWEEP_SHEETS, JobKind.ABTEST: ABTEST_SHEETS}


def _kind(job: ActiveJob) -> JobKind:
    try:
        return JobKind(job.kind)
    except ValueError:
        return JobKind.BACKTEST


def label(job: ActiveJob) -> str:
    """``backtest``, ``sweep`` or ``A/B test``: what the messages call the job."""
    return _LABELS[_kind(job)]


def results_path(book: Path, home: Path, results_to: ResultsTo,
                 kind: JobKind = JobKind.BACKTEST) -> Path:
    """Where the job's results workbook goes: beside the book (``RESULTS_TO = file``:
    ``<book>_results.xlsx``, ``_sweep``, ``_abtest``) or staged under
    ``$POSBT_HOME/excel/results`` for copying into the book."""
    suffix = _SUFFIXES[kind]
    if results_to is ResultsTo.FILE:
        return default_out_path(book) if kind is JobKind.BACKTEST else \
            book.with_name(f"{book.stem}_{suffix}.xlsx")
    return home / "excel" / "results" / f"{book.stem}-{book_key(book)}_{suffix}.xlsx"


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


PENDING_S = 180.0  # a start that never posted (Excel closed meanwhile) is dropped after this
WAIT_FOR_RETURN_S = 600.0  # how long the timer waits for the user to return to a workbook


def _pending(book: Path) -> ActiveJob:
    """The record a start writes before it posts: on macOS RunPython returns at once, so
    the first timer tick may come while the start still validates; it must keep polling."""
    return ActiveJob(job_id="", book=str(book), snapshot="", results="", results_to="",
                     started=dt.datetime.now().isoformat(timespec="seconds"))


def _stale(job: ActiveJob) -> bool:
    age = dt.datetime.now() - dt.datetime.fromisoformat(job.started)
    return age.total_seconds() > PENDING_S


def other_jobs(home: Path, book: Path) -> list[ActiveJob]:
    """Jobs Run Backtest started for other workbooks (still to be finished there)."""
    folder = _jobs_dir(home)
    mine = f"{book_key(book)}.json"
    out = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        if path.name != mine:
            try:
                out.append(ActiveJob(**json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError, TypeError):
                continue
    return out


def _running_elsewhere(home: Path, book: Path, client: ServerClient | None) -> list[ActiveJob]:
    """Other workbooks' jobs that still need the timer: running, or finished in the last
    :data:`WAIT_FOR_RETURN_S` (their sheets are written once the user is back in their
    workbook; after that, pressing Run Backtest there again starts afresh)."""
    running = []
    for job in other_jobs(home, book):
        if not job.job_id:
            if not _stale(job):
                running.append(job)
            continue
        if client is None:
            continue
        try:
            state = client.request("GET", f"/jobs/{job.job_id}")
        except (ServerUnavailableError, PosbtError):
            continue
        if state["state"] in ("queued", "running"):
            running.append(job)
        elif state.get("finished"):
            age = dt.datetime.now() - dt.datetime.fromisoformat(str(state["finished"]))
            if age.total_seconds() < WAIT_FOR_RETURN_S:
                running.append(job)
    return running


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
          results_to: ResultsTo, spec: JobSpec = BACKTEST) -> str:
    """Validate the live sheets and post the job; returns at once ("started" or why not)."""
    if client is None:
        return _server_error(ui, ServerUnavailableError("no server configured"))
    if results_to is ResultsTo.FILE and not book.is_absolute():
        ui.status(None)
        ui.message("Save the workbook first: its results file goes beside it "
                   "(or set RESULTS_TO = sheets in posbt.conf).", "posbt")
        return "unsaved"
    running = load_job(home, book)
    if running is not None and not running.job_id and not _stale(running):
        ui.message("This workbook's backtest is being started; wait a moment.", "posbt")
        return "busy"
    if running is not None and running.job_id:
        try:
            state = client.request("GET", f"/jobs/{running.job_id}")
        except (ServerUnavailableError, PosbtError):
            state = {"state": "failed"}
        if state["state"] in ("queued", "running"):
            ui.status(_progress_text(state))
            ui.message(f"A {label(running)} of this workbook is already running; wait for it "
                       "or press Cancel.", "posbt")
            return "busy"
        claim_job(home, book)
    elif running is not None:
        claim_job(home, book)  # a stale start
    save_job(home, _pending(book))
    try:
        outcome = _validate_and_post(book, reader, ui, client, home, results_to, spec)
    except BaseException:
        claim_job(home, book)
        raise
    if outcome != "started":
        claim_job(home, book)
    return outcome


def _validate_and_post(book: Path, reader: WorkbookReader, ui: Ui, client: ServerClient,
                       home: Path, results_to: ResultsTo, spec: JobSpec = BACKTEST) -> str:
    from xlbridge.validation import problem_rows, validate_sheets

    sheets = config_sheets(reader)
    loaded = validate_sheets(sheets, book.name)
    if not loaded.report.ok:
        ui.status(None)
        problems = problem_rows(loaded)
        errors = [p for p in problems if p["severity"] == "error"]
        ui.message(f"{len(errors)} error(s); no {_LABELS[spec.kind]} started:\n"
                   + problems_text(problems), "posbt: validation")
        return "invalid"
    results = results_path(book, home, results_to, spec.kind)
    try:
        check_writable(results)
    except PosbtError as exc:
        ui.status(None)
        ui.message(exc.message, "posbt: results file locked")
        return "locked"
    snapshot = _snapshot(home, book, sheets)
    try:
        job = client.request("POST", _ROUTES[spec.kind],
                             json={**(spec.fields or {}), "path": str(snapshot),
                                   "out": str(results)})
    except (ServerUnavailableError, PosbtError) as exc:
        snapshot.unlink(missing_ok=True)
        return _server_error(ui, exc)
    save_job(home, ActiveJob(job_id=job["job_id"], book=str(book), snapshot=str(snapshot),
                             results=str(results), results_to=results_to.value,
                             started=dt.datetime.now().isoformat(timespec="seconds"),
                             kind=spec.kind.value))
    ui.status(f"{BUSY}{job['state']} (Cancel on the posbt tab)")
    return "started"


def _progress_text(state: Mapping[str, Any]) -> str:
    last = state["log"][-1] if state.get("log") else ""
    if state.get("variants_total"):  # a sweep: variants done of all
        last = f"variant {state.get('variants_done') or 0}/{state['variants_total']}"
    return f"{BUSY}{state['state']} {state['progress']:.0f}% {last} (Cancel on the posbt tab)"


def poll(book: Path, sink: ResultSheetsSink, ui: Ui, client: ServerClient | None,
         home: Path) -> str:
    """One timer tick: show progress, or finish the job (write sheets / say where)."""
    job = load_job(home, book)
    if job is None:
        others = _running_elsewhere(home, book, client)
        if others:  # the user switched workbooks: keep the timer until they come back
            names = ", ".join(Path(j.book).name for j in others)
            ui.status(f"{BUSY}backtest of {names}: switch back to it for its results")
            return "running"
        ui.status(None)
        return "idle"
    if not job.job_id:  # the start is still validating and posting
        if _stale(job):
            claim_job(home, book)
            ui.status(None)
            return "idle"
        return "running"
    if client is None:
        return _server_error(ui, ServerUnavailableError("no server configured"))
    try:
        state = client.request("GET", f"/jobs/{job.job_id}")
    except (ServerUnavailableError, PosbtError) as exc:
        claim_job(home, book)
        ui.status(None)
        ui.message(f"Lost the {label(job)} job {job.job_id}: {exc}\n{START_HINT}\nThen press "
                   "its button again.", f"posbt: {label(job)} lost")
        return "lost"
    if state["state"] in ("queued", "running"):
        ui.status(_progress_text(state))
        return "running"
    if not claim_job(home, book):  # another tick is finishing it
        return "running"
    Path(job.snapshot).unlink(missing_ok=True)
    ui.status(None)
    if state["state"] == "cancelled":
        ui.message(f"The {label(job)} was cancelled; no sheet was changed.", "posbt")
        return "cancelled"
    if state["state"] == "failed":
        problems = state.get("errors") or [{"message": "the job failed"}]
        text = problems_text(problems)
        if "PermissionError" in text:
            text = locked_message(Path(job.results))
        ui.message(f"The {label(job)} failed; no sheet was changed.\n{text}",
                   f"posbt: {label(job)} failed")
        return "failed"
    return _finish(job, sink, ui, client)


def _finish(job: ActiveJob, sink: ResultSheetsSink, ui: Ui, client: ServerClient) -> str:
    answer = client.request("GET", f"/jobs/{job.job_id}/results")
    out = Path(answer["out_path"])
    warnings = answer.get("warnings") or []
    tail = f"\n{len(warnings)} warning(s): see `posbt validate`." if warnings else ""
    done = label(job).capitalize() if _kind(job) is not JobKind.ABTEST else "A/B test"
    if job.results_to == ResultsTo.FILE.value:
        hint = " (Open Results opens it)" if _kind(job) is JobKind.BACKTEST else ""
        ui.message(f"{done} done: results in {out}{hint}.{tail}", "posbt")
        return "done"
    try:
        only = _SHEETS[_kind(job)]
        names = sink.replace_result_sheets(out) if only is None else \
            sink.replace_result_sheets(out, only=only)
    except PosbtError as exc:
        ui.message(f"The results could not be written into the workbook: {exc}\nThey are in "
                   f"{out}.", "posbt: results not written")
        return "not written"
    ui.message(f"{done} done: {', '.join(names)} written.{tail}", "posbt")
    return "done"


def cancel(book: Path, ui: Ui, client: ServerClient | None, home: Path) -> str:
    """Cancel the workbook's running job (the next timer tick stops)."""
    job = load_job(home, book)
    if job is None or not job.job_id:
        ui.status(None)
        ui.message("No backtest, sweep or A/B test of this workbook is running.", "posbt")
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
        what = label(job)
        ui.message(f"{what.capitalize() if what != 'A/B test' else what} {state['state']}; no "
                   "sheet was changed." if state["state"] != "done" else f"The {what} had "
                   "already finished; press its button to write its results again.", "posbt")
    return str(state["state"])
