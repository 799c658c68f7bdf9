"""Benchmark of the structure stage: S/R levels for one day, per method, warm store.

Run: ``.venv/bin/python benchmarks/levels.py [--days 25] [--interval 1] [--repeat 5]``.
Builds a synthetic NIFTY market in memory (``engine.data.synthetic``: 300 days of daily
history, then ``--days`` days of ``--interval``-minute bars with small option chains), then
for the last day times ``levels_report_at`` per method: "compute" is the best of
``--repeat`` uncached runs after one warm-up (store and code warm, no result cache), "cached"
is a hit in a ``LevelsCache``. Target (issue 6): levels for one day < 20 ms warm.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime
from datetime import time as dtime

from engine.config.enums import SRMethod
from engine.config.models.structure import MarketStructureConfig
from engine.data.duckdb_store import DuckDBStore
from engine.data.synthetic import generate_market, market_spec
from engine.structure import LevelsCache, levels_report_at

TARGET_MS = 20.0


def _best_ms(fn: object, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - t0)
    return best * 1000


def main() -> None:
    """Generate the market, time every method, print a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=25)
    parser.add_argument("--interval", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    store = DuckDBStore(":memory:")
    t0 = time.perf_counter()
    spec = market_spec(["NIFTY"], days=args.days, interval_minutes=args.interval,
                       strikes_each_side=2)
    generate_market(spec, store)
    last_day = store.query("sr_intraday_bars", {
        "symbol": "NIFTY", "ts_from": datetime(1900, 1, 1), "before": datetime(2100, 1, 1)}
    ).column("ts")[-1].as_py().date()
    at = datetime.combine(last_day, dtime(10, 0))
    print(f"market: NIFTY, {args.days} days of {args.interval}-minute bars + 300 daily, "
          f"built in {time.perf_counter() - t0:.1f} s; levels for {at}")
    print(f"{'method':<10} {'levels':>6} {'compute ms':>11} {'cached ms':>10}  within {TARGET_MS:.0f} ms")
    for method in SRMethod:
        if method is SRMethod.EXTERNAL:
            continue
        cfg = MarketStructureConfig(primary_method=method).params()
        report = levels_report_at(store, "NIFTY", at, cfg)  # warm-up
        compute_ms = _best_ms(lambda c=cfg: levels_report_at(store, "NIFTY", at, c), args.repeat)
        cache = LevelsCache()
        levels_report_at(store, "NIFTY", at, cfg, cache)
        cached_ms = _best_ms(lambda c=cfg, k=cache: levels_report_at(store, "NIFTY", at, c, k),
                             args.repeat)
        ok = "yes" if compute_ms < TARGET_MS else "no"
        print(f"{method.value:<10} {len(report.levels):>6} {compute_ms:>11.2f} {cached_ms:>10.3f}  {ok}")
    store.close()


if __name__ == "__main__":
    main()
