"""Backtest jobs: a queue, one worker process at a time, states persisted to a JSON file.

Server stage: the API submits requests here; a runner thread starts each job's worker
(:mod:`xlbridge.server.worker`) in its own ``spawn`` process, so cell functions stay fast
on a small machine and a cancel can terminate it. Job states are written to
``$POSBT_HOME/jobs.json`` at every state change; on start, jobs left queued or running by
a previous server are marked failed (never done). A job survives its client: nothing
here depends on the HTTP connection that submitted it, but not its server: a worker whose
server dies (even by SIGKILL) stops itself (:mod:`xlbridge.server.worker`).

Limits (:class:`JobLimits`): at most ``max_queued`` jobs wait (a further submit gets
:class:`QueueFullError`, HTTP 429); a worker that runs past ``time_s`` or whose resident
memory passes ``memory_bytes`` is terminated and its job failed with the reason.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing as mp
import os
import queue as queue_mod
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from engine.errors import PosbtError
from xlbridge.server.worker import JobKind, run_job

POLL_S = 0.1
MEMORY_POLL_S = 0.5
CANCEL_GRACE_S = 10.0  # a cancelled sweep may finish its variants in flight, then it is ended
RESTART_ERROR = "the server stopped before this job finished; submit it again"


@dataclass(frozen=True)
class JobLimits:
    """How many jobs may wait, and each job's wall-clock and memory budget."""

    max_queued: int = 20
    time_s: float = 6 * 3600.0
    memory_bytes: int = 4 * 1024**3


class QueueFullError(PosbtError):
    """The job queue holds ``max_queued`` jobs already."""


def rss_bytes(pid: int) -> int | None:
    """Resident memory of process ``pid`` and its descendants (a sweep's pool workers count
    against their job's budget): psutil, else /proc on Linux for ``pid`` alone; None if
    unknown."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil ships with the server extra
        try:
            with open(f"/proc/{pid}/statm", encoding="ascii") as fh:
                return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError, AttributeError):
            return None
    try:
        proc = psutil.Process(pid)
        total = int(proc.memory_info().rss)
        children = proc.children(recursive=True)
    except (psutil.Error, OSError):
        return None
    for child in children:
        try:
            total += int(child.memory_info().rss)
        except (psutil.Error, OSError):  # it ended meanwhile
            continue
    return total


def terminate_tree(proc: Any) -> None:
    """Terminate a job's worker and every process below it (a sweep's pool workers, which
    Windows' TerminateProcess would otherwise leave running, holding the market store)."""
    children: list[Any] = []
    if proc.pid is not None:
        try:
            import psutil

            children = psutil.Process(proc.pid).children(recursive=True)
        except Exception:  # psutil absent, or the worker has just ended
            children = []
    proc.terminate()
    for child in children:
        try:
            child.terminate()
        except Exception:  # it ended meanwhile
            continue


