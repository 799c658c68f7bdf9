"""The DuckDB store: the embedded default, one file at ``$POSBT_HOME/market.duckdb``.

A DuckDB file is open read-write by one process or read-only by many, never both:
readers open it with ``read_only=True``; a load (import, enrichment, features) needs
the write handle. A locked file gives ``StoreLockedError`` naming the holder, never a
raw lock error. Loads stage batches into temporary tables and, on commit, insert the
rows whose key is not yet stored (anti-join; the bar tables carry no PRIMARY KEY index).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from engine.data.sqlfiles import query_text, schema_texts
from engine.data.store import LoadResult, Replace
from engine.data.tables import TABLE_KEYS, TABLE_SORT
from engine.errors import StoreError, StoreLockedError

_PID_RE = re.compile(r"PID (\d+)")
_MEMORY_RE = re.compile(r"\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)")
READER_MEMORY_LIMIT = "1GB"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sorted_by(batch: pa.Table, columns: tuple[str, ...]) -> bool:
    """True when ``batch`` is already in the table's sort order (one symbol, ts rising):
    the insert then keeps the file's order instead of sorting it again."""
    if columns != ("symbol", "ts") or batch.num_rows < 2 or \
            not {"symbol", "ts"} <= set(batch.column_names):
        return False
    symbols = pc.unique(batch.column("symbol"))
    if len(symbols) != 1:
        return False
    ts = batch.column("ts").to_numpy()
    return bool((ts[1:] >= ts[:-1]).all())


def _ts_window(batch: pa.Table) -> tuple[str, list[object]]:
    """A filter on the stored rows' ``ts`` to the batch's span: the zone maps of a table
    kept in time order then skip everything else, so the anti-join reads a slice."""
    if "ts" not in batch.column_names or batch.num_rows == 0:
        return "", []
    span = pc.min_max(batch.column("ts"))
    lo, hi = span["min"].as_py(), span["max"].as_py()
    if lo is None or hi is None:
        return "", []
    return " AND t.ts BETWEEN ? AND ?", [lo, hi]


