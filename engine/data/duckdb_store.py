"""The DuckDB store: the embedded default, one file at ``$POSBT_HOME/market.duckdb``.

A DuckDB file is open read-write by one process or read-only by many, never both:
readers open it with ``read_only=True``; a load (import, enrichment, features) needs
the write handle. A locked file gives ``StoreLockedError`` naming the holder, never a
raw lock error; ``wait_s`` makes an open wait that long for the holder to let go (the
server releases its read handle between requests, so an import waits a moment, then
writes). A disk that fills up mid-load says "disk full" and rolls the load back; the
previous state stays. Loads stage batches into temporary tables and, on commit, insert the
rows whose key is not yet stored (anti-join; the bar tables carry no PRIMARY KEY index).
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import TracebackType

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from engine.data.fingerprint import LOADS_FROM_KEY, STATS_KIND, stats_digest, store_fingerprint
from engine.data.sqlfiles import query_text, schema_texts
from engine.data.store import LoadResult, Replace
from engine.data.tables import TABLE_EARLIEST, TABLE_KEYS, TABLE_SORT
from engine.errors import DiskFullError, StoreError, StoreLockedError, disk_message, is_disk_full

_PID_RE = re.compile(r"PID (\d+)")
LOCK_POLL_S = 0.2
LOCK_WAIT_S = 30.0  # how long a CLI write waits for the store by default (POSBT_LOCK_WAIT_S)


def _process_name(pid: int) -> str | None:
    """A short name of process ``pid`` ("posbt serve", "posbt data import"), if known."""
    try:
        import psutil

        args = psutil.Process(pid).cmdline()
    except Exception:  # psutil missing, the process gone, access denied
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return None
        args = [a.decode("utf-8", "replace") for a in raw.split(b"\0") if a]
    if not args:
        return None
    words = [Path(a).name for a in args[:4] if not a.startswith("-")]
    if "posbt" in words:
        i = words.index("posbt")
        return " ".join(words[i:i + 3])
    return " ".join(words[:2])


def lock_holder(text: str) -> str:
    """"process 1234 (posbt serve)" from DuckDB's lock error text."""
    pid = _PID_RE.search(text)
    if pid is None:
        return "another process"
    name = _process_name(int(pid.group(1)))
    return f"process {pid.group(1)}" + (f" ({name})" if name else "")


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back if a transaction is still open; an I/O error may have ended it already,
    and "no transaction is active" must not hide that error."""
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")


def _unregister(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop a registered view even after an I/O error aborted the transaction (an error
    here would hide the one that matters, e.g. "No space left on device")."""
    with contextlib.suppress(duckdb.Error):
        con.unregister(name)


