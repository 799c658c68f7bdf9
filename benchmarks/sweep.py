"""Benchmark: ``posbt sweep`` throughput (variants a minute) with the process pool.

Issue 16's case: a weekly iron fly on 5-minute synthetic NIFTY (one year by default), 200
variants (WingWidthPts x StopLoss x ProfitTarget), on ``--workers`` processes (2 by default).
The market is built once into ``$POSBT_HOME/bench_sweep`` (``--days N`` for a shorter one, in
its own folder); each timed sweep starts from an empty results store, so nothing is reused.
Reports the wall time, variants a minute, and a check that every variant finished.

    .venv/bin/python benchmarks/sweep.py [--days 250] [--variants 200] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from engine.api import sweep_file
from engine.home import posbt_home

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
    args = ap.parse_args()
    home = (args.home or posbt_home()) / f"bench_sweep_{args.days}d"
    _market(home, args.days)
    work = home / "run"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    cfg = work / "fly.yaml"
    cfg.write_text(FLY)
    (work / "market.duckdb").symlink_to(home / "market.duckdb")
    specs = _specs(args.variants)
    t0 = time.perf_counter()
    outcome = sweep_file(cfg, work, strategy=None, param_specs=specs,
                         samples=args.variants, seed=1, workers=args.workers)
    wall = time.perf_counter() - t0
    rows = outcome.table[1]
    print(json.dumps({
        "days": args.days, "workers": args.workers, "variants": len(rows),
        "done": sum(1 for r in rows if r[1] == "done"), "invalid": len(outcome.invalid),
        "wall_s": round(wall, 2), "variants_per_min": round(60 * len(rows) / wall, 1),
        "cpus": os.cpu_count()}, indent=2))


if __name__ == "__main__":
    main()
