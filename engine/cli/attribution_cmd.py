"""``posbt attribution`` and ``posbt portfolio``: a file's strategies backtested, then their P&L
attributed to the conditions at entry, or combined into one portfolio."""

from __future__ import annotations

from pathlib import Path

import click

from engine.cli.common import console, get_ctx, reports_errors


def _names(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise click.BadParameter("name at least one strategy", param_hint="--strategies")
    return names


@click.command("attribution")
@click.argument("config", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--strategy", "strategies", multiple=True,
              help="A strategy to attribute (repeatable; default: every enabled one).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Attribution workbook (default: <config>_attribution.xlsx beside the input).")
@click.option("--replace", is_flag=True,
              help="Overwrite --out even when it is not a posbt results workbook.")
@reports_errors
def attribution(config: Path, strategies: tuple[str, ...], out: Path | None,
                replace: bool) -> None:
    """Backtest, then break P&L down by regime, term structure, IVP/IVR, weekday, adjustment."""
    from engine.api import attribution_file

    outcome = attribution_file(config, get_ctx().home, list(strategies) or None, out=out,
                               replace=replace)
    c = console()
    for w in outcome.runs.warnings:
        click.echo(f"warning: {w}", err=True)
    for a in outcome.items:
        best = max((b for b in a.by_regime if b.trades), key=lambda b: b.pnl_inr, default=None)
        c.print(f"{a.strategy}: {len(a.conditions)} trades"
                + (f"; best regime {best.label} ({best.pnl_inr:,.0f} INR over {best.trades} "
                   "trades)" if best else ""), markup=False)
    c.print(f"results: {outcome.out_path}", markup=False)


@click.command("portfolio")
@click.argument("config", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--strategies", default=None, metavar="A,B",
              help="The strategies of the portfolio, comma-separated (default: every enabled one).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Portfolio workbook (default: <config>_portfolio.xlsx beside the input).")
@click.option("--replace", is_flag=True,
              help="Overwrite --out even when it is not a posbt results workbook.")
@reports_errors
def portfolio(config: Path, strategies: str | None, out: Path | None, replace: bool) -> None:
    """Backtest several strategies and combine them: equity, drawdown, margin, greeks, correlation."""
    from engine.api import portfolio_file

    outcome = portfolio_file(config, get_ctx().home, _names(strategies), out=out,
                             replace=replace)
    p = outcome.portfolio
    c = console()
    for w in outcome.runs.warnings:
        click.echo(f"warning: {w}", err=True)
    final = float(p.bars["equity_inr"].iloc[-1]) if len(p.bars) else p.capital_inr
    c.print(f"portfolio of {', '.join(p.names)}: net P&L {final - p.capital_inr:,.0f} INR, "
            f"max drawdown {p.max_drawdown_inr:,.0f} INR over {len(p.bars)} bars", markup=False)
    c.print(p.correlation_note, markup=False)
    c.print(f"results: {outcome.out_path}", markup=False)
