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
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from engine.config.problems import ConfigError
from engine.errors import PosbtError
from engine.results.result import BacktestResult
from engine.results.tables import Table, equity_table, summary_table, trades_table


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
        os._exit(PARENT_GONE_EXIT)  # no cleanup: the server that wanted the result is gone

    thread = threading.Thread(target=watch, name="posbt-parent-watch", daemon=True)
    thread.start()
    return thread


def run_job(request: dict[str, Any], home: str, queue: MessageQueue) -> None:
    """Run one backtest request and report through ``queue``; never raises."""
    _exit_when_parent_dies()
    if hasattr(os, "nice"):  # a backtest yields the CPU to cell functions (POSIX)
        os.nice(10)
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
