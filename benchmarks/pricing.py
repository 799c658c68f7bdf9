"""Benchmark of the pricing stage: implied vols and greeks per second (JIT on).

Run: ``.venv/bin/python benchmarks/pricing.py [--n 1000000] [--repeat 3]``. Prints the best
of ``--repeat`` timed runs after one warm-up (the warm-up also compiles the numba kernel,
whose time is printed separately). Cases: calls and puts, K/F 0.8..1.2, T 1 day..90 days,
vol 8%..60%, seeded; prices from ``black76`` so every IV is solvable.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from engine.pricing import black76, greeks, implied_vol


def main() -> None:
    """Parse arguments, time the IV solver and the greeks, print the rates."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if os.environ.get("NUMBA_DISABLE_JIT") == "1":
        print("warning: NUMBA_DISABLE_JIT=1, timings are of the pure-Python kernel")
    rng = np.random.default_rng(42)
    n = args.n
    F = 22_000.0
    K = F * rng.uniform(0.8, 1.2, n)
    T = rng.uniform(1 / 365, 90 / 365, n)
    vol = rng.uniform(0.08, 0.60, n)
    right = np.where(K >= F, "CE", "PE")
    price = black76(F, K, T, 0.065, vol, right)

    t0 = time.perf_counter()
    implied_vol(price[:10], F, K[:10], T[:10], 0.065, right[:10])
    print(f"numba compile/load: {time.perf_counter() - t0:.2f} s")

    iv_best = gk_best = float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        iv = implied_vol(price, F, K, T, 0.065, right)
        iv_best = min(iv_best, time.perf_counter() - t0)
        t0 = time.perf_counter()
        greeks(F, K, T, 0.065, iv, right)
        gk_best = min(gk_best, time.perf_counter() - t0)
    err = float(np.nanmax(np.abs(iv - vol)))
    print(f"options: {n:,}  max |iv - vol|: {err:.1e}  "
          f"NaN (prices that underflow to 0.0): {int(np.isnan(iv).sum())}")
    print(f"implied vols per second (1 core): {n / iv_best:,.0f}  ({iv_best:.3f} s)")
    print(f"greeks per second (NumPy, price+5 greeks): {n / gk_best:,.0f}  ({gk_best:.3f} s)")


if __name__ == "__main__":
    main()
