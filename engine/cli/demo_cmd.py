"""``posbt data demo``: build a synthetic market into ``$POSBT_HOME/market.duckdb``.

Thin CLI over ``engine.data.synthetic.generate_market`` (data stage): parses the
options into a ``MarketSpec``, shows a progress bar over symbol-days and prints what was
written. Deterministic (fixed default start 2025-01-01 and seed 7); re-running on a store
that already holds a symbol adds nothing for it and says so, and re-running after an
interrupted build (Ctrl-C, kill -9, a full disk) finishes it: the partial symbol is rolled
back and built again, the complete ones are kept.
"""

from __future__ import annotations

import datetime as dt

import click

from engine.cli.common import console, get_ctx, progress, reports_errors
from engine.data.synthetic.days import plan_days
from engine.data.synthetic.generate import generate_market
from engine.data.synthetic.spec import DEFAULT_START, INTERVALS, MarketSpec, market_spec
from engine.domain.calendar import load_calendar
from engine.errors import PosbtError


def _parse_symbols(text: str) -> list[str]:
    names = [s.strip().upper() for s in text.split(",") if s.strip()]
    if not names:
        raise PosbtError("give at least one symbol, e.g. NIFTY,BANKNIFTY", place="--symbols")
    return names


def build_spec(symbols: str, start: dt.date, years: float, days: int | None, interval: str,
               seed: int, history_days: int) -> MarketSpec:
    """The ``MarketSpec`` the command's options describe."""
    key = interval.strip().lower()
    if key not in INTERVALS:
        raise PosbtError(f"unknown interval {interval!r}; use one of {', '.join(INTERVALS)}",
                         place="--interval")
    return market_spec(_parse_symbols(symbols), start=start, years=years, days=days,
                       interval_minutes=INTERVALS[key], seed=seed, history_days=history_days)


@click.command("demo")
@click.option("--symbols", default="NIFTY", show_default=True,
              help="Comma-separated symbols (NIFTY- and BANKNIFTY-like defaults).")
@click.option("--start", type=click.DateTime(formats=["%Y-%m-%d"]),
              default=DEFAULT_START.isoformat(), show_default=True,
              help="First day of the intraday window.")
@click.option("--years", type=float, default=1.0, show_default=True,
              help="Length of the intraday window in years.")
@click.option("--days", type=int, default=None,
              help="Length of the intraday window in trading days (overrides --years).")
@click.option("--interval", default="5m", show_default=True,
              help="Intraday bar interval: 1m, 5m, 15m, or 1d (daily bars only).")
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed.")
@click.option("--history-days", type=int, default=300, show_default=True,
              help="Trading days of daily-only history before the window.")
@reports_errors
def demo(symbols: str, start: dt.datetime, years: float, days: int | None, interval: str,
         seed: int, history_days: int) -> None:
    """Generate a believable, seeded synthetic market (index, VIX, option chains)."""
    spec = build_spec(symbols, start.date(), years, days, interval, seed, history_days)
    ctx = get_ctx()
    store = ctx.open_store(read_only=False)
    try:
        out = console()
        total = len(spec.symbols) * len(plan_days(spec, load_calendar()).days)
        with progress("generating market (symbol-days)", total=total) as advance:
            report = generate_market(spec, store, progress=lambda n: advance(float(n)))
        store.checkpoint()
        for name, n in report.resumed.items():
            out.print(f"{name}: finished an interrupted build (removed its {n:,} partial "
                      "option bars, then built it again)")
        for name in report.skipped_symbols:
            out.print(f"{name}: already in the store, left as it is")
        if report.generated_symbols:
            written = ", ".join(f"{t} {n:,}" for t, n in sorted(report.rows.items()) if n)
            out.print(f"generated {', '.join(report.generated_symbols)}: "
                      f"{report.history_days} history + {report.window_days} window trading days "
                      f"in {report.seconds:.1f} s; rows: {written}")
        else:
            out.print("nothing new: the demo market is already in the store")
        out.print(f"store: {ctx.market_db}")
    finally:
        store.close()
