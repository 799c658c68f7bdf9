"""``posbt sweep``: backtest every variant of a parameter sweep and write BT_Sweep."""

from __future__ import annotations

from pathlib import Path

import click

from engine.cli.common import console, get_ctx, reports_errors


@click.command("sweep")
@click.argument("config", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--strategy", default=None,
              help="The strategy to sweep (needed when the file has several).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUES",
              help="A swept parameter by Excel name or YAML path, with a list (200,400) or an "
                   "inclusive range start:stop:step (200:600:100). Repeatable.")
@click.option("--samples", type=int, default=None,
              help="Run N variants drawn at random from the grid (needed above 10,000).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of --samples.")
@click.option("--workers", type=int, default=None,
              help="Worker processes (default: the CPUs available; 1 runs in this process).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Sweep workbook (default: <config>_sweep.xlsx beside the input).")
@click.option("--replace", is_flag=True,
              help="Overwrite --out even when it is not a posbt results workbook.")
@click.option("--metric", default="net_pnl_inr", show_default=True,
              help="The metric BT_Sensitivity analyses and the walk-forward chooses by "
                   "(net_pnl_inr, sharpe, return_on_margin, ...; higher is better).")
@click.option("--grid", "grids", multiple=True, metavar="ROW:COLUMN",
              help="A two-parameter grid of BT_Sensitivity (default: every pair). Repeatable.")
@click.option("--walk-forward", "walk_forward", default=None, metavar="IS:OOS",
              help="Walk-forward in months (6:1: choose on 6 months, trade the next 1); "
                   "writes BT_WalkForward.")
@reports_errors
def sweep(config: Path, strategy: str | None, params: tuple[str, ...], samples: int | None,
          seed: int, workers: int | None, out: Path | None, replace: bool, metric: str,
          grids: tuple[str, ...], walk_forward: str | None) -> None:
    """Backtest every variant of a parameter sweep of one strategy; one BT_Sweep row each."""
    from engine.api import sweep_file
    from engine.cli.common import progress

    ctx = get_ctx()
    with progress("variants") as advance:
        last = [0]

        def step(done: int, total: int) -> None:
            advance(done - last[0])
            last[0] = done

        outcome = sweep_file(config, ctx.home, strategy=strategy, param_specs=params,
                             samples=samples, seed=seed, out=out, replace=replace,
                             workers=workers, progress=step, metric=metric, grids=grids,
                             walk_forward=walk_forward)
    out_console = console()
    for w in outcome.warnings:
        click.echo(f"warning: {w}", err=True)
    for index, problem in outcome.invalid:
        click.echo(f"variant {index} skipped (invalid): {problem}", err=True)
    rows = outcome.table[1]
    done = sum(1 for r in rows if r[1] == "done")
    out_console.print(f"{len(rows)} variants: {done} done ({outcome.ran} run now, "
                      f"{outcome.reused} already in the results store), "
                      f"{len(outcome.invalid)} invalid", markup=False)
    out_console.print(f"results: {outcome.out_path}", markup=False)
