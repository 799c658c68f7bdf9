"""Generic table importer: any CSV or Parquet file plus a YAML column mapping.

Stage: data ingestion, for layouts posbt does not know by name. The mapping (see
``mapping``) names the target canonical table; values are converted by the target
column's type (dates and timestamps in the mapping's formats, prices > 0, counts >= 0,
multipliers applied), bars are checked (high >= low, close inside, bid <= ask), and a
``ticker`` column is parsed into symbol / expiry / strike / right. A mapping with
``target: minute`` is handed to the minute importer.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from engine.data.importers.convert import check_bar, convert
from engine.data.importers.expirybook import ExpiryBook, refresh_expiry_kinds, resolve_expiry
from engine.data.importers.fields import RowError, close_stamp
from engine.data.importers.loader import RowSink, run_import
from engine.data.importers.mapping import (
    PSEUDO_COLUMNS,
    Mapping,
    MappingError,
    check_mapping,
    load_mapping,
)
from engine.data.importers.minute import import_minute
from engine.data.importers.report import ImportReport
from engine.data.importers.sources import RecordSource
from engine.data.importers.tickers import TickerError, TickerKind, parse_ticker
from engine.data.store import Store
from engine.data.tables import TABLE_KEYS

DAILY_MINUTES = 1440
DAILY_CLOSE = dt.time(15, 30)  # daily bars are stamped at the session close, always


def _target_columns(store: Store, mapping: Mapping,
                    place: str) -> tuple[dict[str, str], set[str], tuple[str, ...]]:
    """(types of mappable columns incl. pseudo ones, real columns, required columns)."""
    if mapping.target not in TABLE_KEYS:
        raise MappingError(f"mapping key target: unknown table {mapping.target!r} (tables: "
                           f"{', '.join(TABLE_KEYS)}, or minute)", place=place)
    rows = store.query("import_table_columns", {"table_name": mapping.target}).to_pylist()
    types = {r["column_name"]: str(r["data_type"]) for r in rows}
    required = tuple(r["column_name"] for r in rows
                     if not r["nullable"] and not r["has_default"])
    allowed = dict(types)
    for pseudo, dtype in zip(PSEUDO_COLUMNS, ("DATE", "TIME", "VARCHAR"), strict=True):
        allowed.setdefault(pseudo, dtype)
    return allowed, set(types), required


def _row(record: dict[str, Any], spec: Mapping, types: dict[str, str],
         real: set[str]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for column, value in spec.constants.items():
        row[column] = convert(value, types[column], column, spec)
    for column, source in spec.columns.items():
        row[column] = convert(record.get(source), types[column], column, spec)
    if "ts" in real:
        if row.get("ts") is None and row.get("date") and row.get("time"):
            row["ts"] = dt.datetime.combine(row.pop("date"), row.pop("time"))
        elif row.get("ts") is None and isinstance(row.get("date"), dt.date):
            row["ts"] = dt.datetime.combine(row.pop("date"), DAILY_CLOSE)
        if isinstance(row.get("ts"), dt.datetime):
            if row.get("bar_minutes") == DAILY_MINUTES:
                row["ts"] = dt.datetime.combine(row["ts"].date(), DAILY_CLOSE)
            else:
                row["ts"] = close_stamp(row["ts"], spec.bar_stamp)
    return row


def _apply_ticker(row: dict[str, Any], books: ExpiryBook) -> None:
    text = row.pop("ticker", None)
    if text is None:
        return
    ticker = parse_ticker(str(text))
    row["symbol"] = ticker.symbol
    if ticker.kind is TickerKind.INDEX:
        return
    on = row["ts"].date() if isinstance(row.get("ts"), dt.datetime) else dt.date.min
    expiry = resolve_expiry(books, ticker, on, seen=False)
    if expiry is None:
        raise RowError(f"cannot resolve the expiry of ticker {text!r}: no such expiry is "
                       "stored; import the bhavcopy for those days first")
    row["expiry"] = expiry
    if ticker.kind is TickerKind.OPTION:
        row["strike"], row["right"] = ticker.strike, ticker.right


def _check_contract(row: dict[str, Any]) -> None:
    """Strike > 0; a bar on or before its contract's expiry."""
    strike = row.get("strike")
    if strike is not None and strike <= 0:
        raise RowError(f"strike must be > 0, got {strike:g}")
    expiry, ts = row.get("expiry"), row.get("ts")
    if isinstance(expiry, dt.date) and isinstance(ts, dt.datetime) and expiry < ts.date():
        raise RowError(f"expiry {expiry} is before the bar's day {ts.date()}")


def _day(ts: object) -> dt.date | None:
    """The trade day of a bar stamp (a datetime), else None."""
    return ts.date() if isinstance(ts, dt.datetime) else None


def import_table(store: Store, path: str | Path, mapping: Mapping | str | Path, *,
                 replace: bool = False) -> ImportReport:
    """Import ``path`` (CSV or Parquet) into the table ``mapping`` names."""
    spec = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
    place = str(mapping) if not isinstance(mapping, Mapping) else "mapping"
    if spec.target == "minute":
        return import_minute(store, path, spec, replace=replace)
    types, real, required = _target_columns(store, spec, place)
    books = ExpiryBook(store)
    target = spec.target

    def body(sink: RowSink, report: ImportReport) -> None:
        with RecordSource(path, report, delimiter=spec.delimiter) as source:
            check_mapping(spec, types, source.header, place, required)
            for line, record in source.records():
                try:
                    row = _row(record, spec, types, real)
                    _apply_ticker(row, books)
                    row = {k: v for k, v in row.items() if k in real}
                    empty = [c for c in required if row.get(c) is None]
                    if empty:
                        raise RowError(f"{', '.join(empty)} empty (required by {target})")
                    check_bar(row)
                    _check_contract(row)
                except (RowError, TickerError) as exc:
                    report.reject(line, exc.message if isinstance(exc, TickerError)
                                  else str(exc))
                    continue
                if sink.add(target, row, line) and target == "option_bars":
                    books.add(row["symbol"], row["expiry"], _day(row.get("ts")))
            source.finish()
        if target == "option_bars":
            for r in books.rows():
                sink.add_derived("expiries", r)

    report = run_import(store, path, f"table ({target})", body, replace=replace)
    if spec.constants.get("bar_minutes") == DAILY_MINUTES:
        report.note("daily bars are stamped at the 15:30 session close, whatever time the "
                    "file gives")
    refresh_expiry_kinds(store, books)
    return report
