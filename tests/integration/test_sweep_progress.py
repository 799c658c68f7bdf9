"""The sweep API's progress callback and stop check (what a server job uses)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.analytics.sweep import SweepStoppedError
from engine.api import sweep_file
from engine.results.store import ResultsStore
from tests.integration.test_run_cli import FLY_YAML
from tests.integration.test_sweep_cli import _market


def _count(home: Path) -> int:
    store = ResultsStore(home / "results.duckdb")
    try:
        return int(store.con.execute("SELECT count(*) FROM sweep_variants").fetchall()[0][0])
    finally:
        store.close()


@pytest.mark.parametrize("workers", [1, 2])
def test_stop_keeps_what_finished_writes_nothing_and_a_rerun_resumes(
        tmp_path: Path, workers: int) -> None:
    home = _market(tmp_path / "home")
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML)
    seen: list[tuple[int, int]] = []
    polls = [0]

    def stop() -> bool:  # False, then True: one variant (serial) or the batches in flight
        polls[0] += 1  # (a pool of 2 keeps 3 one-variant batches going) finish; no more start
        return polls[0] > 1

    with pytest.raises(SweepStoppedError, match="run it again to resume"):
        sweep_file(cfg, home, strategy=None, param_specs=["Lots=1:4:1"], workers=workers,
                   progress=lambda d, t: seen.append((d, t)), should_stop=stop)
    assert not (tmp_path / "fly_sweep.xlsx").exists()
    kept = _count(home)
    assert kept == (1 if workers == 1 else 3)
    # (0, 4) before any runs, then one call per finished variant, counting up
    assert seen[0] == (0, 4)
    assert seen[1:] == [(k, 4) for k in range(1, kept + 1)]
    seen.clear()
    outcome = sweep_file(cfg, home, strategy=None, param_specs=["Lots=1:4:1"], workers=1,
                         progress=lambda d, t: seen.append((d, t)))
    assert (outcome.reused, outcome.ran) == (kept, 4 - kept)
    assert seen[0] == (kept, 4) and seen[-1] == (4, 4)
    assert _count(home) == 4
