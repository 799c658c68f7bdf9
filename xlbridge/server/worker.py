"""The backtest worker: runs one job's ``engine.api.run_file`` in its own process.

Server stage, below :mod:`xlbridge.server.jobs` (which starts it with the ``spawn`` method,
reads its messages and terminates it on cancel) and above the engine. Messages on the
queue are tuples: ``("progress", pct, text)``, ``("log", text)``, ``("done", result)``,
``("failed", errors)``; each error is ``{"place", "message", "excel_name"}`` so Excel can
name the sheet and cell.

A worker never outlives its server: a watchdog thread waits on the parent's process
sentinel (``multiprocessing.parent_process()``, spawn start method, Windows and POSIX) and
ends the worker the moment the server is gone, even when the server was killed with
SIGKILL; the restarted server then reports the job failed, and nothing runs twice.
"""

from __future__ import annotations

import datetime as dt
import math
import multiprocessing as mp
import os
import threading
import traceback
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from engine.config.problems import ConfigError
from engine.errors import PosbtError
from engine.results.result import BacktestResult
from engine.results.tables import Table, equity_table, summary_table, trades_table


class JobKind(StrEnum):
    """What a job runs (``request["kind"]``; a request without one is a backtest)."""

    BACKTEST = "backtest"
    SWEEP = "sweep"
    ABTEST = "abtest"


class MessageQueue(Protocol):
    """The part of a multiprocessing queue the worker uses."""

    def put(self, obj: Any) -> None: ...


def json_value(v: Any) -> Any:
    """A JSON-safe cell: dates to ISO text, NaN/inf to None, numpy scalars to Python."""
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if hasattr(v, "item") and not isinstance(v, str | bytes):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def json_table(table: Table) -> dict[str, Any]:
    """``(headers, rows)`` as ``{"headers": [...], "rows": [[...], ...]}``."""
    headers, rows = table
    return {"headers": list(headers), "rows": [[json_value(v) for v in row] for row in rows]}


def result_tables(results: Sequence[BacktestResult]) -> dict[str, dict[str, Any]]:
    """The BT_* tables the ribbon writes into a live book, keyed by sheet name."""
    return {"BT_Summary": json_table(summary_table(results)),
            "BT_Trades": json_table(trades_table(results)),
            "BT_Equity": json_table(equity_table(results))}


def problem_dicts(exc: PosbtError) -> list[dict[str, Any]]:
    """Errors with places: every problem of a ConfigError, else the error itself."""
    if isinstance(exc, ConfigError):
        return [{"place": p.place, "message": p.message, "excel_name": p.excel_name}
                for p in exc.report.errors]
    return [{"place": exc.place, "message": exc.message, "excel_name": None}]


def _count(path: Path, home: Path, names: Sequence[str] | None) -> int:
    if names:
        return len(names)
    from engine.config.loader import load_config

    try:
        loaded = load_config(path, strict=False)
    except PosbtError:
        return 1
    return max(1, sum(1 for c in loaded.configs() if c.enabled))


PARENT_GONE_EXIT = 75
TERMINATED_EXIT = 143  # 128 + SIGTERM, what the default handler would give


def end_children() -> None:
    """Terminate this process's multiprocessing children (a sweep's pool workers), so a
    cancelled or orphaned job leaves no process behind."""
    for child in mp.active_children():
        child.terminate()
    for child in mp.active_children():
        child.join(timeout=2)


def _end_children_on_sigterm() -> None:
    """POSIX: on SIGTERM (the server's cancel) end the pool's workers, then exit at once.
    Windows' TerminateProcess runs no handler; there the cooperative ``stop`` matters."""
    import signal

    if not hasattr(signal, "SIGTERM") or mp.parent_process() is None:
        return

    def on_term(_signum: int, _frame: Any) -> None:
        end_children()
        os._exit(TERMINATED_EXIT)

    signal.signal(signal.SIGTERM, on_term)


def _exit_when_parent_dies() -> threading.Thread | None:
    """Start the watchdog that ends this process when its parent dies (None when this
    is not a child process, e.g. a test calling :func:`run_job` directly)."""
    parent = mp.parent_process()
    if parent is None:
        return None
    sentinel = parent.sentinel

    def watch() -> None:
        from multiprocessing.connection import wait

        wait([sentinel])
        end_children()  # a sweep's pool processes go with it
        os._exit(PARENT_GONE_EXIT)  # no cleanup: the server that wanted the result is gone

    thread = threading.Thread(target=watch, name="posbt-parent-watch", daemon=True)
    thread.start()
    return thread


