"""Named SQL text, one file per schema object or query under ``sql/<engine>/``.

Both engines use the same names; each has its own dialect text. Queries take named
parameters (``$name`` in DuckDB, ``:name`` in HeavyDB) and are never formatted with values.
The files are package data: the repository's ``sql/`` folder is installed as the
``engine.sql`` package and read through ``importlib.resources`` (a wheel and an editable
install alike), never through a path into a checkout.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Literal

from engine.errors import StoreError

EngineName = Literal["duckdb", "heavydb"]
SQL_PACKAGE = "engine.sql"


def sql_root() -> Traversable:
    """The SQL files' root (``sql/`` in the repository, ``engine/sql`` in a wheel)."""
    try:
        root = resources.files(SQL_PACKAGE)
    except ModuleNotFoundError as exc:
        raise StoreError("the SQL files are not installed with posbt; reinstall the package",
                         place=SQL_PACKAGE) from exc
    if not root.joinpath("duckdb").is_dir():
        raise StoreError("the SQL files are not installed with posbt; reinstall the package",
                         place=f"{SQL_PACKAGE}/duckdb")
    return root


def _sql_files(folder: Traversable) -> list[Traversable]:
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if p.name.endswith(".sql") and p.is_file()),
                  key=lambda p: p.name)


@cache
def query_text(engine: EngineName, name: str) -> str:
    """The text of named query ``name`` for ``engine``."""
    if not name.replace("_", "").isalnum():
        raise StoreError(f"invalid query name {name!r}")
    path = sql_root().joinpath(engine, "queries", f"{name}.sql")
    if not path.is_file():
        raise StoreError(f"no named query {name!r} for {engine}",
                         place=f"sql/{engine}/queries/{name}.sql")
    return path.read_text(encoding="utf-8")


def query_names(engine: EngineName) -> list[str]:
    """All named queries available for ``engine``."""
    return [p.name.removesuffix(".sql") for p in _sql_files(sql_root().joinpath(engine, "queries"))]


def schema_texts(engine: EngineName) -> list[tuple[str, str]]:
    """(file name, DDL text) for every schema file of ``engine``, in file-name order."""
    return [(p.name, p.read_text(encoding="utf-8"))
            for p in _sql_files(sql_root().joinpath(engine, "schema"))]


def results_schema_text() -> str:
    """The results store's DDL (``sql/results/schema.sql``)."""
    return sql_root().joinpath("results", "schema.sql").read_text(encoding="utf-8")