class JobState(StrEnum):
    """Where a job is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINAL = {JobState.DONE, JobState.FAILED, JobState.CANCELLED}


def _now() -> str:
    """Wall-clock stamp for job bookkeeping (never a valuation time)."""
    return dt.datetime.now().isoformat(timespec="seconds")


@dataclass
class Job:
    """One job (a backtest, a sweep or an A/B test: ``request["kind"]``) as the API shows
    it (``result`` holds the results once done; a sweep counts its variants)."""

    id: str
    request: dict[str, Any]
    state: JobState = JobState.QUEUED
    progress: float = 0.0
    variants_done: int | None = None
    variants_total: int | None = None
    log: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    result: dict[str, Any] | None = None
    created: str = field(default_factory=_now)
    finished: str | None = None

    @property
    def kind(self) -> str:
        return str(self.request.get("kind", JobKind.BACKTEST.value))

    def public(self) -> dict[str, Any]:
        """The job without its results (``GET /v1/jobs/{id}``)."""
        out = asdict(self)
        out.pop("result")
        out["kind"] = self.kind
        out["state"] = self.state.value
        out["progress"] = round(self.progress, 1)
        return out


class JobManager:
    """Runs jobs one at a time in worker processes; thread-safe."""

    def __init__(self, home: Path, jobs_file: Path, on_event: Callable[[str, dict[str, Any]], None]
                 | None = None, limits: JobLimits | None = None) -> None:
        self.home, self.jobs_file = home, jobs_file
        self.limits = limits or JobLimits()
        self._on_event = on_event or (lambda _e, _d: None)
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._pending: queue_mod.Queue[str | None] = queue_mod.Queue()
        self._cancel: set[str] = set()
        self._stopping = threading.Event()
        self._ctx = mp.get_context("spawn")
        self._load()
        self._runner = threading.Thread(target=self._run_loop, name="posbt-jobs", daemon=True)
        self._runner.start()

    # -- persistence ---------------------------------------------------------------------
    def _load(self) -> None:
        try:
            data = json.loads(self.jobs_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        for raw in data if isinstance(data, list) else []:
            try:
                job = Job(**{**raw, "state": JobState(raw["state"])})
            except (TypeError, KeyError, ValueError):
                continue
            if job.state not in FINAL:
                job.state, job.finished = JobState.FAILED, _now()
                job.errors.append({"place": None, "excel_name": None, "message": RESTART_ERROR})
            self._jobs[job.id] = job
        self._save()

    def _save(self) -> None:
        self.jobs_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.jobs_file.with_suffix(".tmp")
        rows = [{**asdict(j), "state": j.state.value} for j in self._jobs.values()]
        tmp.write_text(json.dumps(rows, default=str), encoding="utf-8")
        os.replace(tmp, self.jobs_file)

    # -- API -----------------------------------------------------------------------------
    def submit(self, request: dict[str, Any]) -> Job:
        job = Job(id=uuid.uuid4().hex[:12], request=request)
        with self._lock:
            queued = sum(1 for j in self._jobs.values() if j.state is JobState.QUEUED)
            if queued >= self.limits.max_queued:
                raise QueueFullError(f"{queued} jobs are already waiting (at most "
                                     f"{self.limits.max_queued}); wait for some to finish "
                                     "or cancel them", place="queue")
            self._jobs[job.id] = job
            self._save()
        self._on_event("job_submitted", {"job": job.id, "path": request.get("path")})
        self._pending.put(job.id)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def running(self) -> int:
        with self._lock:
            return sum(1 for j in self._jobs.values() if j.state is JobState.RUNNING)

    def cancel(self, job_id: str) -> Job | None:
        """Cancel a queued or running job (a finished one is left as it is)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.state in FINAL:
                return job
            self._cancel.add(job_id)
            if job.state is JobState.QUEUED:
                self._finish(job, JobState.CANCELLED)
        return job

    def shutdown(self) -> None:
        """Stop the runner: a running job's worker is terminated and the job marked failed."""
        self._stopping.set()
        self._pending.put(None)
        self._runner.join(timeout=10)

    # -- runner --------------------------------------------------------------------------
    def _finish(self, job: Job, state: JobState) -> None:
        job.state, job.finished = state, _now()
        if state is JobState.DONE:
            job.progress = 100.0
        self._save()
        self._on_event("job_" + state.value, {"job": job.id, "errors": job.errors})

    def _run_loop(self) -> None:
        while (job_id := self._pending.get()) is not None and not self._stopping.is_set():
            with self._lock:
                job = self._jobs[job_id]
                if job.state is not JobState.QUEUED:
                    continue
                job.state = JobState.RUNNING
                self._save()
            self._run_one(job)
        with self._lock:
            for job in self._jobs.values():
                if job.state not in FINAL:
                    job.errors.append({"place": None, "excel_name": None,
                                       "message": RESTART_ERROR})
                    self._finish(job, JobState.FAILED)

    def _run_one(self, job: Job) -> None:
        messages = self._ctx.Queue()
        stop = self._ctx.Event()
        proc = self._ctx.Process(target=run_job,
                                 args=(job.request, str(self.home), messages, stop),
                                 name=f"posbt-job-{job.id}",
                                 # a sweep starts a process pool, which a daemonic process
                                 # may not; its worker ends itself with the server anyway
                                 daemon=job.kind != JobKind.SWEEP.value)
        proc.start()
        self._on_event("job_started", {"job": job.id, "pid": proc.pid, "kind": job.kind})
        final: JobState | None = None
        started = time.monotonic()
        next_memory_check = started
        stop_by: float | None = None  # a cancelled sweep's deadline to stop by itself
        what = {JobKind.SWEEP.value: "the sweep", JobKind.ABTEST.value: "the A/B test"}.get(
            job.kind, "the backtest")
        while final is None:
            if self._stopping.is_set() or (job.id in self._cancel and (
                    job.kind != JobKind.SWEEP.value
                    or (stop_by is not None and time.monotonic() > stop_by)
                    or not proc.is_alive())):
                terminate_tree(proc)
                final = JobState.CANCELLED if job.id in self._cancel else JobState.FAILED
                break
            if job.id in self._cancel and stop_by is None:  # a sweep: ask it to stop first
                stop.set()
                stop_by = time.monotonic() + CANCEL_GRACE_S
            now = time.monotonic()
            over = None
            if now - started > self.limits.time_s:
                over = (f"{what} ran past its time budget of {self.limits.time_s:,.0f} s "
                        "and was stopped (POSBT_JOB_TIME_S sets the budget)")
            elif now >= next_memory_check and proc.pid is not None:
                next_memory_check = now + MEMORY_POLL_S
                rss = rss_bytes(proc.pid)
                if rss is not None and rss > self.limits.memory_bytes:
                    over = (f"{what} used {rss / 2**20:,.0f} MiB, over its memory budget "
                            f"of {self.limits.memory_bytes / 2**20:,.0f} MiB, and was stopped "
                            "(POSBT_JOB_MEMORY_MB sets the budget)")
            if over is not None:
                terminate_tree(proc)
                with self._lock:
                    job.errors.append({"place": None, "excel_name": None, "message": over})
                final = JobState.FAILED
                break
            try:
                msg = messages.get(timeout=POLL_S)
            except queue_mod.Empty:
                if not proc.is_alive() and stop_by is None:
                    final = self._drain(job, messages) or self._died(job, proc.exitcode)
                continue
            # a sweep that ends while asked to stop: done when it finished first (the cancel
            # came too late: its sheets are whole), cancelled when it stopped without a word
            final = self._apply(job, msg)
        proc.join(timeout=5)
        if proc.is_alive():  # pragma: no cover - terminate() did not take
            proc.kill()
            proc.join()
        messages.close()
        messages.join_thread()
        with self._lock:
            if final is JobState.CANCELLED:
                job.log.append("cancelled; the worker was stopped")
            elif final is JobState.FAILED and self._stopping.is_set() and not job.errors:
                job.errors.append({"place": None, "excel_name": None, "message": RESTART_ERROR})
            self._finish(job, final)

    def _drain(self, job: Job, messages: Any) -> JobState | None:
        while True:
            try:
                msg = messages.get_nowait()
            except queue_mod.Empty:
                return None
            if (state := self._apply(job, msg)) is not None:
                return state

    def _died(self, job: Job, code: int | None) -> JobState:
        job.errors.append({"place": None, "excel_name": None,
                           "message": f"the backtest worker exited with code {code}"})
        return JobState.FAILED

    def _apply(self, job: Job, msg: tuple[Any, ...]) -> JobState | None:
        kind = msg[0]
        with self._lock:
            if kind == "progress":
                job.progress = float(msg[1])
                if len(msg) >= 5:  # a sweep: variants done, in all
                    job.variants_done, job.variants_total = int(msg[3]), int(msg[4])
            elif kind == "log":
                job.log.append(str(msg[1]))
            elif kind == "done":
                job.result = msg[1]
                return JobState.DONE
            elif kind == "failed":
                job.errors.extend(msg[1])
                return JobState.FAILED
        return None
