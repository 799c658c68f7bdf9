"""Fast start: ``posbt --help`` / ``--version`` import none of the heavy libraries.

Behavioural, not timed (timings live in benchmarks/startup.py): each case runs in a fresh
interpreter, invokes the root command, and lists which heavy top-level packages ended up
in ``sys.modules``.
"""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from engine.cli.data_cmds import SUBCOMMANDS, data
from engine.cli.main import COMMANDS, cli

HEAVY = ("numba", "scipy", "duckdb", "openpyxl", "pandas", "matplotlib", "pyarrow", "numpy",
         "pydantic", "rich", "fastapi", "xlwings", "uvicorn")

_PROBE = """
import json, sys
from engine.cli.main import cli
try:
    cli({args!r}, prog_name="posbt")
except SystemExit:
    pass
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}})), file=sys.stderr)
"""


def _modules_after(args: list[str]) -> set[str]:
    proc = subprocess.run([sys.executable, "-c", _PROBE.format(args=args)],
                          capture_output=True, text=True, timeout=60, check=True)
    return set(json.loads(proc.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize("args", [["--help"], ["--version"]])
def test_root_help_and_version_import_no_heavy_library(args: list[str]) -> None:
    loaded = _modules_after(args)
    assert "engine" in loaded  # the probe did run the CLI
    assert sorted(loaded & set(HEAVY)) == []


def test_running_a_command_does_load_its_module() -> None:
    # the negative control: `posbt breakeven --help` must import the breakeven kernels
    loaded = _modules_after(["breakeven", "--help"])
    assert "scipy" in loaded or "numpy" in loaded


@pytest.mark.parametrize(("group", "table"), [(cli, COMMANDS), (data, SUBCOMMANDS)])
def test_stored_summaries_match_the_commands(group: click.Group, table: dict) -> None:
    # the root help shows the stored summary; it must be what the command itself says
    for name, lazy in table.items():
        command = lazy.load()
        assert command.name == name
        stored = click.Command(name, help=lazy.summary).get_short_help_str(300)
        assert stored == command.get_short_help_str(300), name


def test_help_lists_every_command_including_plugins() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in (*COMMANDS, "serve"):
        assert f"  {name} " in result.output
