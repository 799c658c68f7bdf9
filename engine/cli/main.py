"""The ``posbt`` root command: global options and the registration of command groups.

Each command group lives in its own module under ``engine/cli`` and is listed in
``_COMMAND_MODULES``; the Excel side (``posbt serve``) registers itself through the
``posbt.commands`` entry-point group, so engine never imports xlbridge.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from pathlib import Path

import click

from engine import __version__
from engine.cli.common import CliContext
from engine.home import posbt_home

# (module, attribute) of each command or group added to the root.
_COMMAND_MODULES: tuple[tuple[str, str], ...] = (
    ("engine.cli.data_cmds", "data"),
    ("engine.cli.config_cmds", "validate"),
    ("engine.cli.config_cmds", "template"),
    ("engine.cli.config_cmds", "convert"),
    ("engine.cli.vol_cmd", "vol"),
    ("engine.cli.breakeven_cmd", "breakeven"),
    ("engine.cli.run_cmd", "run"),
    ("engine.cli.levels_cmd", "levels"),
    ("engine.cli.demo_all", "demo_all"),
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


def _register() -> None:
    for module_name, attr in _COMMAND_MODULES:
        module = importlib.import_module(module_name)
        cli.add_command(getattr(module, attr))
    for ep in entry_points(group="posbt.commands"):
        try:
            cli.add_command(ep.load())
        except ImportError:  # pragma: no cover - optional extra not installed
            continue


_register()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="posbt")
