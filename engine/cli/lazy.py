"""A click group whose subcommands are imported only when they run (CLI stage, start-up).

``posbt --help`` and ``posbt --version`` must not pay for numba, scipy, duckdb, pandas or
openpyxl: a command's module (and what it imports) is loaded when that command is
invoked, or when its own ``--help`` is asked for. The root help lists every command from
the one-line summary kept beside its import path; a test checks each summary against the
loaded command's own, so the two cannot drift apart.

Commands registered through the ``posbt.commands`` entry-point group (``posbt serve``,
which the Excel side adds) are loaded when the group needs them (listing or invoking), since their
summary is only known from the command itself.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint


@dataclass(frozen=True)
class LazyCommand:
    """Where a subcommand lives (``"module:attribute"``) and its one-line summary."""

    target: str
    summary: str

    def load(self) -> click.Command:
        """Import the module and return the command object."""
        module_name, _, attr = self.target.partition(":")
        command = getattr(importlib.import_module(module_name), attr)
        if not isinstance(command, click.Command):  # pragma: no cover - a wiring mistake
            raise TypeError(f"{self.target} is not a click command")
        return command


class LazyGroup(click.Group):
    """A group whose ``lazy`` subcommands are imported on first use.

    ``entry_point_group`` names an entry-point group whose commands are added on demand.
    """

    def __init__(
        self,
        *args: object,
        lazy: dict[str, LazyCommand] | None = None,
        entry_point_group: str | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy: dict[str, LazyCommand] = dict(lazy or {})
        self._entry_point_group = entry_point_group
        self._entry_points: dict[str, EntryPoint] | None = None

    def _plugins(self) -> dict[str, EntryPoint]:
        if self._entry_points is None:
            from importlib.metadata import entry_points

            group = self._entry_point_group
            self._entry_points = {ep.name: ep for ep in entry_points(group=group)} if group else {}
        return self._entry_points

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(self.commands) | set(self.lazy) | set(self._plugins())
        return sorted(names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        loaded = self.commands.get(cmd_name)
        if loaded is not None:
            return loaded
        if cmd_name in self.lazy:
            command = self.lazy[cmd_name].load()
        elif cmd_name in self._plugins():
            try:
                command = self._plugins()[cmd_name].load()
            except ImportError:  # pragma: no cover - optional extra not installed
                return None
        else:
            return None
        self.add_command(command, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands; a lazy one not yet loaded is shown from its stored summary."""
        rows: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            command: click.Command | None = self.commands.get(name)
            if command is None and name in self.lazy:
                command = click.Command(name, help=self.lazy[name].summary)
            if command is None:
                command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            rows.append((name, command))
        if not rows:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in rows)
        with formatter.section("Commands"):
            formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in rows])
