"""Benchmark: generate the synthetic benchmark market and time two hot queries on it.

Default market: NIFTY, 1-minute bars, one year from 2025-01-01, ATM +/- 20 strikes for
every listed expiry within 90 days, 300 days of daily history. Prints rows per table,
seconds, peak RSS, store size, and the warm median latency of one chain snapshot
(``chain_at``) and one 5-day leg path (``leg_paths``, an iron fly's four legs).

    .venv/bin/python benchmarks/demo_generation.py [--interval 1m] [--days N] [--db PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from engine.data.duckdb_store import DuckDBStore
from engine.data.synthetic.generate import generate_market
from engine.data.synthetic.spec import INTERVALS, market_spec


def _median_ms(fn: Callable[[], object], warm: int = 3, runs: int = 25) -> float:
    for _ in range(warm):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000.0 * statistics.median(times)


def _queries(store: DuckDBStore, bar_minutes: int, day: dt.date) -> dict[str, float]:
    ts = dt.datetime.combine(day, dt.time(11, 3))
    exp = [r["expiry"] for r in store.query("expiries_from",
                                            {"symbol": "NIFTY", "on_date": day}).to_pylist()]
    spot = store.query("spot_path", {"symbol": "NIFTY", "bar_minutes": bar_minutes,
                                     "ts_from": ts - dt.timedelta(minutes=15), "ts_to": ts})
    s = float(spot.column("close")[-1].as_py())
    atm = round(s / 50) * 50
    chain = {"symbol": "NIFTY", "bar_minutes": bar_minutes, "ts": ts, "expiries": exp[:2],
             "strike_lo": atm - 500.0, "strike_hi": atm + 500.0}
    n_chain = store.query("chain_at", chain).num_rows
    fly_exp = exp[2]
    legs = {"symbol": "NIFTY", "bar_minutes": bar_minutes, "ts_from": ts,
            "ts_to": ts + dt.timedelta(days=7),  # 5 trading days
            "expiries": [fly_exp] * 4, "strikes": [atm - 300.0, atm, atm, atm + 300.0],
            "rights": ["PE", "PE", "CE", "CE"]}
    n_legs = store.query("leg_paths", legs).num_rows
    return {
        "chain_at_ms": _median_ms(lambda: store.query("chain_at", chain)),
        "chain_rows": float(n_chain),
        "leg_paths_ms": _median_ms(lambda: store.query("leg_paths", legs)),
        "leg_path_rows": float(n_legs),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the exit code."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--interval", default="1m", choices=sorted(INTERVALS))
    ap.add_argument("--days", type=int, default=None, help="window in trading days")
    ap.add_argument("--years", type=float, default=1.0)
    ap.add_argument("--db", type=Path, default=None, help="store file (default: a temp dir)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="posbt-bench-") as tmp:
        path = args.db if args.db is not None else Path(tmp) / "market.duckdb"
        spec = market_spec(["NIFTY"], interval_minutes=INTERVALS[args.interval],
                           years=args.years, days=args.days)
        store = DuckDBStore(path)
        t0 = time.perf_counter()
        report = generate_market(spec, store)
        store.checkpoint()
        seconds = time.perf_counter() - t0
        store.close()
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        size_mib = (path.stat().st_size) / 2**20
        print(f"market: NIFTY {args.interval}, {report.history_days} history + "
              f"{report.window_days} window trading days")
        for table, n in sorted(report.rows.items()):
            print(f"  rows {table:<12} {n:>14,}")
        print(f"  rows total        {report.total_rows:>14,}")
        print(f"generate + store: {seconds:.1f} s; peak RSS {peak_mib:,.0f} MiB; "
              f"store {size_mib:,.0f} MiB")
        reader = DuckDBStore(path, read_only=True)
        bar_minutes = INTERVALS[args.interval]
        day = spec.start + dt.timedelta(days=min(160, report.window_days))
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        q = _queries(reader, 1440 if bar_minutes == 1440 else bar_minutes, day)
        reader.close()
        print(f"chain_at (2 expiries, ATM +/- 10 strikes, {q['chain_rows']:.0f} rows): "
              f"warm median {q['chain_at_ms']:.2f} ms")
        print(f"leg_paths (4 legs, 5 days, {q['leg_path_rows']:.0f} rows): "
              f"warm median {q['leg_paths_ms']:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
