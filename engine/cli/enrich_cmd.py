"""``posbt data enrich``: fill iv and greeks in option_bars (pricing stage, after import).

Thin CLI over ``engine.pricing.enrich``: opens the store for writing, shows a progress
bar over (symbol, day) chunks and prints what was written. Incremental: a second run
finds nothing left to do.
"""

from __future__ import annotations

import click

from engine.cli.common import console, get_ctx, progress, reports_errors
from engine.errors import PosbtError
from engine.pricing.enrich import DEFAULT_RATE, DayPlan, enrich_option_bars, plan_days


@click.command("enrich")
@click.option("--symbol", default=None, help="Only this symbol (default: every symbol).")
@click.option("--rate", "rate", type=float, default=DEFAULT_RATE, show_default=True,
              help="Risk-free rate, continuously compounded per year (0.065 = 6.5%).")
@reports_errors
def enrich(symbol: str | None, rate: float) -> None:
    """Fill iv and greeks (Black-76 on the forward) in option bars not yet enriched."""
    if not -0.5 < rate < 1.0:
        raise PosbtError(f"--rate {rate} is not a plausible annual rate (e.g. 0.065)",
                         place="--rate")
    ctx = get_ctx()
    store = ctx.open_store(read_only=False)
    try:
        todo = plan_days(store, symbol)
        out = console()
        if not todo:
            out.print("nothing to enrich: every option bar already has an iv")
            return
        with progress("enriching option bars", total=len(todo)) as advance:
            def on_day(_plan: DayPlan) -> None:
                advance(1)

            result = enrich_option_bars(store, r=rate, symbol=symbol, on_day=on_day)
        out.print(f"enriched {result.rows_written:,} option bars over {result.days:,} "
                  f"symbol-days; {result.rows_without_iv:,} have no solvable IV (iv = NaN: "
                  "OTM price below a tick, no OTM quote, no forward or expired)")
    finally:
        store.close()