class StopFlag(Protocol):
    """The part of a multiprocessing event the worker reads (set by a cancel)."""

    def is_set(self) -> bool: ...


def run_job(request: dict[str, Any], home: str, queue: MessageQueue,
            stop: StopFlag | None = None) -> None:
    """Run one job request (``kind``: backtest, sweep or abtest) and report through
    ``queue``; never raises. ``stop``, once set, asks a sweep to stop after the variant
    that finishes next (nothing is written); the server terminates the worker after a
    grace period in any case."""
    _exit_when_parent_dies()
    _end_children_on_sigterm()
    if hasattr(os, "nice"):  # a backtest yields the CPU to cell functions (POSIX)
        os.nice(10)
    kind = request.get("kind", JobKind.BACKTEST.value)
    if kind == JobKind.SWEEP.value:
        _guarded(queue, lambda: _run_sweep(request, Path(home), queue, stop))
        return
    if kind == JobKind.ABTEST.value:
        _guarded(queue, lambda: _run_abtest(request, Path(home), queue))
        return
    _run_backtest(request, home, queue)


def _run_backtest(request: dict[str, Any], home: str, queue: MessageQueue) -> None:
    from engine.api import run_file

    path, home_path = Path(request["path"]), Path(home)
    names = request.get("strategies") or None
    done: list[str] = []

    def progress(name: str, frac: float) -> None:
        if name not in done:
            done.append(name)
            queue.put(("log", f"running {name}"))
        pct = 100.0 * (len(done) - 1 + min(max(frac, 0.0), 1.0)) / total
        queue.put(("progress", min(pct, 99.0), name))

    try:
        total = _count(path, home_path, names)
        queue.put(("log", f"validating {path.name}"))
        d_from, d_to = request.get("date_from"), request.get("date_to")
        out = request.get("out")
        outcome = run_file(path, home_path, strategies=names,
                           date_from=dt.date.fromisoformat(d_from) if d_from else None,
                           date_to=dt.date.fromisoformat(d_to) if d_to else None,
                           out=Path(out) if out else None, progress=progress,
                           replace=bool(request.get("replace", False)))
        for w in outcome.warnings:
            queue.put(("log", f"warning: {w}"))
        queue.put(("done", {"out_path": str(outcome.out_path), "run_ids": outcome.run_ids,
                            "warnings": outcome.warnings,
                            "tables": result_tables(outcome.results)}))
    except PosbtError as exc:
        queue.put(("failed", problem_dicts(exc)))
    except Exception as exc:  # a bug: report it with its type, keep the trace in the log
        queue.put(("log", traceback.format_exc()))
        queue.put(("failed", [{"place": None, "excel_name": None,
                               "message": f"internal error {type(exc).__name__}: {exc}"}]))


# -- sweeps and A/B tests ---------------------------------------------------------------------


class JobStoppedError(Exception):
    """Raised inside a sweep's progress callback when the job's stop flag is set: it
    unwinds the sweep before anything is written."""


def _guarded(queue: MessageQueue, body: Callable[[], None]) -> None:
    try:
        body()
    except JobStoppedError:
        queue.put(("log", "stopped on cancel; nothing written"))
    except PosbtError as exc:
        if _stopped_by_the_sweep(exc):
            queue.put(("log", "stopped on cancel; nothing written"))
            return
        queue.put(("failed", problem_dicts(exc)))
    except Exception as exc:  # a bug: report it with its type, keep the trace in the log
        queue.put(("log", traceback.format_exc()))
        queue.put(("failed", [{"place": None, "excel_name": None,
                               "message": f"internal error {type(exc).__name__}: {exc}"}]))


def sweep_specs(request: Mapping[str, Any]) -> list[str]:
    """The request's ``params`` as the engine's ``NAME=VALUES`` specs (none without
    ``params``: the engine then reads the file's Sweep sheet or ``sweep:`` block)."""
    return [f"{p['name']}={p['values']}" for p in request.get("params") or ()]


def progress_message(done: int, total: int) -> tuple[str, float, str, int, int]:
    """The ``progress`` message of a sweep: percent (below 100 until the sheets are
    written), text, variants done and in all."""
    pct = 100.0 * done / total if total else 0.0
    return ("progress", min(pct, 99.0), f"variant {done}/{total}", done, total)


def sweep_progress(queue: MessageQueue, stop: StopFlag | None) -> Callable[[int, int], None]:
    """The adapter between the sweep API's progress callback (``progress(done, total)``,
    called in the worker as each variant finishes) and the job: a progress message, and a
    cancel check that unwinds the sweep (:class:`JobStoppedError`) before it writes anything.

    When the sweep API gains its own stop check (``should_stop() -> bool``), pass
    ``stop.is_set`` there too; this adapter keeps working as it is."""

    def progress(done: int, total: int) -> None:
        queue.put(progress_message(done, total))
        if stop is not None and stop.is_set():
            raise JobStoppedError

    return progress


