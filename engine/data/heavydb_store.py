"""The HeavyDB store: the GPU backend for users who run a HeavyDB server (optional extra).

Data layer, a drop-in ``Store`` beside ``engine.data.duckdb_store``: the same named
queries (``sql/heavydb/queries``, HeavyDB's dialect, ``:name`` parameters rendered as
validated literals by ``engine.data.heavydb_sql``), Arrow tables out through the client's
Arrow path (``sql_execute_df`` over the wire, never pandas), and NumPy post hooks
(``engine.data.heavydb_post``) where the dialect falls short.

Loads: HeavyDB has no multi-statement transactions, so a load is made atomic by
compensation. Batches are staged into temporary tables (``load_table_arrow``); on commit
the store writes ``load_in_progress = <load_id>`` to ``store_meta``, inserts each table's
new rows (anti-join on the key, repeats inside the load dropped by ROW_NUMBER) tagged with
that ``load_id``, bumps ``data_version`` and clears the marker. If any step fails, the rows
tagged with the load id are deleted from every table; if the process dies mid-commit, the
next write-mode open finds the marker and deletes them. Readers may see a load's rows
before it completes (no isolation); the single-writer rule of the DuckDB store applies.

``heavyai`` is imported only when a connection is opened: ``pip install posbt[heavydb]``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlparse

import pyarrow as pa

from engine.data.fingerprint import LOADS_FROM_KEY, STATS_KIND, stats_digest, store_fingerprint
from engine.data.heavydb_post import POST_HOOKS, PYTHON_QUERIES, normalise
from engine.data.heavydb_sql import (
    BOOKKEEPING_COLUMN,
    ColumnDef,
    bind,
    canonical_columns,
    is_migrations_file,
    migrations,
    query_mode,
    quote_ident,
    render_literal,
    schema_columns,
)
from engine.data.sqlfiles import query_text, schema_texts
from engine.data.store import LoadResult, Replace
from engine.data.tables import TABLE_KEYS
from engine.errors import StoreError

_ARROW_TYPES: dict[str, pa.DataType] = {
    "TEXT": pa.string(), "DATE": pa.date32(), "TIMESTAMP(0)": pa.timestamp("s"),
    "DOUBLE": pa.float64(), "SMALLINT": pa.int16(), "INTEGER": pa.int32(),
    "BIGINT": pa.int64(), "BOOLEAN": pa.bool_(),
}


class Backend(Protocol):
    """What the store needs from a HeavyDB connection (the heavyai one, or a test double)."""

    def select(self, sql: str) -> pa.Table:
        """Run a SELECT and return its rows as Arrow."""

    def execute(self, sql: str) -> None:
        """Run a statement (DDL, INSERT ... SELECT, UPDATE, DELETE)."""

    def load_arrow(self, table: str, data: pa.Table) -> None:
        """Append ``data`` (columns in table order) to ``table``."""

    def close(self) -> None:
        """Close the connection."""


class HeavyaiBackend:
    """``Backend`` over a ``heavyai.Connection``."""

    def __init__(self, con: Any) -> None:
        self._con = con

    def select(self, sql: str) -> pa.Table:  # pragma: no cover - needs a server
        from heavydb.thrift.ttypes import TArrowTransport

        tdf = self._con._client.sql_execute_df(
            self._con._session, sql.strip(), device_type=0, device_id=0, first_n=-1,
            transport_method=TArrowTransport.WIRE)
        table: pa.Table = pa.ipc.open_stream(tdf.df_buffer).read_all()
        return table

    def execute(self, sql: str) -> None:  # pragma: no cover - needs a server
        self._con.execute(sql)

    def load_arrow(self, table: str, data: pa.Table) -> None:  # pragma: no cover - needs a server
        self._con.load_table_arrow(table, data)

    def close(self) -> None:  # pragma: no cover - needs a server
        self._con.close()


def connect_args(url: str) -> dict[str, object]:
    """heavyai.connect keyword arguments from ``heavydb://user:password@host:port/dbname``
    (``?protocol=binary|http|https``; defaults: admin / HyperInteractive / 6274 / heavyai)."""
    parts = urlparse(url)
    if parts.scheme not in ("heavydb", "heavyai", "omnisci"):
        raise StoreError("a HeavyDB URL looks like heavydb://user:password@host:6274/heavyai",
                         place="POSBT_HEAVYDB_URL")
    query = parse_qs(parts.query)
    protocol = query.get("protocol", ["binary"])[0]
    if protocol not in ("binary", "http", "https"):
        raise StoreError(f"unknown protocol {protocol!r} (binary, http or https)",
                         place="POSBT_HEAVYDB_URL")
    try:
        port = parts.port or 6274
    except ValueError:
        raise StoreError("the port must be a number", place="POSBT_HEAVYDB_URL") from None
    return {"user": unquote(parts.username or "admin"),
            "password": unquote(parts.password or "HyperInteractive"),
            "host": parts.hostname or "localhost", "port": port,
            "dbname": parts.path.lstrip("/") or "heavyai", "protocol": protocol}


def _open_backend(args: Mapping[str, object]) -> Backend:
    try:
        import heavyai
    except ImportError:
        raise StoreError("the HeavyDB store needs the heavyai client: "
                         "pip install 'posbt[heavydb]'") from None
    try:  # pragma: no cover - needs a server
        return HeavyaiBackend(heavyai.connect(**args))
    except Exception as exc:  # pragma: no cover - the client raises many kinds
        raise StoreError(f"cannot connect to HeavyDB: {exc}",
                         place=f"{args.get('host')}:{args.get('port')}") from None


class HeavyDBStore:
    """Store over a HeavyDB server (``url`` or host/port/user/password/dbname)."""

    engine_name = "heavydb"

    def __init__(self, url: str | None = None, *, host: str = "localhost", port: int = 6274,
                 user: str = "admin", password: str = "HyperInteractive",
                 dbname: str = "heavyai", protocol: str = "binary", read_only: bool = False,
                 backend: Backend | None = None) -> None:
        args = connect_args(url) if url else {"user": user, "password": password, "host": host,
                                              "port": port, "dbname": dbname,
                                              "protocol": protocol}
        self.place = f"heavydb://{args['host']}:{args['port']}/{args['dbname']}"
        self.read_only = read_only
        self.backend = backend if backend is not None else _open_backend(args)
        self._fingerprint: tuple[int, str] | None = None  # (data version, fingerprint)
        if not read_only:
            self._ensure_schema()
            self._recover()

    # -- schema and bookkeeping ---------------------------------------------------------------
    def _ensure_schema(self) -> None:
        for name, ddl in schema_texts("heavydb"):
            if not is_migrations_file(name):
                self.backend.execute(ddl)
        self._migrate()
        if self._meta("data_version") is None:
            self._exec("INSERT INTO store_meta VALUES ('data_version', '0')")
            self._exec("INSERT INTO store_meta VALUES ('schema_version', '1')")
        if self._meta(LOADS_FROM_KEY) is None:
            self._start_recording_loads()

    def _start_recording_loads(self) -> None:
        """Mark the data version from which loads record their sources; a store with data
        from before gets one ``stats`` load standing for it (computed once, here)."""
        version = self.data_version()
        if any(self.table_counts().values()):
            self.record_load(stats_digest(self.query("data_stats")), STATS_KIND,
                             "data loaded before sources were recorded", version, load_id=0)
        self._set_meta(LOADS_FROM_KEY, str(version))

    def record_load(self, digest: str, kind: str, label: str, data_version: int, *,
                    load_id: int) -> None:
        """Add one row to ``loads`` (named statement ``record_load``)."""
        self._exec(bind(query_text("heavydb", "record_load"),
                        {"digest": digest, "kind": kind, "label": label or None,
                         "data_version": data_version, "load_id": load_id},
                        query="record_load"))

    def _migrate(self) -> None:
        """Add the columns a store made by an earlier version lacks (the statements of
        sql/heavydb/schema/11_migrations.sql, each run only when its column is missing)."""
        for step in migrations():
            if not self._has_column(step.table, step.column):
                self._exec(step.statement)

    def _has_column(self, table: str, column: str) -> bool:
        try:
            self.backend.select(f"SELECT {quote_ident(column)} FROM {quote_ident(table)} "  # noqa: S608
                                "LIMIT 1")
        except Exception:  # the column is missing (any other fault shows in the ALTER)
            return False
        return True

    def _meta(self, key: str) -> str | None:
        sql = 'SELECT "value" FROM store_meta WHERE "key" = ' + render_literal(key)  # noqa: S608
        rows = self._select(sql).column(0).to_pylist()
        return str(rows[0]) if rows else None

    def _set_meta(self, key: str, value: str | None) -> None:
        # literals rendered by render_literal (quotes doubled), never pasted
        self._exec('DELETE FROM store_meta WHERE "key" = ' + render_literal(key))  # noqa: S608
        if value is not None:
            self._exec(f"INSERT INTO store_meta VALUES ({render_literal(key)}, "  # noqa: S608
                       f"{render_literal(value)})")

    def _recover(self) -> None:
        """Undo a load whose commit was cut off (its marker is still in store_meta)."""
        pending = self._meta("load_in_progress")
        if pending is not None:
            self.delete_load(int(pending))
            self._set_meta("load_in_progress", None)

    def delete_load(self, load_id: int) -> None:
        """Delete every row tagged with ``load_id`` (the compensation of a failed load)."""
        for table in (*TABLE_KEYS, "loads"):
            self._exec(f"DELETE FROM {table} WHERE {BOOKKEEPING_COLUMN} = {int(load_id)}")  # noqa: S608

    def bump_version(self) -> None:
        """Add one to the data version (after a committed change)."""
        self._set_meta("data_version", str(self.data_version() + 1))

    # -- reads ---------------------------------------------------------------------------------
    def query(self, name: str, params: Mapping[str, object] | None = None) -> pa.Table:
        """Run named query ``name`` with ``params`` rendered as checked literals."""
        given = dict(params or {})
        mode = query_mode(name)
        if mode == "statement":
            raise StoreError(f"{name!r} is a write statement; the store runs it through "
                             "update_option_greeks() or refresh_expiry_kinds()")
        if mode == "python":
            return PYTHON_QUERIES[name](given)
        table = normalise(self._select(bind(query_text("heavydb", name), given, query=name),
                                       name=name))
        return POST_HOOKS[name](table, given) if mode == "post" else table

    def _select(self, sql: str, *, name: str = "store-internal") -> pa.Table:
        try:
            return self.backend.select(sql)
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"query {name!r} failed: {exc}", place=self.place) from None

    def _exec(self, sql: str) -> None:
        try:
            self.backend.execute(sql)
        except Exception as exc:
            raise StoreError(f"statement failed: {exc}", place=self.place) from None

    def data_version(self) -> int:
        """The data version counter, bumped by each committed load."""
        value = self._meta("data_version")
        return int(value) if value is not None else 0

    def fingerprint(self) -> str:
        """The data fingerprint of the recorded load sources (``engine.data.fingerprint``);
        kept per data version, so a run asks the server once."""
        version = self.data_version()
        if self._fingerprint is not None and self._fingerprint[0] == version:
            return self._fingerprint[1]
        value = store_fingerprint(self, recording=self._meta(LOADS_FROM_KEY) is not None)
        self._fingerprint = (version, value)
        return value

    def table_counts(self) -> dict[str, int]:
        """Row counts of the canonical tables."""
        return {t: self._count(t) for t in TABLE_KEYS}

    def _count(self, table: str, where: str = "") -> int:
        sql = f"SELECT COUNT(*) AS n FROM {table}{where}"  # noqa: S608 - store-internal names
        rows = self._select(sql).column(0).to_pylist()
        return int(rows[0])

    # -- writes --------------------------------------------------------------------------------
    def _writable(self) -> None:
        if self.read_only:
            raise StoreError("the store is open read-only; writes need read_only=False",
                             place=self.place)

    def load(self) -> HeavyDBLoad:
        """Open a load session (``with store.load() as tx: tx.append(...)``)."""
        self._writable()
        return HeavyDBLoad(self)

    def update_option_greeks(self, batch: pa.Table) -> int:
        """Fill iv and greeks of option_bars rows still at iv IS NULL from ``batch``
        (the option_bars key columns plus iv, delta, gamma, vega, theta)."""
        self._writable()
        if batch.num_rows == 0:
            return 0
        cols = [c for c in canonical_columns("option_bars") if c.name in batch.column_names]
        self._exec(stage_ddl("_posbt_greeks", cols))
        try:
            self.backend.load_arrow("_posbt_greeks", conform(batch, cols))
            keys = " AND ".join(f"b.{quote_ident(k)} = o.{quote_ident(k)}"
                                for k in TABLE_KEYS["option_bars"])
            changed = self._count(f"option_bars o JOIN _posbt_greeks b ON {keys}",
                                  " WHERE o.iv IS NULL")
            self._exec(query_text("heavydb", "enrich_update"))
            if changed:
                self.bump_version()
        finally:
            self._exec("DROP TABLE IF EXISTS _posbt_greeks")
        return changed

    def refresh_expiry_kinds(self) -> None:
        """Re-derive WEEKLY/MONTHLY for every DATA expiry (after an import)."""
        self._writable()
        self._exec(query_text("heavydb", "import_expiry_kinds"))

    def refresh_expiry_listing(self, first_days: Mapping[tuple[str, dt.date], dt.date]) -> None:
        """Move each DATA expiry's ``listed_from`` back to the earliest day a committed
        file had bars of it (``first_days`` by (symbol, expiry); named query
        ``import_expiry_listing``, as the DuckDB store runs it)."""
        self._writable()
        sql = query_text("heavydb", "import_expiry_listing")
        for (symbol, expiry), day in sorted(first_days.items()):
            self._exec(bind(sql, {"symbol": symbol, "expiry": expiry, "first_day": day},
                            query="import_expiry_listing"))

    def close(self) -> None:
        """Close the connection."""
        self.backend.close()

    def __enter__(self) -> HeavyDBStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def stage_ddl(name: str, cols: tuple[ColumnDef, ...] | list[ColumnDef]) -> str:
    """CREATE TEMPORARY TABLE text for a staging table with ``cols``."""
    body = ",\n    ".join(f"{quote_ident(c.name)} {c.heavy_type}"
                          + ("" if c.nullable else " NOT NULL")
                          + (" ENCODING DICT(32)" if c.heavy_type == "TEXT" else "")
                          for c in cols)
    return f"CREATE TEMPORARY TABLE {quote_ident(name)} (\n    {body}\n)"


def conform(batch: pa.Table, cols: tuple[ColumnDef, ...] | list[ColumnDef]) -> pa.Table:
    """``batch`` with exactly ``cols`` in order and HeavyDB's Arrow types; a column the
    batch lacks is its DEFAULT (TRUE/FALSE) or NULL, and a NOT NULL one without a default
    is an error naming it."""
    arrays: list[pa.Array | pa.ChunkedArray] = []
    for c in cols:
        arrow_type = _ARROW_TYPES[c.heavy_type]
        if c.name in batch.column_names:
            try:
                arrays.append(batch.column(c.name).cast(arrow_type))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise StoreError(f"column {c.name!r} cannot be stored as {c.heavy_type}: {exc}")\
                    from None
        elif c.default is not None:
            value = c.default.upper() == "TRUE" if c.heavy_type == "BOOLEAN" else c.default
            arrays.append(pa.array([value] * batch.num_rows, type=arrow_type))
        elif c.nullable:
            arrays.append(pa.nulls(batch.num_rows, type=arrow_type))
        else:
            raise StoreError(f"column {c.name!r} is required (NOT NULL) but missing from the batch")
    return pa.table(arrays, names=[c.name for c in cols])


class HeavyDBLoad:
    """One load session against a ``HeavyDBStore`` (see the module docstring)."""

    def __init__(self, store: HeavyDBStore) -> None:
        self.store = store
        self.load_id = secrets.randbits(62)
        self._staged: dict[str, str] = {}
        self._offered: dict[str, int] = {}
        self._sources: list[tuple[str, str, str]] = []
        self._result: LoadResult | None = None

    def __enter__(self) -> HeavyDBLoad:
        return self

    def record_source(self, digest: str, kind: str, label: str = "") -> None:
        """Keep (digest, kind, label) in ``loads``, tagged with the load id, if this load
        commits a change."""
        self._sources.append((digest, kind, label))

    def append(self, table: str, batch: pa.Table, *, replace: Replace = None,
               unique: bool = False) -> None:
        """Stage ``batch`` for ``table``; columns missing from it are NULL (or DEFAULT)."""
        if replace is not None:
            raise StoreError("replacing stored rows is not supported on HeavyDB yet: import "
                             "into the DuckDB store and copy, or delete the rows first",
                             place=self.store.place)
        if table not in TABLE_KEYS:
            raise StoreError(f"unknown table {table!r}")
        cols = canonical_columns(table)
        data = conform(batch, cols)
        stage = self._staged.get(table)
        if stage is None:
            stage = f"_posbt_stage_{table}_{self.load_id}"
            self.store._exec(stage_ddl(stage, cols))
            self._staged[table] = stage
        if data.num_rows:
            try:
                self.store.backend.load_arrow(stage, data)
            except Exception as exc:
                raise StoreError(f"staging {table} failed: {exc}", place=self.store.place) from None
        self._offered[table] = self._offered.get(table, 0) + batch.num_rows

    def insert_sql(self, table: str, stage: str) -> str:
        """INSERT ... SELECT of the staged rows whose key is new, tagged with the load id."""
        names = [quote_ident(c.name) for c in canonical_columns(table)]
        keys = [quote_ident(k) for k in TABLE_KEYS[table]]
        join = " AND ".join(f"s.{k} = t.{k}" for k in keys)
        return (
            f"INSERT INTO {table} ({', '.join(names)}, {BOOKKEEPING_COLUMN}) "  # noqa: S608
            f"SELECT {', '.join('s.' + n for n in names)}, {self.load_id} FROM ("
            f"SELECT {', '.join(names)}, ROW_NUMBER() OVER (PARTITION BY {', '.join(keys)} "
            f"ORDER BY {', '.join(keys)}) AS posbt_rn FROM {quote_ident(stage)}) s "
            f"LEFT JOIN {table} t ON {join} "
            f"WHERE s.posbt_rn = 1 AND t.{keys[0]} IS NULL"
        )

    def _commit(self) -> dict[str, int]:
        store = self.store
        store._set_meta("load_in_progress", str(self.load_id))
        inserted: dict[str, int] = {}
        for table, stage in self._staged.items():
            store._exec(self.insert_sql(table, stage))
            inserted[table] = store._count(table, f" WHERE {BOOKKEEPING_COLUMN} = {self.load_id}")
        if any(inserted.values()):
            store.bump_version()
            version = store.data_version()
            for digest, kind, label in self._sources:
                store.record_load(digest, kind, label, version, load_id=self.load_id)
        store._set_meta("load_in_progress", None)
        return inserted

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if exc_type is not None:
                return
            try:
                inserted = self._commit()
            except Exception:
                self.store.delete_load(self.load_id)
                self.store._set_meta("load_in_progress", None)
                raise
            self._result = LoadResult(offered=dict(self._offered), inserted=inserted)
        finally:
            for stage in self._staged.values():
                self.store._exec(f"DROP TABLE IF EXISTS {quote_ident(stage)}")

    @property
    def result(self) -> LoadResult:
        """Counts after commit."""
        if self._result is None:
            raise StoreError("the load has not been committed")
        return self._result


def open_heavydb(url: str, *, read_only: bool = True) -> HeavyDBStore:
    """Open the HeavyDB store at ``url`` (e.g. the value of ``POSBT_HEAVYDB_URL``)."""
    return HeavyDBStore(url, read_only=read_only)


__all__ = ["Backend", "HeavyDBLoad", "HeavyDBStore", "conform", "connect_args", "open_heavydb",
           "schema_columns", "stage_ddl"]
