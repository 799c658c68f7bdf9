"""Benchmark of the breakeven stage: calendar breakevens and bridge-corrected Monte Carlo.

Run: ``.venv/bin/python benchmarks/breakeven.py [--repeat 20] [--paths 100000]``. Prints the
best and median of ``--repeat`` runs after one warm-up. Targets (issue 6): a calendar
breakeven (T+N at the front expiry, grid + brentq) under 5 ms; Monte Carlo of touch and
stay-within probabilities with 100k paths under 200 ms. Also times the closed forms and a
breakeven series over one week of minute bars (1,875 bars, recalculated every bar).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from collections.abc import Callable

import numpy as np

from engine.breakeven import (
    breakeven_series,
    calendar_breakevens,
    mc_band_probabilities,
    stay_within_probability,
    touch_probability,
)
from engine.config.enums import CalendarBEMethod
from engine.domain.structures import Right, calendar


def _time(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return min(runs) * 1e3, statistics.median(runs) * 1e3


def main() -> None:
    """Time each piece and print ms with the target."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--paths", type=int, default=100_000)
    args = parser.parse_args()
    val = dt.datetime(2024, 1, 1, 15, 30)
    front, back = dt.date(2024, 1, 8), dt.date(2024, 2, 5)
    cal = calendar(22000, Right.CE, front, back)

    def surface(k: float, e: dt.date) -> float:
        return (0.14 if e == front else 0.16) + 0.00002 * abs(k - 22000)

    rows: list[tuple[str, tuple[float, float], str]] = []
    for method in (CalendarBEMethod.TN, CalendarBEMethod.T0, CalendarBEMethod.WEIGHTED,
                   CalendarBEMethod.OPTIMAL):
        rows.append((f"calendar breakeven {method.value}", _time(lambda m=method: calendar_breakevens(
            cal, valuation=val, spot=22000, surface=surface, entry_value_pts=250, method=m,
            r=0.065), args.repeat), "< 5 ms" if method is CalendarBEMethod.TN else ""))
    rows.append((f"MC touch + stay, {args.paths:,} paths x 4 steps", _time(
        lambda: mc_band_probabilities(22000, 21700, 22300, 0.14, 7 / 365, 0.065,
                                      n_paths=args.paths, seed=1), max(args.repeat // 4, 3)),
        "< 200 ms"))
    rows.append(("closed forms (2 touches + stay)", _time(lambda: (
        touch_probability(22000, 21700, 0.14, 7 / 365, 0.065),
        touch_probability(22000, 22300, 0.14, 7 / 365, 0.065),
        stay_within_probability(22000, 21700, 22300, 0.14, 7 / 365, 0.065)), args.repeat), ""))
    n = 1875
    times = np.datetime64("2024-01-01T09:15") + np.arange(n) * np.timedelta64(1, "m")
    spots = 22000 + np.cumsum(np.random.default_rng(0).normal(0, 5, n))
    ivs = np.column_stack([np.full(n, 0.14), np.full(n, 0.16)])
    rows.append((f"breakeven series, {n} minute bars", _time(
        lambda: breakeven_series(cal, times, spots, ivs, 250.0, r=0.065), 3), ""))
    width = max(len(r[0]) for r in rows)
    print(f"{'what':<{width}}  {'best ms':>9}  {'median ms':>9}  target")
    for name, (best, median), target in rows:
        print(f"{name:<{width}}  {best:9.2f}  {median:9.2f}  {target}")


if __name__ == "__main__":
    main()
