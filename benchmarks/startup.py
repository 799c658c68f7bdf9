"""Benchmark: how long ``posbt --help`` and ``posbt --version`` take to start (target < 0.5 s).

Each command runs ``--repeat`` times in a fresh process (the console script of this venv,
else ``python -m``-style through ``engine.cli.main``); the script prints the best and median
wall time of each, then the slowest modules of ``python -X importtime -c "import
engine.cli.main"`` (cumulative microseconds), so a regression names its cause.

    .venv/bin/python benchmarks/startup.py [--repeat 7] [--top 8]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_S = 0.5


def _posbt() -> list[str]:
    script = Path(sys.executable).with_name("posbt")
    if script.exists():
        return [str(script)]
    found = shutil.which("posbt")
    if found:
        return [found]
    return [sys.executable, "-c", "from engine.cli.main import main; main()"]


def _time(cmd: list[str], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return times


def _import_profile(top: int) -> list[tuple[int, str]]:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "import engine.cli.main"],
                          check=True, capture_output=True, text=True)
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        rows.append((int(cumulative), name))
    return sorted(rows, reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args()
    posbt = _posbt()
    print(f"{'command':<18} {'best s':>8} {'median s':>9}  (target < {TARGET_S} s, {args.repeat} runs)")
    for flag in ("--version", "--help"):
        times = _time([*posbt, flag], args.repeat)
        best, median = min(times), statistics.median(times)
        verdict = "ok" if median < TARGET_S else "SLOW"
        print(f"posbt {flag:<12} {best:8.3f} {median:9.3f}  {verdict}")
    print("\nslowest imports of `import engine.cli.main` (cumulative ms):")
    for cumulative_us, name in _import_profile(args.top):
        print(f"  {cumulative_us / 1000:8.1f}  {name}")


if __name__ == "__main__":
    main()
