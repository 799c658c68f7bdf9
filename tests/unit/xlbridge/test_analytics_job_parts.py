"""Parts of the sweep and A/B jobs without a server: the progress adapter and its stop, the
sweep API's stop check when it has one, a job's memory counting its pool, and the worker
run in-process on the constructed three-week market."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.integration.test_abtest_cli import _market
from tests.integration.test_run_cli import FLY_YAML
from xlbridge.server.jobs import rss_bytes
from xlbridge.server.worker import (
    JobStoppedError,
    progress_message,
    run_job,
    stop_keywords,
    sweep_progress,
    sweep_specs,
)


class Queue:
    def __init__(self) -> None:
        self.items: list[Any] = []

    def put(self, obj: Any) -> None:
        self.items.append(obj)


def test_progress_adapter_counts_variants_and_stops_when_asked() -> None:
    q, stop = Queue(), threading.Event()
    progress = sweep_progress(q, stop)
    progress(1, 4)
    progress(4, 4)
    # 1 of 4 = 25 %; the last stays below 100 until the sheets are written
    assert q.items == [("progress", 25.0, "variant 1/4", 1, 4),
                       ("progress", 99.0, "variant 4/4", 4, 4)]
    stop.set()
    with pytest.raises(JobStoppedError):
        progress(2, 4)
    assert progress_message(0, 0) == ("progress", 0.0, "variant 0/0", 0, 0)
    assert sweep_specs({"params": [{"name": "Lots", "values": "1:3:1"}]}) == ["Lots=1:3:1"]


def test_stop_check_goes_to_a_sweep_api_that_takes_one() -> None:
    stop = threading.Event()

    def new_api(*, progress: Any = None, should_stop: Any = None) -> None: ...

    def old_api(*, progress: Any = None) -> None: ...

    assert stop_keywords(old_api, stop) == {}
    assert stop_keywords(new_api, None) == {}
    kw = stop_keywords(new_api, stop)
    assert kw["should_stop"]() is False
    stop.set()
    assert kw["should_stop"]() is True


def test_job_memory_counts_its_child_processes() -> None:
    size = 150 * 2**20
    child = subprocess.Popen([sys.executable, "-c",
                              f"b = b'x' * {size}; import sys; sys.stdout.write('ok\\n'); "
                              "sys.stdout.flush(); import time; time.sleep(60)"],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "ok\n"
        me = psutil.Process().memory_info().rss
        total = rss_bytes(psutil.Process().pid)
        assert total is not None
        # this process plus a child holding 150 MiB of written bytes (within 20 MiB for
        # the rest moving meanwhile)
        assert total >= me + size - 20 * 2**20, (total, me)
    finally:
        child.kill()
        child.wait()
        if child.stdout is not None:
            child.stdout.close()


@pytest.fixture
def fly(tmp_path: Path) -> tuple[Path, Path]:
    home = tmp_path / "home"
    home.mkdir()
    _market(home)
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML + "short_leg_dte: 0\n")
    return home, cfg


def test_sweep_worker_in_process_and_its_stop(fly: tuple[Path, Path]) -> None:
    home, cfg = fly
    q = Queue()
    run_job({"kind": "sweep", "path": str(cfg), "workers": 1,
             "params": [{"name": "Lots", "values": "1,2"}]}, str(home), q)
    kinds = [m[0] for m in q.items]
    assert kinds[-1] == "done", q.items
    done = q.items[-1][1]
    rows = done["tables"]["BT_Sweep"]["rows"]
    head = done["tables"]["BT_Sweep"]["headers"]
    # 14,250 INR a lot over the three weeks (110 + 140 - 60 pts x 75), no costs
    assert [r[head.index("net_pnl_inr")] for r in rows] == [14250, 28500]
    assert ("progress", 99.0, "variant 2/2", 2, 2) in q.items
    # a stop already set: the first finished variant unwinds the sweep, nothing is written
    stop = threading.Event()
    stop.set()
    q = Queue()
    out = cfg.with_name("stopped.xlsx")
    run_job({"kind": "sweep", "path": str(cfg), "workers": 1, "out": str(out),
             "params": [{"name": "Lots", "values": "3,4"}]}, str(home), q, stop)
    assert ("log", "stopped on cancel; nothing written") in q.items
    assert not any(m[0] in ("done", "failed") for m in q.items) and not out.exists()


def test_abtest_worker_reports_the_engine_error(fly: tuple[Path, Path]) -> None:
    home, cfg = fly
    q = Queue()
    run_job({"kind": "abtest", "path": str(cfg), "strategy_a": "Golden_Fly",
             "params": [{"name": "MaxDTEEntry", "value": "0"}]}, str(home), q)
    assert q.items[-1][0] == "failed", q.items
    # B can never enter (Monday entries are 3 days to expiry): no common cycle
    assert "have no cycle in which both entered" in q.items[-1][1][0]["message"]


def _pool_processes() -> set[int]:
    """multiprocessing children below this process (not the resource tracker)."""
    out = set()
    for p in psutil.Process().children(recursive=True):
        try:
            cmd = " ".join(p.cmdline())
        except psutil.Error:
            continue
        if "multiprocessing" in cmd and "resource_tracker" not in cmd:
            out.add(p.pid)
    return out


def test_cancel_past_the_grace_period_ends_the_worker_and_its_pool(
        fly: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from xlbridge.server import jobs

    monkeypatch.setattr(jobs, "CANCEL_GRACE_S", 0.0)  # no waiting for variants in flight
    home, cfg = fly
    before = _pool_processes()
    manager = jobs.JobManager(home, home / "jobs.json")
    try:
        out = cfg.with_name("terminated.xlsx")
        job = manager.submit({"kind": "sweep", "path": str(cfg), "workers": 2, "out": str(out),
                              "params": [{"name": "Lots", "values": "1:10:1"}]})
        deadline = time.monotonic() + 300
        # the job worker and its two pool workers are up
        while len(_pool_processes() - before) < 3 and time.monotonic() < deadline:
            assert job.state in (jobs.JobState.QUEUED, jobs.JobState.RUNNING), job.public()
            time.sleep(0.1)
        assert len(_pool_processes() - before) >= 3
        manager.cancel(job.id)
        while job.state not in jobs.FINAL and time.monotonic() < deadline:
            time.sleep(0.1)
        assert job.state is jobs.JobState.CANCELLED, job.public()
        while _pool_processes() - before and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _pool_processes() - before  # no pool worker outlives its job
        assert not out.exists()
    finally:
        manager.shutdown()