class DuckDBStore:
    """Store over a DuckDB file (or ``:memory:`` for tests)."""

    engine_name = "duckdb"

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = str(path)
        self.read_only = read_only
        if self.path != ":memory:":
            db_file = Path(self.path)
            if read_only and not db_file.exists():
                raise StoreError(
                    "no market data store here yet; build one with `posbt data demo` "
                    "or `posbt data import ...`",
                    place=self.path,
                )
            db_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" in text.lower():
                pid = _PID_RE.search(text)
                holder = f"process {pid.group(1)}" if pid else "another process"
                raise StoreLockedError(
                    f"the store is locked by {holder}; wait for it to finish, stop it, or "
                    "send writes through the running `posbt serve`",
                    place=self.path,
                ) from None
            raise StoreError(f"cannot open the store: {text}", place=self.path) from None
        self.con.execute("SET enable_progress_bar = false")  # our own bars report progress
        if read_only:  # readers (backtests, the server) keep DuckDB's buffer pool bounded
            limit = os.environ.get("POSBT_DUCKDB_MEMORY_LIMIT", READER_MEMORY_LIMIT)
            if not _MEMORY_RE.fullmatch(limit):
                self.con.close()
                raise StoreError(f"POSBT_DUCKDB_MEMORY_LIMIT must look like '1GB', got {limit!r}")
            self.con.execute(f"SET memory_limit = '{limit}'")
        if not read_only:
            self._ensure_schema()

    # -- schema ---------------------------------------------------------------------------
    def _ensure_schema(self) -> None:
        for _name, ddl in schema_texts("duckdb"):
            self.con.execute(ddl)
        rows = self.con.execute(
            "SELECT value FROM store_meta WHERE key = 'data_version'"
        ).fetchall()
        if not rows:
            self.con.execute("INSERT INTO store_meta VALUES ('data_version', '0')")
            self.con.execute("INSERT INTO store_meta VALUES ('schema_version', '1')")

    # -- reads ----------------------------------------------------------------------------
    def query(self, name: str, params: Mapping[str, object] | None = None) -> pa.Table:
        """Run named query ``name`` with bound parameters; returns an Arrow table."""
        sql = query_text("duckdb", name)
        try:
            return self.con.sql(sql, params=dict(params or {})).to_arrow_table()
        except duckdb.Error as exc:
            raise StoreError(f"query {name!r} failed: {exc}") from None

    def sql(self, sql: str, params: Mapping[str, object] | list[object] | None = None) -> pa.Table:
        """Run store-internal SQL text (no user values pasted in; bind them as params)."""
        return self.con.sql(sql, params=params).to_arrow_table()

    def data_version(self) -> int:
        """The data version counter, bumped by each committed load."""
        rows = self.con.execute(
            "SELECT value FROM store_meta WHERE key = 'data_version'"
        ).fetchall()
        return int(rows[0][0]) if rows else 0

    def table_counts(self) -> dict[str, int]:
        """Row counts of the canonical tables."""
        counts: dict[str, int] = {}
        for table in TABLE_KEYS:
            counts[table] = self._count(table)
        return counts

    def file_size_bytes(self) -> int:
        """Size of the database file on disk (0 for in-memory)."""
        if self.path == ":memory:":
            return 0
        p = Path(self.path)
        wal = Path(self.path + ".wal")
        return (p.stat().st_size if p.exists() else 0) + (wal.stat().st_size if wal.exists() else 0)

    def _count(self, table: str) -> int:
        rows = self.con.execute(f"SELECT count(*) FROM {_quote(table)}").fetchall()  # noqa: S608
        return int(rows[0][0])

    # -- writes ---------------------------------------------------------------------------
    def load(self) -> DuckDBLoad:
        """Open a load transaction."""
        if self.read_only:
            raise StoreError("the store is open read-only; loads need the write handle",
                             place=self.path)
        return DuckDBLoad(self)

    def update_option_greeks(self, batch: pa.Table) -> int:
        """Fill iv and greeks of option_bars rows still at iv IS NULL from ``batch``.

        ``batch`` has the option_bars key columns plus iv, delta, gamma, vega, theta
        (named query ``enrich_update``). One transaction; bumps the data version when a
        row changed. Returns the number of rows updated.
        """
        if self.read_only:
            raise StoreError("the store is open read-only; enrichment needs the write handle",
                             place=self.path)
        if batch.num_rows == 0:
            return 0
        sql = query_text("duckdb", "enrich_update")
        self.con.execute("BEGIN TRANSACTION")
        self.con.register("_posbt_greeks", batch)
        try:
            changed = int(self.con.execute(sql).fetchall()[0][0])
            if changed:
                self.con.execute(
                    "UPDATE store_meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) "
                    "WHERE key = 'data_version'"
                )
            self.con.execute("COMMIT")
        except duckdb.Error as exc:
            self.con.execute("ROLLBACK")
            raise StoreError(f"query 'enrich_update' failed: {exc}") from None
        finally:
            self.con.unregister("_posbt_greeks")
        return changed

    def bulk_load(self) -> DuckDBBulkLoad:
        """Open a load transaction that appends rows straight to their tables.

        No staging and no anti-join de-duplication: for generators that know every row
        is new (the synthetic market checks first). Still one transaction.
        """
        if self.read_only:
            raise StoreError("the store is open read-only; loads need the write handle",
                             place=self.path)
        return DuckDBBulkLoad(self)

    def checkpoint(self) -> None:
        """Flush the write-ahead log into the database file."""
        self.con.execute("CHECKPOINT")

    def close(self) -> None:
        """Close the connection."""
        self.con.close()

    def __enter__(self) -> DuckDBStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DuckDBLoad:
    """One load transaction against a ``DuckDBStore``.

    Each appended batch is de-duplicated on the table's key and inserted at once, skipping keys
    already stored (by earlier loads or earlier batches of this one); the whole load commits or
    rolls back together. Batches are never staged in tables created inside the transaction:
    DuckDB 2.0.0 returns no rows when aggregating over such a table once it exceeds one row
    group (122,880 rows), which silently dropped large loads (regression test in
    tests/unit/data/test_duckdb_store.py).
    """

    def __init__(self, store: DuckDBStore) -> None:
        self.store = store
        self.con = store.con
        self._offered: dict[str, int] = {}
        self._inserted: dict[str, int] = {}
        self._replaced: dict[str, int] = {}
        self._result: LoadResult | None = None

    def __enter__(self) -> DuckDBLoad:
        self.con.execute("BEGIN TRANSACTION")
        return self

    def append(self, table: str, batch: pa.Table, *, replace: Replace = None,
               unique: bool = False) -> None:
        """Insert the new rows of ``batch`` into ``table``; columns missing from it are NULL.

        ``replace`` (see ``LoadSession.append``) first deletes the stored rows it names;
        ``unique`` skips the batch's own DISTINCT ON (the caller checked its keys).
        """
        if table not in TABLE_KEYS:
            raise StoreError(f"unknown table {table!r}")
        keys = TABLE_KEYS[table]
        missing = [k for k in keys if k not in batch.column_names]
        if missing:
            raise StoreError(f"batch for {table} lacks key columns {missing}")
        cols = ", ".join(_quote(c) for c in batch.column_names)
        key_list = ", ".join(_quote(k) for k in keys)
        join = " AND ".join(f"t.{_quote(k)} IS NOT DISTINCT FROM s.{_quote(k)}" for k in keys)
        order_list = ", ".join(_quote(k) for k in TABLE_SORT.get(table, keys))
        self.con.register("_posbt_batch", batch)
        try:
            if replace is not None:
                self._delete_matching(table, join, replace)
            before = self._count(table)
            window, params = _ts_window(batch)
            source = "_posbt_batch" if unique else \
                f"(SELECT DISTINCT ON ({key_list}) * FROM _posbt_batch)"  # noqa: S608
            order = "" if _sorted_by(batch, TABLE_SORT.get(table, keys)) else \
                f" ORDER BY {order_list}"
            self.con.execute(
                f"INSERT INTO {_quote(table)} ({cols}) "  # noqa: S608
                f"SELECT {cols} FROM {source} s "
                f"WHERE NOT EXISTS (SELECT 1 FROM {_quote(table)} t WHERE {join}{window}) "
                f"{order}", params
            )
        finally:
            self.con.unregister("_posbt_batch")
        self._offered[table] = self._offered.get(table, 0) + batch.num_rows
        self._inserted[table] = self._inserted.get(table, 0) + self._count(table) - before

    def _delete_matching(self, table: str, join: str, replace: str) -> None:
        only = " AND t.source LIKE 'DERIVED%'" if replace == "derived" else ""
        before = self._count(table)
        self.con.execute(
            f"DELETE FROM {_quote(table)} t WHERE EXISTS "  # noqa: S608
            f"(SELECT 1 FROM _posbt_batch s WHERE {join}){only}")
        self._replaced[table] = self._replaced.get(table, 0) + before - self._count(table)

    def _count(self, table: str) -> int:
        return self.store._count(table)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self.con.execute("ROLLBACK")
            return
        try:
            if any(self._inserted.values()):
                self.con.execute(
                    "UPDATE store_meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) "
                    "WHERE key = 'data_version'"
                )
            self.con.execute("COMMIT")
        except Exception:  # pragma: no cover - commit failures are I/O errors
            self.con.execute("ROLLBACK")
            raise
        self._result = LoadResult(offered=dict(self._offered), inserted=dict(self._inserted),
                                  replaced=dict(self._replaced))

    @property
    def result(self) -> LoadResult:
        """Counts after commit."""
        if self._result is None:
            raise StoreError("the load has not been committed")
        return self._result


class DuckDBBulkLoad(DuckDBLoad):
    """A load transaction that inserts each batch directly (see ``DuckDBStore.bulk_load``)."""

    def append(self, table: str, batch: pa.Table, *, replace: Replace = None,
               unique: bool = False) -> None:
        """Insert ``batch`` into ``table`` now (committed or rolled back with the rest)."""
        if replace is not None:
            raise StoreError("a bulk load appends new rows only; use load() to replace")
        if table not in TABLE_KEYS:
            raise StoreError(f"unknown table {table!r}")
        cols = ", ".join(_quote(c) for c in batch.column_names)
        self.con.register("_posbt_bulk", batch)
        try:
            self.con.execute(
                f"INSERT INTO {_quote(table)} ({cols}) SELECT {cols} FROM _posbt_bulk"  # noqa: S608
            )
        finally:
            self.con.unregister("_posbt_bulk")
        self._offered[table] = self._offered.get(table, 0) + batch.num_rows
        self._inserted[table] = self._inserted.get(table, 0) + batch.num_rows  # rows known new


def open_store(path: str | Path, *, read_only: bool = True) -> DuckDBStore:
    """Open the DuckDB store at ``path``."""
    return DuckDBStore(path, read_only=read_only)


