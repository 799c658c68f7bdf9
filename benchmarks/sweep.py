"""Benchmark: ``posbt sweep`` throughput (variants a minute) with the process pool.

Issue 16's case: a weekly iron fly on 5-minute synthetic NIFTY (one year by default), 200
variants (WingWidthPts x StopLoss x ProfitTarget), on ``--workers`` processes (2 by default).
The market is built once into ``$POSBT_HOME/bench_sweep_<days>d`` (``--days N`` for a shorter
one, in its own folder), and its option cache once per data version (the first sweep after an
import pays for it; reported apart, as ``warm_s``). Each timed sweep starts from an empty
results store, so no variant is reused. Reports the wall time, variants a minute, the CPU
seconds of this process and its workers (user + sys; a pool's workers are its children, Ray's
are not, so ``cpu_s`` covers the pool only), CPU seconds a variant, the load average, and a
check that every variant finished. On a loaded machine ``60 * workers / cpu_s_per_variant``
is the rate the same work gives on free cores.

    .venv/bin/python benchmarks/sweep.py [--days 250] [--variants 200] [--workers 2]
                                         [--executor pool|ray]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from engine.analytics.sweep import Executor, warm_option_cache
from engine.api import sweep_file
from engine.home import posbt_home
from engine.strategy.plan import StrategyPlan

FLY = """
strategy_name: "Bench_Fly"
strategy_subtype: "IRON_FLY"
wing_width_pts: 300
short_leg_dte: 0
backtest:
  symbol: NIFTY
  bar_interval: 5m
  capital_inr: 1000000
entry_rules:
  entry_start_time: "09:30"
  entry_end_time: "10:00"
volatility_filter:
  use_iv_hv_ratio: false
exit_rules:
  profit_target: 0.5
  stop_loss: 1.0
"""


def _market(home: Path, days: int) -> None:
    if (home / "market.duckdb").exists():
        return
    home.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-c", "from engine.cli.main import main; main()", "data",
                    "demo", "--symbols", "NIFTY", "--days", str(days), "--history-days", "300",
                    "--interval", "5m"], env={**os.environ, "POSBT_HOME": str(home)},
                   check=True)


def _specs(n: int) -> list[str]:
    # 10 wings x 5 stops x 4 targets = 200; fewer variants take a prefix of the wings
    wings = max(1, min(10, -(-n // 20)))
    return [f"WingWidthPts=100:{100 + 50 * (wings - 1)}:50", "StopLoss=0.5:2.5:0.5",
            "ProfitTarget=0.25:1:0.25"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--days", type=int, default=250)
    ap.add_argument("--variants", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--home", type=Path, default=None)
    ap.add_argument("--executor", choices=[e.value for e in Executor], default="pool")
    args = ap.parse_args()
    home = (args.home or posbt_home()) / f"bench_sweep_{args.days}d"
    _market(home, args.days)
    cfg = home / "fly.yaml"
    cfg.write_text(FLY)
    (home / "results.duckdb").unlink(missing_ok=True)
    specs = _specs(args.variants)
    t0 = time.perf_counter()
    warm_option_cache(home, [_one_plan(cfg, home)])
    warm = time.perf_counter() - t0
    c0 = _cpu()
    t0 = time.perf_counter()
    outcome = sweep_file(cfg, home, strategy=None, param_specs=specs,
                         samples=args.variants, seed=1, workers=args.workers,
                         executor=Executor(args.executor), out=home / "fly_sweep.xlsx",
                         replace=True)
    wall = time.perf_counter() - t0
    cpu = _cpu() - c0
    rows = outcome.table[1]
    print(json.dumps({
        "days": args.days, "workers": args.workers, "executor": args.executor,
        "variants": len(rows), "done": sum(1 for r in rows if r[1] == "done"),
        "invalid": len(outcome.invalid), "warm_s": round(warm, 2), "wall_s": round(wall, 2),
        "variants_per_min": round(60 * len(rows) / wall, 1), "cpu_s": round(cpu, 1),
        "cpu_s_per_variant": round(cpu / max(1, len(rows)), 3),
        "load_avg_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count()}, indent=2))


def _cpu() -> float:
    """User + sys CPU seconds of this process and its finished children."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _one_plan(cfg: Path, home: Path) -> StrategyPlan:
    from engine.api import plan_for
    from engine.config.loader import read_source, resolve
    from engine.data.factory import open_market_store

    store = open_market_store(home, read_only=True)
    try:
        loaded = resolve(read_source(cfg), None, store)
        return plan_for(next(iter(loaded.strategies.values())).config, store, None, None)
    finally:
        store.close()


if __name__ == "__main__":
    main()
