"""HeavyDB SQL text: safe literal rendering of ``:name`` parameters, and the schema files read back.

Data layer, used by ``engine.data.heavydb_store`` (before a query is sent) and by the pure
tests of ``sql/heavydb/``. The heavyai client inlines ``:name`` parameters into the SQL
text itself, so posbt renders them here instead, from validated Python values only:
dates, naive datetimes, finite floats, ints, bools, strings without control characters,
None, and flat lists/tuples of one of those kinds (rendered as an ``IN`` list). Anything
else is refused with a ``StoreError`` naming the query and the parameter.

Each query file opens with ``-- mode: sql | post | python | statement`` saying how the
store runs it (plain SELECT, SELECT plus a NumPy post hook, Python only, or a write
statement run by a store method); see docs/heavydb.md.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal

import numpy as np

from engine.data.sqlfiles import query_text, schema_texts
from engine.errors import StoreError

QueryMode = Literal["sql", "post", "python", "statement"]

_MODE_RE = re.compile(r"^--\s*mode:\s*(sql|post|python|statement)\b", re.MULTILINE)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
# Tokens that must be copied verbatim: quoted strings, quoted identifiers, comments.
_SKIP_RE = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/", re.DOTALL)


def query_mode(name: str) -> QueryMode:
    """How the HeavyDB store runs named query ``name`` (its ``-- mode:`` line)."""
    match = _MODE_RE.search(query_text("heavydb", name))
    if match is None:
        raise StoreError(f"HeavyDB query {name!r} has no '-- mode:' line",
                         place=f"sql/heavydb/queries/{name}.sql")
    mode: QueryMode = match.group(1)  # type: ignore[assignment]
    return mode


def param_names(sql: str, prefix: Literal[":", "$"] = ":") -> set[str]:
    """Names of the ``:name`` (or ``$name``) parameters used in ``sql`` outside strings
    and comments; ``::`` casts are not parameters."""
    pattern = re.compile(re.escape(prefix) + r"([A-Za-z_][A-Za-z0-9_]*)")
    names: set[str] = set()
    for chunk in _code_chunks(sql):
        for m in pattern.finditer(chunk):
            if prefix == ":" and m.start() > 0 and chunk[m.start() - 1] == ":":
                continue
            names.add(m.group(1))
    return names


def _code_chunks(sql: str) -> list[str]:
    """The parts of ``sql`` outside quoted strings, quoted identifiers and comments."""
    chunks: list[str] = []
    pos = 0
    for m in _SKIP_RE.finditer(sql):
        chunks.append(sql[pos:m.start()])
        pos = m.end()
    chunks.append(sql[pos:])
    return chunks


def bind(sql: str, params: Mapping[str, object], *, query: str) -> str:
    """``sql`` with every ``:name`` replaced by the rendered literal of ``params[name]``.

    Text inside quotes and comments is left alone. A missing parameter or a value of a
    type that cannot be rendered safely is a ``StoreError`` naming ``query`` and the name.
    """
    pattern = re.compile(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)")

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in params:
            raise StoreError(f"query {query!r} needs parameter :{name}, which was not given")
        return render_literal(params[name], place=f"query {query!r}, parameter :{name}")

    out: list[str] = []
    pos = 0
    for m in _SKIP_RE.finditer(sql):
        out.append(pattern.sub(sub, sql[pos:m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(pattern.sub(sub, sql[pos:]))
    return "".join(out)


_Kind = Literal["null", "bool", "int", "float", "date", "timestamp", "text"]


def _scalar(value: object, place: str) -> tuple[_Kind, str]:
    """(kind, SQL literal) of one scalar value, or a StoreError naming ``place``."""
    if value is None:
        return "null", "NULL"
    if isinstance(value, bool | np.bool_):
        return "bool", "TRUE" if value else "FALSE"
    if isinstance(value, int | np.integer):
        return "int", str(int(value))
    if isinstance(value, float | np.floating):
        f = float(value)
        if not math.isfinite(f):
            raise StoreError(f"cannot bind a non-finite number ({f})", place=place)
        return "float", f"CAST({f!r} AS DOUBLE)"
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise StoreError("cannot bind NaT", place=place)
        value = value.astype("datetime64[us]").item()
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            raise StoreError("datetimes are exchange-local and naive (IST); got one with a "
                             f"time zone ({value.isoformat()})", place=place)
        text = value.isoformat(sep=" ", timespec="microseconds" if value.microsecond else "seconds")
        return "timestamp", f"TIMESTAMP '{text}'"
    if isinstance(value, dt.date):
        return "date", f"DATE '{value.isoformat()}'"
    if isinstance(value, str):
        if _CONTROL_RE.search(value):
            raise StoreError(f"text parameter holds a control character: {value!r}", place=place)
        return "text", "'" + value.replace("'", "''") + "'"
    raise StoreError(f"cannot bind a value of type {type(value).__name__}; use a date, "
                     "naive datetime, int, float, bool, str, None or a list of those", place=place)


def render_literal(value: object, *, place: str = "parameter") -> str:
    """The HeavyDB SQL literal of ``value``; lists and tuples become ``(a, b, ...)``.

    A list holds scalars of one kind (ints and floats may mix; None is allowed); an empty
    list renders as ``(NULL)`` so ``x IN :list`` matches nothing, as DuckDB's
    ``list_contains([], x)`` does.
    """
    if isinstance(value, list | tuple | np.ndarray):
        items = [_scalar(v, place) for v in value]
        kinds = {k for k, _ in items} - {"null"}
        if kinds == {"int", "float"}:  # one type for the IN list: ints become doubles
            items = [_scalar(float(v), place) if k == "int" else (k, lit)
                     for v, (k, lit) in zip(value, items, strict=True)]
            kinds = {"float"}
        if len(kinds) > 1:
            raise StoreError(f"a list parameter mixes kinds ({', '.join(sorted(kinds))})",
                             place=place)
        if not items:
            return "(NULL)"
        return "(" + ", ".join(lit for _, lit in items) + ")"
    if not isinstance(value, str | bytes) and isinstance(value, Sequence):
        raise StoreError(f"cannot bind a {type(value).__name__}; pass a list", place=place)
    return _scalar(value, place)[1]


# -- schema files read back ------------------------------------------------------------------

@dataclass(frozen=True)
class ColumnDef:
    """One column of a HeavyDB schema file."""

    name: str
    heavy_type: str           # e.g. "TEXT", "DATE", "TIMESTAMP(0)", "DOUBLE", "SMALLINT"
    nullable: bool
    default: str | None       # SQL text of the DEFAULT clause, None when absent

    @property
    def duckdb_type(self) -> str:
        """The type name DuckDB's information_schema gives the same column."""
        base = self.heavy_type.split("(")[0]
        return {"TEXT": "VARCHAR", "TIMESTAMP": "TIMESTAMP"}.get(base, base)


