"""``posbt sweep``: backtest every variant of a parameter sweep and write BT_Sweep."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
@click.option("--executor", type=click.Choice(["pool", "ray"]), default="pool",
              show_default=True,
              help="Where variants run: a process pool here, or Ray (the cluster extra).")
@click.option("--address", default=None, metavar="ADDR",
              help="The Ray cluster to use with --executor ray (default: a local Ray).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Sweep workbook (default: <config>_sweep.xlsx beside the input).")
@click.option("--replace", is_flag=True,
              help="Overwrite --out even when it is not a posbt results workbook.")
@click.option("--metric", default="net_pnl_inr", show_default=True,
              help="The metric BT_Sensitivity analyses and the walk-forward chooses by "
                   "(net_pnl_inr, sharpe, return_on_margin, ...; higher is better, but "
                   "for max_drawdown_inr lower is better).")
@click.option("--grid", "grids", multiple=True, metavar="ROW:COLUMN",
              help="A two-parameter grid of BT_Sensitivity (default: every pair). Repeatable.")
@click.option("--walk-forward", "walk_forward", default=None, metavar="IS:OOS",
              help="Walk-forward in months (6:1: choose on 6 months, trade the next 1); "
                   "writes BT_WalkForward.")
@reports_errors
def sweep(config: Path, strategy: str | None, params: tuple[str, ...], samples: int | None,
          seed: int, workers: int | None, executor: str, address: str | None, out: Path | None,
          replace: bool, metric: str, grids: tuple[str, ...], walk_forward: str | None) -> None:
    """Backtest every variant of a parameter sweep of one strategy; one BT_Sweep row each.

    With no --param, the parameters come from the workbook's Sweep sheet or the YAML file's
    sweep: block."""
    from engine.analytics.sweep import Executor
    from engine.api import sweep_file

    if address and executor != "ray":
        raise click.UsageError("--address is for --executor ray")
    ctx = get_ctx()
    with sweep_progress() as step:
        outcome = sweep_file(config, ctx.home, strategy=strategy, param_specs=params,
                             samples=samples, seed=seed, out=out, replace=replace,
                             workers=workers, progress=step, executor=Executor(executor),
                             address=address, metric=metric, grids=grids,
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


@contextmanager
def sweep_progress() -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr for ``progress(done, total)``: variants done of the total,
    the rate of the variants run now (a minute), elapsed time and the ETA. Quiet when stderr
    is not a terminal."""
    import sys
    import time

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(TextColumn("variants"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                   TextColumn("ETA"), TimeRemainingColumn(), console=Console(stderr=True),
                   disable=not sys.stderr.isatty())
    start: list[float] = []
    first = [0]
    with bar:
        task = bar.add_task("variants", total=None, rate="")

        def step(done: int, total: int) -> None:
            now = time.monotonic()
            if not start:  # the first call counts the variants reused from the results store
                start.append(now)
                first[0] = done
            ran, spent = done - first[0], now - start[0]
            rate = f"{60 * ran / spent:,.1f}/min" if ran and spent > 0 else ""
            bar.update(task, completed=done, total=total, rate=rate)

        yield step
