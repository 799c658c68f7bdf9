"""``--executor ray``: a local Ray of 2 CPUs gives the same per-variant results as the process
pool (issue 16 acceptance). Skips when the ``cluster`` extra (ray) is not installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.analytics.sweep import Executor
from engine.api import sweep_file
from tests.integration.test_run_cli import FLY_YAML
from tests.integration.test_sweep_cli import _market

ray = pytest.importorskip("ray")


def test_ray_and_the_process_pool_give_identical_per_variant_results(tmp_path: Path) -> None:
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML)
    specs = ["Lots=1:3:1", "exit_rules.stop_loss=0.2,5"]
    pool = sweep_file(cfg, _market(tmp_path / "pool"), strategy=None, param_specs=specs,
                      workers=2, out=tmp_path / "pool.xlsx")
    ray.init(num_cpus=2, include_dashboard=False)
    try:
        on_ray = sweep_file(cfg, _market(tmp_path / "ray"), strategy=None, param_specs=specs,
                            workers=2, out=tmp_path / "ray.xlsx", executor=Executor.RAY)
    finally:
        ray.shutdown()
    assert (on_ray.ran, pool.ran) == (6, 6)
    assert on_ray.table == pool.table  # every row: values, config hash, every metric
    head, rows = on_ray.table
    pnl = {(r[2], r[3]): r[head.index("net_pnl_inr")] for r in rows}
    # as tests/integration/test_sweep_cli.py: +110 pts x 75 per lot held to expiry; the 0.2
    # stop (48 of the 240 credit) fires at a 50-point loss: -50 x 75 per lot
    assert pnl == pytest.approx({(1, 0.2): -3750.0, (1, 5.0): 8250.0, (2, 0.2): -7500.0,
                                 (2, 5.0): 16500.0, (3, 0.2): -11250.0, (3, 5.0): 24750.0})
