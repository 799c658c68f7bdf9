"""The market the measuring scripts read (scripts/vol_ranges.py, scripts/tuning_study.py): the
``--home`` store, built first with ``posbt data demo`` on ``--build-demo`` when it has none.

``add_demo_options`` adds ``--build-demo``, ``--days`` and ``--history-days`` to a script's
parser; ``demo_market`` then builds the market if asked and returns its path, or exits with a
message naming the fix when the home holds none.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from engine.home import market_db_path


def add_demo_options(ap: argparse.ArgumentParser) -> None:
    """The options of the demo market a script may build (its ``--interval`` is its own)."""
    ap.add_argument("--build-demo", action="store_true",
                    help="build the demo market into --home first when it has none")
    ap.add_argument("--days", type=int, default=None, help="demo: intraday trading days")
    ap.add_argument("--history-days", type=int, default=300, help="demo: daily history")


def build_demo(home: Path, days: int | None, interval: str, history_days: int) -> None:
    """Run ``posbt data demo`` into ``home`` (a subprocess, as a user would) when no market."""
    if market_db_path(home).exists():
        return
    home.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-c", "from engine.cli.main import main; main()", "--home",
           str(home), "data", "demo", "--interval", interval, "--history-days",
           str(history_days)]
    if days is not None:
        cmd += ["--days", str(days)]
    subprocess.run(cmd, check=True, env={**os.environ, "POSBT_HOME": str(home)})


def demo_market(args: argparse.Namespace) -> Path:
    """``args.home``'s market.duckdb, built first when ``--build-demo`` asks (at ``args.interval``);
    exits saying how to get one when there is none."""
    if args.build_demo:
        build_demo(args.home, args.days, args.interval, args.history_days)
    market = market_db_path(args.home)
    if not market.exists():
        raise SystemExit(f"{args.home}: no market.duckdb (pass --build-demo, or run "
                         f"posbt --home {args.home} data demo)")
    return market
