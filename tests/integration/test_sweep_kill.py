"""``kill -9`` half way through ``posbt sweep``: the rerun resumes (finished variants are not
run again) and writes the same BT_Sweep as an uninterrupted sweep (issue 16 acceptance)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from engine.results.store import ResultsStore
from tests.integration.test_run_cli import FLY_YAML
from tests.integration.test_sweep_cli import _market

POSBT = [sys.executable, "-c", "from engine.cli.main import main; main()"]


def _args(cfg: Path, out: Path, lots: str = "1:10:1") -> list[str]:
    # 10 x 6 = 60 variants (MaxLots is 10; a stop of 5x the credit or more never fires here)
    return ["sweep", str(cfg), "--workers", "1", "--param", f"Lots={lots}", "--param",
            "StopLoss=5:10:1", "--out", str(out)]


def _timed(cfg: Path, home: Path, out: Path, lots: str = "1:10:1") -> float:
    t0 = time.monotonic()
    done = subprocess.run([*POSBT, *_args(cfg, out, lots)], env=_env(home), capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    return time.monotonic() - t0


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "POSBT_HOME": str(home), "COLUMNS": "200"}


def _kept(home: Path) -> int:
    if not (home / "results.duckdb").exists():
        return 0
    store = ResultsStore(home / "results.duckdb")
    try:
        return int(store.con.execute("SELECT count(*) FROM sweep_variants").fetchall()[0][0])
    finally:
        store.close()


def _sheet(path: Path) -> list[tuple[object, ...]]:
    wb = load_workbook(path, read_only=True)
    rows = list(wb["BT_Sweep"].iter_rows(values_only=True))
    wb.close()
    return rows


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_kill_9_half_way_then_resume(tmp_path: Path) -> None:
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML)
    clean, killed = _market(tmp_path / "clean"), _market(tmp_path / "killed")
    # start-up plus 6 variants, then all 60: the kill lands about half way through the variants
    small_s = _timed(cfg, _market(tmp_path / "small"), tmp_path / "small.xlsx", "1")
    full_s = _timed(cfg, clean, tmp_path / "clean.xlsx")
    per_variant_s = max(0.0, full_s - small_s) / 54
    # the kill must land after the first variant is committed and before the last: timed from
    # the runs above, retried a little earlier or later when the machine's load fooled it
    delay = small_s + 24 * per_variant_s
    kept = 0
    for _ in range(4):
        proc = subprocess.Popen([*POSBT, *_args(cfg, tmp_path / "killed.xlsx")],
                                env=_env(killed), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        kept = _kept(killed)
        if (tmp_path / "killed.xlsx").exists() or kept >= 60:  # too late: start again
            (tmp_path / "killed.xlsx").unlink(missing_ok=True)
            for f in killed.glob("results.duckdb*"):
                f.unlink()
            kept = 0
            delay = small_s + 0.5 * (delay - small_s)
            continue
        if kept:
            break
        delay += 10 * per_variant_s + 1.0  # too early: nothing committed yet
    assert 0 < kept < 60, f"no kill landed half way (last delay {delay:.1f} s)"
    again = subprocess.run([*POSBT, *_args(cfg, tmp_path / "killed.xlsx")], env=_env(killed),
                           capture_output=True, text=True, timeout=600, check=False)
    assert again.returncode == 0, again.stderr
    found = re.search(r"(\d+) run now, (\d+) already in the results store", again.stdout)
    assert found, again.stdout
    ran, reused = int(found.group(1)), int(found.group(2))
    assert ran + reused == 60 and reused == kept and ran > 0
    assert _sheet(tmp_path / "killed.xlsx") == _sheet(tmp_path / "clean.xlsx")