_TABLE_RE = re.compile(r"CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s+(\w+)\s*\((.*)\)", re.DOTALL | re.I)
_COL_RE = re.compile(
    r'^"?(\w+)"?\s+([A-Z]+(?:\(\d+\))?)(?P<rest>.*)$', re.I)
_DEFAULT_RE = re.compile(r"\bDEFAULT\s+(\S+)", re.I)

BOOKKEEPING_COLUMN = "load_id"


def parse_table_ddl(ddl: str) -> tuple[str, list[ColumnDef]]:
    """(table name, columns) of one ``CREATE TABLE IF NOT EXISTS`` text."""
    text = re.sub(r"--[^\n]*", "", ddl)
    text = re.sub(r"\)\s*WITH\s*\(.*", ")", text, flags=re.DOTALL | re.I)
    match = _TABLE_RE.search(text)
    if match is None:
        raise StoreError("not a CREATE TABLE IF NOT EXISTS text", place=ddl[:60])
    cols: list[ColumnDef] = []
    for line in match.group(2).split(","):
        line = line.strip()
        if not line:
            continue
        col = _COL_RE.match(line)
        if col is None:
            raise StoreError(f"cannot read column definition {line!r}", place=match.group(1))
        rest = col.group("rest")
        default = _DEFAULT_RE.search(rest)
        cols.append(ColumnDef(name=col.group(1), heavy_type=col.group(2).upper(),
                              nullable="NOT NULL" not in rest.upper(),
                              default=default.group(1) if default else None))
    return match.group(1), cols


@cache
def schema_columns() -> dict[str, tuple[ColumnDef, ...]]:
    """Every table of sql/heavydb/schema with its columns, in file order."""
    out: dict[str, tuple[ColumnDef, ...]] = {}
    for file, ddl in schema_texts("heavydb"):
        if is_migrations_file(file):
            continue
        table, cols = parse_table_ddl(ddl)
        out[table] = tuple(cols)
    return out


def is_migrations_file(name: str) -> bool:
    """True for the schema folder's upgrade file (ALTER statements, not a table)."""
    return "migrations" in name


@dataclass(frozen=True)
class Migration:
    """One upgrade statement of ``11_migrations.sql``: it adds ``table.column``."""

    table: str
    column: str
    statement: str


_ADDS_RE = re.compile(r"^--\s*adds:\s*(\w+)\.(\w+)\s*$", re.MULTILINE)


@cache
def migrations() -> tuple[Migration, ...]:
    """The upgrade statements of sql/heavydb/schema, each with the column it adds (the
    ``-- adds: table.column`` line above it), in file order."""
    out: list[Migration] = []
    for file, text in schema_texts("heavydb"):
        if not is_migrations_file(file):
            continue
        adds: list[tuple[str, str]] = []
        body: list[str] = []
        for line in text.splitlines():
            marker = _ADDS_RE.match(line)
            if marker is not None:
                adds.append((marker.group(1), marker.group(2)))
                continue
            code = re.sub(r"--.*", "", line).strip()
            if not code:
                continue
            body.append(code)
            if not code.endswith(";"):
                continue
            statement = " ".join(body).rstrip(";").strip()
            if len(adds) != 1:
                raise StoreError("each upgrade statement needs one '-- adds: table.column' "
                                 f"line above it: {statement[:60]!r}",
                                 place=f"sql/heavydb/schema/{file}")
            out.append(Migration(table=adds[0][0], column=adds[0][1], statement=statement))
            adds, body = [], []
    return tuple(out)


def canonical_columns(table: str) -> tuple[ColumnDef, ...]:
    """The columns of ``table`` that DuckDB has too (``load_id`` left out)."""
    cols = schema_columns().get(table)
    if cols is None:
        raise StoreError(f"unknown table {table!r}", place="sql/heavydb/schema")
    return tuple(c for c in cols if c.name != BOOKKEEPING_COLUMN)


def quote_ident(name: str) -> str:
    """A double-quoted identifier (every schema name is a plain word; others are refused)."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise StoreError(f"invalid identifier {name!r}")
    return f'"{name}"'
