"""``posbt run``: backtest the strategies of a workbook or YAML file and write the results."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from engine.api import run_file
from engine.cli.common import console, get_ctx, reports_errors


@click.command("run")
@click.argument("config", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--strategy", "strategies", multiple=True, help="Run only this strategy (repeatable).")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="First day (default: the strategy's StartDate, else the store's first day).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Last day (default: the strategy's EndDate, else the store's last day).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Results workbook (default: <config>_results.xlsx beside the input).")
@click.option("--replace", is_flag=True,
              help="Overwrite --out even when it is not a posbt results workbook.")
@click.option("--in-place", is_flag=True,
              help="Add the BT_* sheets to the input workbook itself (a .bak copy is kept).")
@click.option("--report", "with_report", is_flag=True,
              help="Also write the HTML tearsheet beside the results workbook (<out>.html).")
@reports_errors
def run(config: Path, strategies: tuple[str, ...], date_from: dt.datetime | None,
        date_to: dt.datetime | None, out: Path | None, replace: bool, in_place: bool,
        with_report: bool) -> None:
    """Backtest CONFIG (.xlsx or .yaml); the input is never modified unless --in-place, and
    an existing --out that posbt did not write is never overwritten unless --replace."""
    ctx = get_ctx()
    out_console = console()
    last: dict[str, int] = {}

    def progress(name: str, frac: float) -> None:
        pct = int(frac * 100)
        if pct // 10 != last.get(name, -1) // 10:
            click.echo(f"{name}: {pct}%", err=True)
        last[name] = pct

    outcome = run_file(config, ctx.home, strategies=strategies or None,
                       date_from=date_from.date() if date_from else None,
                       date_to=date_to.date() if date_to else None, out=out, in_place=in_place,
                       progress=progress, replace=replace)
    for w in outcome.warnings:
        click.echo(f"warning: {w}", err=True)
    for r, run_id in zip(outcome.results, outcome.run_ids, strict=True):
        m = r.metrics
        if m is None:  # pragma: no cover - run_backtest always sets metrics
            continue
        win = "n/a" if m.win_rate != m.win_rate else f"{m.win_rate:.0%}"
        out_console.print(
            f"{r.plan.name}: {m.trades} trades, net P&L {m.net_pnl_inr:,.0f} INR, "
            f"max drawdown {abs(m.max_drawdown_inr):,.0f} INR, win rate {win} "
            f"({len(r.skips)} entries skipped, run {run_id})")
        if r.no_trade_reason:
            out_console.print(f"  why no trade: {r.no_trade_reason}", markup=False)
        if r.skips:
            out_console.print(f"  first skipped entry: {r.skips[0].ts} {r.skips[0].reason}")
    if outcome.backup_path is not None:
        out_console.print(f"backup of the input: {outcome.backup_path}")
    out_console.print(f"results: {outcome.out_path}")
    if with_report and outcome.out_path is not None:
        from engine.results.report import from_results, write_html

        page = write_html(from_results(outcome.results, outcome.out_path.stem),
                          outcome.out_path.with_suffix(".html"))
        out_console.print(f"tearsheet: {page}")
