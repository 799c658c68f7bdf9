"""``posbt demo``: the README's main job in one command (CLI stage, end to end).

Builds the synthetic demo market into ``$POSBT_HOME/market.duckdb`` when the store lacks it
(the ``posbt data demo`` generator with its defaults: NIFTY 5-minute bars for 2025, seed 7),
fills ``daily_features`` so volatility filters read their history from one table, writes the
template's strategies (the plan's examples and the demo strategies, the same models as
workbook_templates/posbt_template.xlsx) to ``$POSBT_HOME/demo/posbt_demo.xlsx`` (or beside
``--out``), runs them all through ``engine.api.run_file`` and prints one line per strategy
and the results workbook's path.
"""

from __future__ import annotations

from pathlib import Path

import click

from engine.api import RunOutcome, run_file
from engine.cli.common import console, get_ctx, progress, reports_errors
from engine.cli.demo_cmd import build_spec
from engine.config.enums import BarInterval
from engine.config.export import write_config
from engine.config.models.strategy import StrategyConfig
from engine.config.templates import example_configs
from engine.data.duckdb_store import DuckDBStore
from engine.data.synthetic.days import plan_days
from engine.data.synthetic.generate import generate_market
from engine.data.synthetic.spec import DEFAULT_START, MarketSpec
from engine.domain.calendar import load_calendar
from engine.volatility.features import compute_daily_features

DEMO_WORKBOOK = "posbt_demo.xlsx"
DEMO_RESULTS = "posbt_demo_results.xlsx"


def demo_configs(interval: str) -> list[StrategyConfig]:
    """The template's strategies, each on ``interval`` bars (the template's own is 5m)."""
    bar = BarInterval(interval)
    return [c.model_copy(update={"backtest": c.backtest.model_copy(update={"bar_interval": bar})})
            for c in example_configs()]


def ensure_market(store: DuckDBStore, spec: MarketSpec) -> list[str]:
    """Generate ``spec`` where the store lacks it and fill missing daily_features; returns
    lines to print (what was generated or found)."""
    total = len(spec.symbols) * len(plan_days(spec, load_calendar()).days)
    with progress("demo market (symbol-days)", total=total) as advance:
        report = generate_market(spec, store, progress=lambda n: advance(float(n)))
    lines = [f"{name}: already in the store" for name in report.skipped_symbols]
    if report.generated_symbols:
        lines.append(f"generated {', '.join(report.generated_symbols)}: {report.history_days} "
                     f"history + {report.window_days} window trading days in "
                     f"{report.seconds:.1f} s")
    features = compute_daily_features(store, [s.symbol for s in spec.symbols])
    if features.total:
        lines.append(f"daily_features: {features.total} new rows")
    store.checkpoint()
    return lines


def summary_lines(outcome: RunOutcome) -> list[str]:
    """One line per strategy: trades, net P&L, drawdown, win rate, adjustments applied (and
    blocked), skipped entries."""
    lines = []
    for r in outcome.results:
        m = r.metrics
        if m is None:  # pragma: no cover - run_backtest always sets metrics
            continue
        win = "n/a" if m.win_rate != m.win_rate else f"{m.win_rate:.0%}"
        applied = sum(1 for a in r.adjustments if a.status == "APPLIED")
        lines.append(f"{r.plan.name}: {m.trades} trades, net P&L {m.net_pnl_inr:,.0f} INR, "
                     f"max drawdown {abs(m.max_drawdown_inr):,.0f} INR, win rate {win}, "
                     f"{applied} adjustments ({len(r.adjustments) - applied} blocked), "
                     f"{len(r.skips)} entries skipped")
    return lines


@click.command("demo")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Results workbook (default: $POSBT_HOME/demo/posbt_demo_results.xlsx); "
                   "the demo config workbook is written beside it.")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Build a demo market of this many trading days (default: one year).")
@click.option("--interval", type=click.Choice(["1m", "5m", "15m"]), default="5m",
              show_default=True, help="Bar interval of the demo market and the strategies.")
@click.option("--history-days", type=click.IntRange(min=0), default=300, show_default=True,
              help="Trading days of daily-only history before the window.")
@reports_errors
def demo_all(out: Path | None, days: int | None, interval: str, history_days: int) -> None:
    """Build the demo market if needed, run every template strategy, write the results."""
    ctx = get_ctx()
    say = console()
    spec = build_spec("NIFTY", DEFAULT_START, 1.0, days, interval, 7, history_days)
    store = ctx.open_store(read_only=False)
    try:
        for line in ensure_market(store, spec):
            say.print(line)
    finally:
        store.close()
    results = out if out is not None else ctx.home / "demo" / DEMO_RESULTS
    results.parent.mkdir(parents=True, exist_ok=True)
    book = results.with_name(DEMO_WORKBOOK)
    configs = demo_configs(interval)
    write_config(book, configs)
    say.print(f"demo config: {book} ({len(configs)} strategies)")
    last: dict[str, int] = {}

    def step(name: str, frac: float) -> None:
        pct = int(frac * 100)
        if pct // 25 != last.get(name, -1) // 25:
            click.echo(f"{name}: {pct}%", err=True)
        last[name] = pct

    outcome = run_file(book, ctx.home, out=results, progress=step)
    for line in summary_lines(outcome):
        say.print(line)
    if outcome.warnings:
        say.print(f"{len(outcome.warnings)} config warnings (parameters set but not acted on); "
                  f"see them with `posbt validate {book}`")
    say.print(f"results: {outcome.out_path}")

