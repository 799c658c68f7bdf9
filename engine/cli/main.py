"""The ``posbt`` root command: global options and the table of command groups.

Each command group lives in its own module under ``engine/cli`` and is listed in
``COMMANDS`` with its one-line summary; a module is imported only when its command runs
(``engine.cli.lazy``), so ``posbt --help`` and ``posbt --version`` start fast. The Excel
side (``posbt serve``) registers itself through the ``posbt.commands`` entry-point group,
so engine never imports xlbridge.
"""

from __future__ import annotations

from pathlib import Path

import click

from engine import __version__
from engine.cli.common import CliContext
from engine.cli.lazy import LazyCommand, LazyGroup
from engine.home import posbt_home

# name -> where the command lives and its summary (tests check it against the command).
COMMANDS: dict[str, LazyCommand] = {
    "data": LazyCommand(
        "engine.cli.data_cmds:data",
        "Build, import, inspect and check the market-data store.",
    ),
    "validate": LazyCommand(
        "engine.cli.config_cmds:validate",
        "Check a config workbook or YAML file; list every problem with its place.",
    ),
    "template": LazyCommand(
        "engine.cli.config_cmds:template",
        "Generate config workbooks from the parameter models.",
    ),
    "convert": LazyCommand(
        "engine.cli.config_cmds:convert",
        "Convert a config between .xlsx and .yaml (validated on the way).",
    ),
    "vol": LazyCommand(
        "engine.cli.vol_cmd:vol",
        "Volatility snapshot of SYMBOL, or its daily history (--out / --plot).",
    ),
    "breakeven": LazyCommand(
        "engine.cli.breakeven_cmd:breakeven",
        "Breakevens, max profit/loss and probabilities of an ad-hoc position.",
    ),
    "run": LazyCommand(
        "engine.cli.run_cmd:run",
        "Backtest CONFIG (.xlsx or .yaml); the input is never modified unless --in-place, "
        "and an existing --out that posbt did not write is never overwritten unless --replace.",
    ),
    "report": LazyCommand(
        "engine.cli.report_cmd:report",
        "Write the HTML tearsheet of SOURCE: a results workbook (.xlsx) or a run id from "
        "`posbt runs list`.",
    ),
    "runs": LazyCommand(
        "engine.cli.runs_cmd:runs",
        "List, show and compare the runs kept in results.duckdb.",
    ),
    "sweep": LazyCommand(
        "engine.cli.sweep_cmd:sweep",
        "Backtest every variant of a parameter sweep of one strategy; one BT_Sweep row each.",
    ),
    "abtest": LazyCommand(
        "engine.cli.abtest_cmd:abtest",
        "A/B test two strategies, or one and a parameter change, with trades paired by cycle.",
    ),
    "attribution": LazyCommand(
        "engine.cli.attribution_cmd:attribution",
        "Backtest, then break P&L down by regime, term structure, IVP/IVR, weekday, adjustment.",
    ),
    "portfolio": LazyCommand(
        "engine.cli.attribution_cmd:portfolio",
        "Backtest several strategies and combine them: equity, drawdown, margin, greeks, "
        "correlation.",
    ),
    "levels": LazyCommand(
        "engine.cli.levels_cmd:levels",
        "Support/resistance levels of SYMBOL for a decision at --at, with strength.",
    ),
    "demo": LazyCommand(
        "engine.cli.demo_all:demo_all",
        "Build the demo market if needed, run every template strategy, write the results.",
    ),
}


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    entry_point_group="posbt.commands",
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="posbt")
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="posbt home folder (default: $POSBT_HOME, else ~/.posbt).",
)
@click.pass_context
def cli(ctx: click.Context, home: Path | None) -> None:
    """posbt: backtest positional option strategies on Indian index options."""
    ctx.obj = CliContext(home=posbt_home(home))


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="posbt")
