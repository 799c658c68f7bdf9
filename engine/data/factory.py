"""Which market store a run reads (data stage): DuckDB at $POSBT_HOME by default, or a HeavyDB
server when ``POSBT_STORE_URL`` (or ``--store``) is a ``heavydb://user:password@host:port/db`` URL.

Both implement the ``Store`` protocol, so the engine above this module does not know which one
it reads; HeavyDB needs the optional extra (``pip install 'posbt[heavydb]'``).
"""

from __future__ import annotations

import os
from pathlib import Path

from engine.data.duckdb_store import DuckDBStore
from engine.data.store import Store
from engine.errors import StoreError
from engine.home import market_db_path

STORE_URL_ENV = "POSBT_STORE_URL"


def open_market_store(home: Path, *, url: str | None = None, read_only: bool = True) -> Store:
    """The market store for ``home``: the URL given (or in $POSBT_STORE_URL), else DuckDB."""
    target = url if url is not None else os.environ.get(STORE_URL_ENV, "")
    if not target or target.startswith(("duckdb:", "file:")) or "://" not in target:
        path = Path(target.split(":", 1)[1]) if target.startswith(("duckdb:", "file:")) \
            else market_db_path(home)
        return DuckDBStore(path, read_only=read_only)
    if target.startswith("heavydb://"):
        from engine.data.heavydb_store import open_heavydb

        return open_heavydb(target, read_only=read_only)
    raise StoreError(f"unknown store URL scheme in {target.split('://')[0]!r}; use heavydb://... "
                     "or leave it empty for the DuckDB file", place=STORE_URL_ENV)
