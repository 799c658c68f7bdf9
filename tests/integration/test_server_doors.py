"""The local server's doors (issue 14, item 8): Host and Origin checks, the body limit for
chunked bodies, paths with NUL bytes or absurd lengths, the job queue limit, each job's
time and memory budget, and workers that never outlive their server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.errors import PosbtError
from xlbridge.server.jobs import JobLimits, JobManager, QueueFullError
from xlbridge.server.security import PathRefusedError, checked_path
from xlbridge.server.thread import serve_in_thread
from xlbridge.settings import ServerSettings

TOKEN = "doors-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, Path]]:
    root = tmp_path_factory.mktemp("doors")
    books = root / "books"
    books.mkdir()
    (books / "cfg.yaml").write_text("strategies: []\n")
    settings = ServerSettings(home=root / "home", port=0, allowed_roots=(books.resolve(),),
                              max_queued_jobs=0)
    with serve_in_thread(settings, TOKEN) as port:
        yield f"http://127.0.0.1:{port}", port, books


def _get(base: str, path: str, **headers: str) -> httpx.Response:
    return httpx.get(base + path, headers={**AUTH, **headers}, timeout=10)


def test_a_foreign_host_is_refused_dns_rebinding(server: tuple[str, int, Path]) -> None:
    base, port, _ = server
    assert _get(base, "/v1/health").status_code == 200  # httpx sends Host: 127.0.0.1:<port>
    assert _get(base, "/v1/health", Host=f"localhost:{port}").status_code == 200
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1", f"127.0.0.1:{port + 1}",
                 f"localhost.evil.example:{port}"):
        r = _get(base, "/v1/health", Host=host)
        assert r.status_code == 403, host
        assert r.json()["place"] == "header.Host" and "not this server" in r.json()["error"]
    r = _get(base, "/v1/jobs/x", Host="evil.example")  # refused before the token is looked at
    assert r.status_code == 403


def test_a_foreign_origin_is_refused(server: tuple[str, int, Path]) -> None:
    base, port, _ = server
    for origin in ("http://evil.example", "null", f"http://127.0.0.1:{port + 1}",
                   f"https://127.0.0.1:{port}"):
        r = _get(base, "/v1/health", Origin=origin)
        assert r.status_code == 403, origin
        assert r.json()["place"] == "header.Origin"
    assert _get(base, "/v1/health", Origin=f"http://127.0.0.1:{port}").status_code == 200
    assert _get(base, "/v1/health", Origin=f"http://localhost:{port}").status_code == 200


def test_a_chunked_body_over_the_limit_gets_413(server: tuple[str, int, Path]) -> None:
    base, _, _ = server

    def chunks() -> Iterator[bytes]:  # 3 MB, no Content-Length: Transfer-Encoding: chunked
        for _ in range(30):
            yield b" " * 100_000

    r = httpx.post(base + "/v1/validate", content=chunks(),
                   headers={**AUTH, "Content-Type": "application/json"}, timeout=10)
    assert r.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in r.request.headers
    assert r.status_code == 413 and r.json()["place"] == "body"
    # a small chunked body still reaches its handler (which finds no sheets in it)
    small = httpx.post(base + "/v1/validate", content=iter([b'{"sheets": {}', b"}"]),
                       headers={**AUTH, "Content-Type": "application/json"}, timeout=10)
    assert small.status_code == 400 and small.json()["error"] == "no sheets given"
    assert _get(base, "/v1/health").json()["status"] == "ok"


def test_nul_bytes_and_long_paths_get_4xx_naming_the_field(
        server: tuple[str, int, Path]) -> None:
    base, _, books = server

    def post(path: str, body: dict[str, Any]) -> httpx.Response:
        return httpx.post(base + path, json=body, headers=AUTH, timeout=10)

    r = post("/v1/validate", {"path": f"{books}/a\x00b.xlsx"})
    assert r.status_code == 400 and r.json()["place"] == "path"
    assert "control character" in r.json()["error"]
    r = post("/v1/validate", {"path": "/" + "a" * 5000 + ".xlsx"})
    assert r.status_code == 422 and r.json()["place"] == "body.path"
    r = post("/v1/backtests", {"path": str(books / "cfg.yaml"), "out": "/" + "b" * 5000})
    assert r.status_code == 422 and r.json()["place"] == "body.out"
    r = post("/v1/backtests", {"path": str(books / "cfg.yaml"), "out": f"{books}/x\x00.xlsx"})
    assert r.status_code == 400 and r.json()["place"] == "out"
    r = post("/v1/validate", {"path": f"{books}/{'c' * 300}.xlsx"})  # one name over 255
    assert r.status_code == 400 and r.json()["place"] == "path"
    assert _get(base, "/v1/health").json()["status"] == "ok"


def test_checked_path_turns_os_refusals_into_place_errors(tmp_path: Path) -> None:
    with pytest.raises(PathRefusedError) as err:
        checked_path(str(tmp_path / ("d" * 200) / ("e" * 200) / "x.xlsx"), (tmp_path,),
                     field="out")
    assert err.value.place == "out"
    with pytest.raises(PathRefusedError, match="characters long"):
        checked_path("/" + "f/" * 600 + "x.xlsx", (Path("/"),))


def test_a_full_queue_answers_429(server: tuple[str, int, Path]) -> None:
    base, _, books = server  # this server allows no queued job at all
    r = httpx.post(base + "/v1/backtests", json={"path": str(books / "cfg.yaml")},
                   headers=AUTH, timeout=10)
    assert r.status_code == 429 and r.json()["place"] == "queue"
    assert "already waiting" in r.json()["error"] and r.headers["retry-after"] == "30"


def test_the_queue_holds_at_most_max_queued_jobs(tmp_path: Path) -> None:
    manager = JobManager(tmp_path, tmp_path / "jobs.json", limits=JobLimits(max_queued=2))
    manager.shutdown()  # the runner is stopped: submitted jobs stay queued
    manager.submit({"path": "a"})
    manager.submit({"path": "b"})
    with pytest.raises(QueueFullError, match="2 jobs are already waiting"):
        manager.submit({"path": "c"})


def _run_to_end(limits: JobLimits, tmp_path: Path, config: Path) -> dict[str, Any]:
    manager = JobManager(tmp_path, tmp_path / "jobs.json", limits=limits)
    try:
        job = manager.submit({"path": str(config)})
        deadline = time.monotonic() + 60
        while job.state.value in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.05)
        return job.public()
    finally:
        manager.shutdown()


def test_a_job_past_its_time_budget_is_stopped(tmp_path: Path) -> None:
    config = tmp_path / "cfg.yaml"
    config.write_text("strategies: []\n")
    # a spawned worker needs over a second just to import the engine: 0.3 s is too little
    job = _run_to_end(JobLimits(time_s=0.3), tmp_path, config)
    assert job["state"] == "failed"
    assert "time budget of 0 s" in job["errors"][0]["message"]


def test_a_job_over_its_memory_budget_is_stopped(tmp_path: Path) -> None:
    config = tmp_path / "cfg.yaml"
    config.write_text("strategies: []\n")
    # any Python process holds more than 1 MiB resident: the first check stops it
    job = _run_to_end(JobLimits(memory_bytes=2**20), tmp_path, config)
    assert job["state"] == "failed"
    assert "over its memory budget of 1 MiB" in job["errors"][0]["message"]


def test_settings_read_the_limits_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    monkeypatch.setenv("POSBT_MAX_QUEUED_JOBS", "3")
    monkeypatch.setenv("POSBT_JOB_TIME_S", "60")
    monkeypatch.setenv("POSBT_JOB_MEMORY_MB", "512")
    s = ServerSettings.from_env(home=tmp_path, allowed=(tmp_path,))
    assert (s.max_queued_jobs, s.job_time_s, s.job_memory_bytes) == (3, 60.0, 512 * 2**20)
    monkeypatch.setenv("POSBT_JOB_TIME_S", "soon")
    with pytest.raises(PosbtError, match="POSBT_JOB_TIME_S must be a number"):
        ServerSettings.from_env(home=tmp_path, allowed=(tmp_path,))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead too (its parent is gone, init reaps it soon)
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return True


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_worker_dies_with_its_server_even_on_sigkill() -> None:
    parent = subprocess.Popen(  # stands in for `posbt serve` with one running job
        [sys.executable, "-c",
         "import multiprocessing as mp, time\n"
         "from tests.unit.xlbridge.orphan_child import sleeper\n"
         "p = mp.get_context('spawn').Process(target=sleeper, daemon=True)\n"
         "p.start(); print(p.pid, flush=True); time.sleep(120)\n"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        time.sleep(1.0)  # the watchdog is up once the child has imported the worker
        assert _alive(child)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 20
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child), "the worker outlived its server"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(timeout=10)
        if parent.stdout is not None:
            parent.stdout.close()


def test_a_jobs_out_never_overwrites_a_users_workbook(server: tuple[str, int, Path]) -> None:
    base, _, books = server
    mine = books / "mine.xlsx"
    mine.write_bytes(b"my own bytes")
    r = httpx.post(base + "/v1/backtests", json={"path": str(books / "cfg.yaml"),
                                                "out": str(mine)}, headers=AUTH, timeout=10)
    assert r.status_code == 400 and r.json()["place"] == "out"
    assert "not a posbt results workbook" in r.json()["error"]
    assert mine.read_bytes() == b"my own bytes"
    r = httpx.post(base + "/v1/backtests", json={"path": str(books / "cfg.yaml"),
                                                "out": str(mine), "replace": True},
                   headers=AUTH, timeout=10)
    assert r.status_code == 429  # past the out check; this server queues nothing
