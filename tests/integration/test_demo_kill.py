"""``kill -9`` during ``posbt data demo`` (issue 14, items 4 and 9): the store still opens,
``data check`` names the incomplete build (if the kill left one), and the next run finishes
it, holding exactly what an uninterrupted build holds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.data.duckdb_store import DuckDBStore

POSBT = [sys.executable, "-c", "from engine.cli.main import main; main()"]
ARGS = ["data", "demo", "--symbols", "BANKNIFTY,NIFTY", "--days", "12", "--history-days", "20",
        "--interval", "5m"]


def _posbt(home: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*POSBT, *args], env={
        **os.environ, "POSBT_HOME": str(home), "COLUMNS": "200"}, capture_output=True, text=True,
        timeout=timeout, check=False)


def _counts(home: Path) -> dict[str, int]:
    store = DuckDBStore(home / "market.duckdb", read_only=True)
    try:
        return store.table_counts()
    finally:
        store.close()


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_kill_9_during_demo_then_rerun(tmp_path: Path) -> None:
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    t0 = time.monotonic()
    assert _posbt(clean, *ARGS).returncode == 0
    full_s = time.monotonic() - t0
    proc = subprocess.Popen([*POSBT, *ARGS],
                            env={**os.environ, "POSBT_HOME": str(killed)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(max(1.0, 0.6 * full_s))  # well into the build, before its end
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    if (killed / "market.duckdb").exists():
        check = _posbt(killed, "data", "check")
        assert "Traceback" not in check.stdout + check.stderr
        assert check.returncode == 0 or "incomplete_build" in check.stdout, check.stdout
    again = _posbt(killed, *ARGS)
    assert again.returncode == 0, again.stderr
    assert _counts(killed) == _counts(clean)
    assert _posbt(killed, "data", "check").returncode == 0
