"""Where posbt keeps its files: ``$POSBT_HOME`` (default ``~/.posbt``).

Layout: ``market.duckdb`` (market data, read-only for readers), ``results.duckdb``
(backtest runs), ``logs/``, ``server.token``.
"""

from __future__ import annotations

import os
from pathlib import Path

MARKET_DB_NAME = "market.duckdb"
RESULTS_DB_NAME = "results.duckdb"


def posbt_home(override: str | os.PathLike[str] | None = None) -> Path:
    """The posbt home folder: ``override``, else ``$POSBT_HOME``, else ``~/.posbt``."""
    if override is not None:
        return Path(override).expanduser()
    env = os.environ.get("POSBT_HOME")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".posbt"


def market_db_path(home: Path) -> Path:
    """Path of the market-data DuckDB file inside ``home``."""
    return home / MARKET_DB_NAME


def results_db_path(home: Path) -> Path:
    """Path of the backtest-results DuckDB file inside ``home``."""
    return home / RESULTS_DB_NAME
