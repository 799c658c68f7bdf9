"""Named SQL text, one file per schema object or query under ``sql/<engine>/``.

Both engines use the same names; each has its own dialect text. Queries take named
parameters (``$name`` in DuckDB, ``:name`` in HeavyDB) and are never formatted with values.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from engine.errors import StoreError

EngineName = Literal["duckdb", "heavydb"]


def sql_root() -> Path:
    """The ``sql/`` folder: next to the package in a checkout, or inside it when installed."""
    here = Path(__file__).resolve()
    for candidate in (here.parents[2] / "sql", here.parents[1] / "sql"):
        if candidate.is_dir():
            return candidate
    raise StoreError("the sql/ folder with schema and query files was not found",
                     place=str(here.parents[2] / "sql"))


@cache
def query_text(engine: EngineName, name: str) -> str:
    """The text of named query ``name`` for ``engine``."""
    if not name.replace("_", "").isalnum():
        raise StoreError(f"invalid query name {name!r}")
    path = sql_root() / engine / "queries" / f"{name}.sql"
    if not path.is_file():
        raise StoreError(f"no named query {name!r} for {engine}", place=str(path))
    return path.read_text(encoding="utf-8")


def query_names(engine: EngineName) -> list[str]:
    """All named queries available for ``engine``."""
    return sorted(p.stem for p in (sql_root() / engine / "queries").glob("*.sql"))


def schema_texts(engine: EngineName) -> list[tuple[str, str]]:
    """(file name, DDL text) for every schema file of ``engine``, in file-name order."""
    folder = sql_root() / engine / "schema"
    return [(p.name, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.sql"))]