def stop_keywords(func: Callable[..., Any], stop: StopFlag | None) -> dict[str, Any]:
    """``{"should_stop": stop.is_set}`` when the sweep API takes a stop check (polled
    between variants, so a cancel needs no variant to finish first), else nothing: the
    progress adapter's check is then the only one."""
    import inspect

    if stop is None or "should_stop" not in inspect.signature(func).parameters:
        return {}
    return {"should_stop": stop.is_set}


def _stopped_by_the_sweep(exc: BaseException) -> bool:
    """The sweep API's own stop (its ``SweepStoppedError``), told apart by name so this
    module needs no name the API may not have."""
    return type(exc).__name__ == "SweepStoppedError"


def _run_sweep(request: dict[str, Any], home: Path, queue: MessageQueue,
               stop: StopFlag | None) -> None:
    from engine.api import sweep_file

    path = Path(request["path"])
    specs = sweep_specs(request)
    which = request.get("strategy") or "its strategy"
    over = ", ".join(p["name"] for p in request.get("params") or ()) or \
        "the parameters of its Sweep sheet"
    queue.put(("log", f"validating {path.name}: sweep of {which} over {over}"))
    out = request.get("out")
    outcome = sweep_file(path, home, strategy=request.get("strategy"), param_specs=specs,
                         samples=request.get("samples"), seed=int(request.get("seed", 0)),
                         out=Path(out) if out else None, replace=bool(request.get("replace")),
                         workers=request.get("workers"),
                         progress=sweep_progress(queue, stop),
                         **stop_keywords(sweep_file, stop))
    for w in outcome.warnings:
        queue.put(("log", f"warning: {w}"))
    rows = outcome.table[1]
    queue.put(("log", f"{len(rows)} variants: {outcome.ran} run now, {outcome.reused} from "
                      f"the results store, {len(outcome.invalid)} invalid"))
    queue.put(("done", {"out_path": str(outcome.out_path), "run_ids": [],
                        "warnings": outcome.warnings,
                        "variants": {"total": len(rows), "ran": outcome.ran,
                                     "reused": outcome.reused,
                                     "invalid": len(outcome.invalid)},
                        "tables": _sheet_tables(outcome.out_path, SWEEP_SHEETS)}))


SWEEP_SHEETS = ("BT_Sweep", "BT_SweepStats")
ABTEST_SHEETS = ("BT_ABTest", "BT_ABTestPairs")


def _sheet_tables(path: Path | None, names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The named sheets of a written results workbook as JSON tables (what the sheets
    hold, read back, so the API and the workbook cannot disagree)."""
    from openpyxl import load_workbook

    if path is None:
        return {}
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        out = {}
        for name in names:
            if name in wb.sheetnames:
                rows = [list(r) for r in wb[name].iter_rows(values_only=True)]
                out[name] = json_table((rows[0] if rows else [], rows[1:]))
        return out
    finally:
        wb.close()


def _run_abtest(request: dict[str, Any], home: Path, queue: MessageQueue) -> None:
    from engine.api import abtest_file

    path = Path(request["path"])
    changes = [f"{p['name']}={p['value']}" for p in request.get("params") or []]
    a, b = request["strategy_a"], request.get("strategy_b")
    queue.put(("log", f"validating {path.name}: A/B test of {a} against "
                      f"{b or a}{' with ' + ', '.join(changes) if changes else ''}"))
    queue.put(("progress", 5.0, f"backtesting {a} and {b or a}", 0, 2))
    out = request.get("out")
    outcome = abtest_file(path, home, a, b, param_specs=changes,
                          cycle=str(request.get("cycle", "week")),
                          n_resamples=int(request.get("n_resamples", 9999)),
                          seed=int(request.get("seed", 0)), out=Path(out) if out else None,
                          replace=bool(request.get("replace")))
    test = outcome.test
    queue.put(("log", f"{len(test.cycles)} paired cycles; mean difference "
                      f"{test.mean_diff_inr:,.0f} INR, p = {test.p_value:.3g}"))
    queue.put(("done", {"out_path": str(outcome.out_path), "run_ids": outcome.run_ids,
                        "warnings": [], "labels": [outcome.label_a, outcome.label_b],
                        "tables": _sheet_tables(outcome.out_path, ABTEST_SHEETS)}))