def _write_failure(exc: BaseException, doing: str) -> str:
    """A write error in the user's words: "disk full" first when that is the cause."""
    return disk_message(exc, doing)
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

    def __init__(self, path: str | Path, *, read_only: bool = False, wait_s: float = 0.0,
                 on_wait: Callable[[str], None] | None = None) -> None:
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
        self.con = self._connect(read_only, wait_s, on_wait)
        self._fingerprint: tuple[int, str] | None = None  # (data version, fingerprint)
        self.con.execute("SET enable_progress_bar = false")  # our own bars report progress
        if read_only:  # readers (backtests, the server) keep DuckDB's buffer pool bounded
            limit = os.environ.get("POSBT_DUCKDB_MEMORY_LIMIT", READER_MEMORY_LIMIT)
            if not _MEMORY_RE.fullmatch(limit):
                self.con.close()
                raise StoreError(f"POSBT_DUCKDB_MEMORY_LIMIT must look like '1GB', got {limit!r}")
            self.con.execute(f"SET memory_limit = '{limit}'")
        if not read_only:
            self._ensure_schema()

    def _connect(self, read_only: bool, wait_s: float,
                 on_wait: Callable[[str], None] | None) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + wait_s
        told = False
        while True:
            try:
                return duckdb.connect(self.path, read_only=read_only)
            except duckdb.IOException as exc:
                text = str(exc)
                if "lock" not in text.lower():
                    raise StoreError(f"cannot open the store: {text}", place=self.path) from None
                holder = lock_holder(text)
                if time.monotonic() >= deadline:
                    waited = f" (waited {wait_s:g} s)" if wait_s else ""
                    raise StoreLockedError(
                        f"the store is locked by {holder}{waited}; wait for it to finish or "
                        "stop it (a running `posbt serve` lets go between requests)",
                        place=self.path) from None
                if on_wait is not None and not told:
                    on_wait(f"the store is locked by {holder}; waiting up to {wait_s:g} s")
                    told = True
                time.sleep(LOCK_POLL_S)

    # -- bookkeeping ----------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """A ``store_meta`` value (None when unset)."""
        rows = self.con.execute("SELECT value FROM store_meta WHERE key = $key",
                                {"key": key}).fetchall()
        return str(rows[0][0]) if rows else None

    def set_meta(self, key: str, value: str | None) -> None:
        """Set (or, with None, remove) a ``store_meta`` value, committed at once."""
        with self._transaction("recording store bookkeeping"):
            self.con.execute("DELETE FROM store_meta WHERE key = $key", {"key": key})
            if value is not None:
                self.con.execute("INSERT INTO store_meta VALUES ($key, $value)",
                                 {"key": key, "value": value})

    @contextlib.contextmanager
    def _transaction(self, what: str) -> Iterator[None]:
        """One committed transaction; a DuckDB error rolls it back and is raised as a
        StoreError (DiskFullError when the disk is full) saying it happened ``what``."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
            self.con.execute("COMMIT")
        except duckdb.Error as exc:
            _rollback(self.con)
            kind = DiskFullError if is_disk_full(exc) else StoreError
            raise kind(_write_failure(exc, what), place=self.path) from None
        except BaseException:
            _rollback(self.con)
            raise

    def discard_symbol(self, symbol: str) -> int:
        """Remove a symbol's option bars and GENERATED expiries (an interrupted demo build
        being rolled back to the last complete symbol) in one transaction; returns the
        option bars removed."""
        with self._transaction(f"removing the partial {symbol} bars"):
            n = int(self.con.execute("SELECT count(*) FROM option_bars WHERE symbol = $s",
                                     {"s": symbol}).fetchall()[0][0])
            self.con.execute("DELETE FROM option_bars WHERE symbol = $s", {"s": symbol})
            self.con.execute("DELETE FROM expiries WHERE symbol = $s AND source = 'GENERATED'",
                             {"s": symbol})
            self.con.execute(
                "UPDATE store_meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) "
                "WHERE key = 'data_version'")
        return n

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
        if self.get_meta(LOADS_FROM_KEY) is None:
            self._start_recording_loads()

    def _start_recording_loads(self) -> None:
        """Mark the data version from which loads record their sources; a store with data
        from before gets one ``stats`` load standing for it (computed once, here)."""
        version = self.data_version()
        with self._transaction("recording the store's data fingerprint"):
            if any(self.table_counts().values()):
                self.con.execute(query_text("duckdb", "record_load"), {
                    "digest": stats_digest(self.query("data_stats")), "kind": STATS_KIND,
                    "label": "data loaded before sources were recorded",
                    "data_version": version})
            self.con.execute("INSERT INTO store_meta VALUES ($key, $value)",
                             {"key": LOADS_FROM_KEY, "value": str(version)})

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

    def fingerprint(self) -> str:
        """The data fingerprint of the recorded load sources (``engine.data.fingerprint``);
        kept per data version, so a run asks the store once."""
        version = self.data_version()
        if self._fingerprint is not None and self._fingerprint[0] == version:
            return self._fingerprint[1]
        value = store_fingerprint(self, recording=self.get_meta(LOADS_FROM_KEY) is not None)
        self._fingerprint = (version, value)
        return value

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
            _unregister(self.con, "_posbt_greeks")
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
        """Flush the write-ahead log into the database file (what is committed stays
        committed when this fails: the error says why, disk full first)."""
        try:
            self.con.execute("CHECKPOINT")
        except duckdb.Error as exc:
            kind = DiskFullError if is_disk_full(exc) else StoreError
            raise kind(_write_failure(exc, "checkpointing the store"),
                       place=self.path) from None

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
        self._differing: dict[str, list[tuple[tuple[object, ...], str]]] = {}
        self._moved_back = 0  # stored rows whose TABLE_EARLIEST columns a batch moved back
        self._sources: list[tuple[str, str, str]] = []
        self._result: LoadResult | None = None

    def record_source(self, digest: str, kind: str, label: str = "") -> None:
        """Keep (digest, kind, label) in ``loads`` if this load commits a change."""
        self._sources.append((digest, kind, label))

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
            earliest = [c for c in TABLE_EARLIEST.get(table, ()) if c in batch.column_names]
            if earliest and replace is not None:
                batch = self._keep_earliest(table, batch, join, earliest)
            elif earliest:
                self._move_back(table, keys, join, earliest)
            if replace is not None:
                self._delete_matching(table, join, replace)
            before = self._count(table)
            window, params = _ts_window(batch)
            source = "_posbt_batch" if unique else \
                f"(SELECT DISTINCT ON ({key_list}) * FROM _posbt_batch)"  # noqa: S608
            order = "" if _sorted_by(batch, TABLE_SORT.get(table, keys)) else \
                f" ORDER BY {order_list}"
            anti, bound = "", list[object]()  # nothing stored in the batch's span: no anti-join
            if not window or self._stored_between(table, params):
                anti = (f"WHERE NOT EXISTS (SELECT 1 FROM {_quote(table)} t "  # noqa: S608
                        f"WHERE {join}{window}) ")
                bound = params
            self.con.execute(
                f"INSERT INTO {_quote(table)} ({cols}) "  # noqa: S608
                f"SELECT {cols} FROM {source} s {anti}{order}", bound
            )
            added = self._count(table) - before
            if added < batch.num_rows and replace is None:
                self._find_differing(table, batch, join, window, params)
        finally:
            _unregister(self.con, "_posbt_batch")
        self._offered[table] = self._offered.get(table, 0) + batch.num_rows
        self._inserted[table] = self._inserted.get(table, 0) + added

    def _keep_earliest(self, table: str, batch: pa.Table, join: str,
                       earliest: list[str]) -> pa.Table:
        """``batch`` (re-registered) with each ``earliest`` column the earlier of its value
        and the stored row's, so replacing the row never moves that column forward."""
        merged = ", ".join(f"CASE WHEN t.{q} IS NULL OR s.{q} <= t.{q} THEN s.{q} "
                           f"WHEN s.{q} IS NULL OR t.{q} < s.{q} THEN t.{q} END AS {q}"
                           for q in map(_quote, earliest))
        folded = self.con.sql(
            f"SELECT s.* REPLACE ({merged}) FROM _posbt_batch s "  # noqa: S608
            f"LEFT JOIN {_quote(table)} t ON {join}").to_arrow_table().cast(batch.schema)
        _unregister(self.con, "_posbt_batch")
        self.con.register("_posbt_batch", folded)
        return folded

    def _move_back(self, table: str, keys: tuple[str, ...], join: str,
                   earliest: list[str]) -> None:
        """Move each ``earliest`` column of the stored rows the batch names back to the
        batch's value where that is earlier (or the stored one is NULL)."""
        key_list = ", ".join(_quote(k) for k in keys)
        for q in map(_quote, earliest):
            moved = self.con.execute(
                f"UPDATE {_quote(table)} AS t SET {q} = s.{q} "  # noqa: S608
                f"FROM (SELECT {key_list}, min({q}) AS {q} FROM _posbt_batch "
                f"GROUP BY {key_list}) s "
                f"WHERE {join} AND s.{q} IS NOT NULL AND (t.{q} IS NULL OR s.{q} < t.{q})"
            ).fetchall()
            self._moved_back += int(moved[0][0]) if moved else 0

    def _find_differing(self, table: str, batch: pa.Table, join: str, window: str,
                        params: list[object]) -> None:
        """Offered rows whose key is stored with other values (a corrected file); the
        ``TABLE_EARLIEST`` columns are merged, not compared."""
        keys = TABLE_KEYS[table]
        merged = TABLE_EARLIEST.get(table, ())
        values = [c for c in batch.column_names if c not in keys and c not in merged]
        if not values:
            return
        same = " AND ".join(f"t.{_quote(c)} IS NOT DISTINCT FROM s.{_quote(c)}" for c in values)
        key_cols = ", ".join(f"s.{_quote(k)}" for k in keys)
        found = self.con.execute(
            f"SELECT {key_cols}, [{', '.join(repr(c) for c in values)}][list_position("  # noqa: S608
            f"[{', '.join(f't.{_quote(c)} IS NOT DISTINCT FROM s.{_quote(c)}' for c in values)}]"
            f", false)] AS first_diff "
            f"FROM _posbt_batch s JOIN {_quote(table)} t ON {join}{window} "
            f"WHERE NOT ({same})", params).fetchall()
        if found:
            self._differing.setdefault(table, []).extend(
                (tuple(r[:-1]), str(r[-1])) for r in found)

    def _delete_matching(self, table: str, join: str, replace: str) -> None:
        only = " AND t.source LIKE 'DERIVED%'" if replace == "derived" else ""
        before = self._count(table)
        self.con.execute(
            f"DELETE FROM {_quote(table)} t WHERE EXISTS "  # noqa: S608
            f"(SELECT 1 FROM _posbt_batch s WHERE {join}){only}")
        self._replaced[table] = self._replaced.get(table, 0) + before - self._count(table)

    def _count(self, table: str) -> int:
        return self.store._count(table)

    def _stored_between(self, table: str, span: list[object]) -> bool:
        """True when ``table`` holds a row stamped inside ``span`` (lo, hi): the zone maps
        of a table kept in time order answer it from a few row groups."""
        found = self.con.execute(
            f"SELECT EXISTS (SELECT 1 FROM {_quote(table)} WHERE ts BETWEEN ? AND ?)",  # noqa: S608
            span).fetchall()
        return bool(found[0][0])

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            _rollback(self.con)  # DuckDB may have aborted it already (an I/O error)
            if exc is not None and not isinstance(exc, StoreError) and is_disk_full(exc):
                raise DiskFullError(_write_failure(exc, "writing to the store"),
                                    place=self.store.path) from exc
            return
        try:
            if any(self._inserted.values()) or self._moved_back:
                self.con.execute(
                    "UPDATE store_meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) "
                    "WHERE key = 'data_version'"
                )
                self._record_sources()
            self.con.execute("COMMIT")
        except duckdb.Error as error:  # commit failures are I/O errors: say which
            _rollback(self.con)
            kind = DiskFullError if is_disk_full(error) else StoreError
            raise kind(_write_failure(error, "committing to the store"),
                       place=self.store.path) from None
        self._result = LoadResult(offered=dict(self._offered), inserted=dict(self._inserted),
                                  replaced=dict(self._replaced),
                                  differing=dict(self._differing))

    def _record_sources(self) -> None:
        version = self.store.data_version()
        sql = query_text("duckdb", "record_load")
        for digest, kind, label in self._sources:
            self.con.execute(sql, {"digest": digest, "kind": kind, "label": label or None,
                                   "data_version": version})

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
            _unregister(self.con, "_posbt_bulk")
        self._offered[table] = self._offered.get(table, 0) + batch.num_rows
        self._inserted[table] = self._inserted.get(table, 0) + batch.num_rows  # rows known new


def open_store(path: str | Path, *, read_only: bool = True) -> DuckDBStore:
    """Open the DuckDB store at ``path``."""
    return DuckDBStore(path, read_only=read_only)


