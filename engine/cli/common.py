"""Shared CLI plumbing: the context (home folder), store opening, error reporting, progress.

Every command turns a ``PosbtError`` into a one-line message on stderr and exit code 1
(2 for usage errors, as click does); no traceback reaches the user.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import click

from engine.errors import PosbtError
from engine.home import market_db_path, posbt_home

if TYPE_CHECKING:  # imported where used: the root command must start without duckdb or rich
    from rich.console import Console

    from engine.data.duckdb_store import DuckDBStore

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class CliContext:
    """What every command can reach: the posbt home folder."""

    home: Path

    @property
    def market_db(self) -> Path:
        """The market-data DuckDB file."""
        return market_db_path(self.home)

    def open_store(self, *, read_only: bool = True) -> DuckDBStore:
        """Open the market store (read-only unless the command writes). A store held by
        another process (an import, a demo build, the server between its requests) is
        waited for up to ``$POSBT_LOCK_WAIT_S`` seconds (default 30), saying so once."""
        from engine.data.duckdb_store import DuckDBStore

        if not read_only:
            self.home.mkdir(parents=True, exist_ok=True)
        return DuckDBStore(self.market_db, read_only=read_only, wait_s=lock_wait_s(),
                           on_wait=lambda text: click.echo(f"{text} ...", err=True))


def lock_wait_s() -> float:
    """Seconds a command waits for a locked store (``$POSBT_LOCK_WAIT_S``, default 30)."""
    from engine.data.duckdb_store import LOCK_WAIT_S

    text = os.environ.get("POSBT_LOCK_WAIT_S", "").strip()
    if not text:
        return LOCK_WAIT_S
    try:
        return max(0.0, float(text))
    except ValueError:
        raise PosbtError(f"POSBT_LOCK_WAIT_S must be a number of seconds, got {text!r}",
                         place="POSBT_LOCK_WAIT_S") from None


def get_ctx() -> CliContext:
    """The ``CliContext`` of the running command (home resolved from env when unset)."""
    ctx = click.get_current_context()
    root = ctx.find_root()
    if isinstance(root.obj, CliContext):
        return root.obj
    obj = CliContext(home=posbt_home())
    root.obj = obj
    return obj


def console(stderr: bool = False) -> Console:
    """A rich console for tables and messages."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> None:
    """Print ``message`` to stderr and exit with ``code``."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Decorator: a ``PosbtError`` becomes a clear message and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except PosbtError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)

    return wrapper


@contextmanager
def progress(description: str, total: float | None = None) -> Iterator[Callable[[float], None]]:
    """A progress bar on stderr; yields ``advance(n)``. Quiet when stderr is not a terminal."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
        disable=not sys.stderr.isatty(),
    )
    with bar:
        task = bar.add_task(description, total=total)

        def advance(n: float = 1.0) -> None:
            bar.advance(task, n)

        yield advance
