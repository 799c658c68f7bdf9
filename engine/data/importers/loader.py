"""The import loop shared by every importer: one file, one transaction, batched appends.

Stage: data ingestion. ``run_import`` opens a load on the store, hands a ``RowSink`` to
the importer's body, and turns the store's counts into the ``ImportReport``. The sink
buffers rows per table, rejects a row whose key repeats an earlier row of the same file
("duplicate row"), and appends Arrow batches so a large file never sits in memory whole.
An ``ImportRejectedError`` (or an unreadable file) rolls the whole file back.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from engine.data.fingerprint import import_digest
from engine.data.importers.report import ImportReport
from engine.data.store import LoadSession, Replace, Store
from engine.data.tables import TABLE_KEYS
from engine.errors import ImportRejectedError

Row = dict[str, Any]

# Arrow types of the canonical columns importers write (the rest are inferred).
COLUMN_TYPES: dict[str, pa.DataType] = {
    "symbol": pa.string(), "expiry": pa.date32(), "strike": pa.float64(),
    "right": pa.string(), "bar_minutes": pa.int16(), "ts": pa.timestamp("us"),
    "open": pa.float64(), "high": pa.float64(), "low": pa.float64(), "close": pa.float64(),
    "settle": pa.float64(), "bid": pa.float64(), "ask": pa.float64(),
    "volume": pa.int64(), "oi": pa.int64(), "underlying": pa.float64(),
    "kind": pa.string(), "source": pa.string(), "date": pa.date32(), "name": pa.string(),
    "blackout_entry": pa.bool_(), "blackout_adjustment": pa.bool_(),
    "listed_from": pa.date32(),
}


class RowSink:
    """Buffers validated rows per table and appends them to the open load in batches."""

    def __init__(self, tx: LoadSession, report: ImportReport, *, batch_rows: int = 20_000) -> None:
        self.tx = tx
        self.report = report
        self.batch_rows = batch_rows
        self._rows: dict[str, list[Row]] = {}
        self._seen: dict[str, dict[tuple[Any, ...], int]] = {}
        self.replace: dict[str, Replace] = {}
        self.default_replace: Replace = None
        self.source_sha256: str | None = None  # the file's, when the body hashed its bytes

    def add(self, table: str, row: Row, line: int) -> bool:
        """Stage ``row`` read at ``line``; a repeated key is rejected as a duplicate row."""
        key = tuple(row.get(k) for k in TABLE_KEYS[table])
        seen = self._seen.setdefault(table, {})
        first = seen.get(key)
        if first is not None:
            self.report.reject(line, f"duplicate row: same {table} key as line {first}")
            return False
        seen[key] = line
        self._stage(table, row)
        return True

    def add_derived(self, table: str, row: Row) -> None:
        """Stage a row derived from the file (no line of its own; repeats collapse)."""
        self._stage(table, row)

    def _stage(self, table: str, row: Row) -> None:
        rows = self._rows.setdefault(table, [])
        rows.append(row)
        if len(rows) >= self.batch_rows:
            self._flush_table(table)

    def _flush_table(self, table: str) -> None:
        rows = self._rows.get(table)
        if not rows:
            return
        names = list(rows[0].keys())
        fields = [pa.field(n, COLUMN_TYPES[n]) for n in names if n in COLUMN_TYPES]
        if len(fields) == len(names):
            batch = pa.Table.from_pylist(rows, schema=pa.schema(fields))
        else:
            batch = pa.Table.from_pylist(rows)
        self.tx.append(table, batch, replace=self.replace_mode(table))
        self._rows[table] = []

    def replace_mode(self, table: str) -> Replace:
        """What a batch for ``table`` replaces (``--replace``: everything it names)."""
        return self.default_replace or self.replace.get(table)

    def line_of(self, table: str, key: tuple[Any, ...]) -> int | None:
        """The line a staged row with ``key`` was read from."""
        return self._seen.get(table, {}).get(key)

    def flush(self) -> None:
        """Append every buffered row."""
        for table in list(self._rows):
            self._flush_table(table)


ImportBody = Callable[[RowSink, ImportReport], None]


def run_import(store: Store, path: str | Path, kind: str, body: ImportBody, *,
               replace: bool = False) -> ImportReport:
    """Import one file in one transaction; ``body`` parses it into the sink.

    ``replace``: the file's rows replace stored rows with the same key (a corrected file);
    otherwise stored rows are kept and those the file gives other values are reported.
    Raises ``ImportRejectedError`` (store unchanged) for a fatal problem in the file.
    """
    report = ImportReport(file=str(path), kind=kind)
    if not Path(path).is_file():
        raise ImportRejectedError("no such file", place=str(path))
    try:
        with store.load() as tx:
            sink = RowSink(tx, report)
            sink.default_replace = "all" if replace else None
            body(sink, report)
            sink.flush()
            tx.record_source(import_digest(path, kind, replace=replace,
                                           sha256=sink.source_sha256),
                             f"import:{kind}", Path(path).name)
    except UnicodeDecodeError as exc:
        raise ImportRejectedError(f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                                  place=str(path)) from None
    except csv.Error as exc:
        raise ImportRejectedError(f"not a readable CSV file: {exc}", place=str(path)) from None
    result = tx.result
    _report_differing(report, sink, result.differing)
    for table in result.offered:
        replaced = result.replaced.get(table, 0)
        report.inserted[table] = result.inserted.get(table, 0) - replaced
        report.skipped[table] = result.skipped(table)
        if replaced:
            report.replaced[table] = replaced
    return report


def _rederived(table: str, key: tuple[Any, ...], column: str) -> bool:
    """A DATA expiry's kind: each import re-derives it after the commit from all stored DATA
    expiries (``expirybook.refresh_expiry_kinds``), so a file's other value is no difference
    (and the stored value is not kept): 2 Jan's file showing only 9 Jan calls it MONTHLY,
    1 Jan's file also showing 30 Jan calls it WEEKLY. (``column`` is the first differing
    one; ``listed_from``, the other value column, is merged, not compared.)"""
    return (table == "expiries" and column == "kind"
            and key[TABLE_KEYS["expiries"].index("source")] == "DATA")


def _report_differing(report: ImportReport, sink: RowSink,
                      differing: Mapping[str, list[tuple[tuple[Any, ...], str]]]) -> None:
    for table, listed in differing.items():
        found = [(key, column) for key, column in listed if not _rederived(table, key, column)]
        if not found:
            continue
        report.differing[table] = len(found)
        key, column = found[0]
        line = sink.line_of(table, key)
        where = f"line {line}" if line is not None else "e.g. " + " ".join(map(str, key))
        report.note(f"{len(found)} {table} row(s) of this file are already stored with other "
                    f"values ({where}: {column} differs); the stored rows were kept: import "
                    "again with --replace to take this file's values")
