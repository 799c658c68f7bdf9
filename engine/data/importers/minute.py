"""Vendor minute-bar importer (GDFL layout by default, other vendors through a mapping).

Stage: data ingestion (minute CSV -> option_bars / futures_bars / spot_bars / vix_bars at
``bar_minutes`` 1, plus the expiries the option tickers show). Layout (GDFL)::

    Ticker,Date,Time,Open,High,Low,Close,Volume,Open Interest
    NIFTY03JUL2522800CE.NFO,01/07/2025,10:58:59,...

Rules:
- the ticker decides the table: options and futures by their form (see ``tickers``),
  index rows (``NIFTY.NSE``, ``NIFTY 50``) go to spot_bars, ``INDIA VIX`` to vix_bars;
- time stamp: GDFL stamps a bar at its last second, ``10:58:59`` is the bar closing at
  ``10:59:00`` (posbt stamps bars at their close); a mapping says ``bar_stamp: close``
  (already the close), ``end_second`` (GDFL) or ``start`` (the bar's open);
- bars whose close stamp is outside the session (after 09:15, up to 15:30) are ignored;
- volume and open interest are taken as units, as GDFL gives them;
- monthly tickers and continuous futures (``NIFTY-I``) get their expiry from the store's
  expiries or from the expiries this file shows; rows that cannot be resolved are held to
  the end of the file, then rejected with the reason.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa

from engine.data.importers.convert import check_bar, convert
from engine.data.importers.csvstream import CsvStream
from engine.data.importers.expirybook import ExpiryBook, refresh_expiry_kinds, resolve_expiry
from engine.data.importers.fields import RowError, close_stamp, parse_float
from engine.data.importers.loader import RowSink, run_import
from engine.data.importers.mapping import (
    GDFL_MINUTE,
    Mapping,
    MappingError,
    check_mapping,
    load_mapping,
    mapping_from_dict,
)
from engine.data.importers.minute_columnar import UNTRADED, ReadFile, run_columnar
from engine.data.importers.report import ImportReport
from engine.data.importers.sources import RecordSource
from engine.data.importers.tickers import ParsedTicker, TickerError, TickerKind, parse_ticker
from engine.data.store import Store
from engine.errors import ImportRejectedError

SESSION_OPEN = dt.time(9, 15)
SESSION_CLOSE = dt.time(15, 30)
MINUTE_TYPES = {"ticker": "VARCHAR", "date": "DATE", "time": "TIME", "datetime": "TIMESTAMP",
                "open": "DOUBLE", "high": "DOUBLE", "low": "DOUBLE", "close": "DOUBLE",
                "volume": "BIGINT", "oi": "BIGINT"}


def _value(record: dict[str, Any], mapping: Mapping, field: str) -> Any:
    source = mapping.columns.get(field)
    raw = record.get(source) if source is not None else mapping.constants.get(field)
    return convert(raw, MINUTE_TYPES[field], field, mapping)


class _Memo:
    """Per-file caches: a minute file repeats each ticker, date and time many times."""

    def __init__(self, mapping: Mapping) -> None:
        self.mapping = mapping
        self._seen: dict[tuple[str, Any], Any] = {}

    def value(self, record: dict[str, Any], field: str) -> Any:
        source = self.mapping.columns.get(field)
        raw = record.get(source) if source is not None else self.mapping.constants.get(field)
        key = (field, raw)
        if key not in self._seen:
            self._seen[key] = convert(raw, MINUTE_TYPES[field], field, self.mapping)
        return self._seen[key]

    def ticker(self, record: dict[str, Any]) -> ParsedTicker:
        text = str(self.value(record, "ticker") or "")
        key = ("parsed", text)
        if key not in self._seen:
            self._seen[key] = parse_ticker(text)
        parsed: ParsedTicker = self._seen[key]
        return parsed


def _stamp(record: dict[str, Any], mapping: Mapping, memo: _Memo) -> dt.datetime:
    if "datetime" in mapping.columns:
        ts = _value(record, mapping, "datetime")
    else:
        day, tod = memo.value(record, "date"), memo.value(record, "time")
        ts = None if day is None or tod is None else dt.datetime.combine(day, tod)
    if ts is None:
        raise RowError("date/time is empty")
    stamped: dt.datetime = close_stamp(ts, mapping.bar_stamp)
    return stamped


def _bar(record: dict[str, Any], mapping: Mapping) -> dict[str, Any]:
    bar = {k: _value(record, mapping, k) for k in ("open", "high", "low", "close")}
    for k, v in bar.items():
        if v is None:
            raise RowError(f"{k} is empty")
    bar["volume"] = _value(record, mapping, "volume")
    check_bar(bar)
    return bar


def _zero_or_none(record: dict[str, Any], mapping: Mapping, field: str) -> float | None:
    """The raw number of ``field`` (None when empty); RowError when it is not one."""
    source = mapping.columns.get(field)
    raw = record.get(source) if source is not None else mapping.constants.get(field)
    if raw is None or isinstance(raw, int | float):
        return None if raw is None else float(raw)
    return parse_float(str(raw), field, allow_empty=True)


def _untraded(record: dict[str, Any], mapping: Mapping) -> bool:
    """A contract's bar a vendor writes for a minute it did not trade: every price 0 and
    no volume (ignored and counted, like bars outside the session)."""
    try:
        prices = [_zero_or_none(record, mapping, f) for f in ("open", "high", "low", "close")]
        volume = _zero_or_none(record, mapping, "volume")
    except RowError:
        return False
    return all(p == 0 for p in prices) and not volume


def _check_expiry(expiry: dt.date | None, ts: dt.datetime) -> None:
    if expiry is not None and expiry < ts.date():
        raise RowError(f"expiry {expiry} is before the bar's day {ts.date()}")


def _place(sink: RowSink, books: ExpiryBook, ticker: ParsedTicker, expiry: dt.date,
           base: dict[str, Any], line: int) -> None:
    row = {"symbol": ticker.symbol, "expiry": expiry, **base}
    if ticker.kind is TickerKind.OPTION:
        if sink.add("option_bars", {**row, "strike": ticker.strike, "right": ticker.right}, line):
            books.add(ticker.symbol, expiry, base["ts"].date())
    else:
        sink.add("futures_bars", row, line)


def minute_mapping(mapping: Mapping | str | Path | None) -> Mapping:
    """The mapping ``import_minute`` uses for ``mapping`` (None: the GDFL layout)."""
    if mapping is None:
        return mapping_from_dict(GDFL_MINUTE, "GDFL layout")
    return mapping if isinstance(mapping, Mapping) else load_mapping(mapping)


Engine = Literal["auto", "columnar", "rows"]


def _columnar_ok(store: Store, path: Path, engine: Engine) -> bool:
    if engine == "rows":
        return False
    ok = getattr(store, "con", None) is not None and path.suffix.lower() == ".csv"
    if engine == "columnar" and not ok:
        raise ImportRejectedError("the columnar path reads CSV files into a DuckDB store only",
                                  place=str(path))
    return ok


def _columnar_body(store: Store, path: Path, spec: Mapping, books: ExpiryBook,
                   ahead: ReadFile | None) -> Callable[[RowSink, ImportReport], None]:
    def body(sink: RowSink, report: ImportReport) -> None:
        with CsvStream(path, ImportReport(file=str(path), kind="header"),
                       delimiter=spec.delimiter) as head:
            header, place = head.header, head.place()
        check_mapping(spec, MINUTE_TYPES, header, place,
                      ("ticker", "ts", "open", "high", "low", "close"))

        def on_rows(table: str, rows: pa.Table) -> None:
            sink.tx.append(table, rows, unique=True,  # keys checked per batch
                           replace=sink.replace_mode(table))

        sink.source_sha256 = run_columnar(path, spec, books, report,
                                          getattr(store, "con"), on_rows, ahead)  # noqa: B009
        for r in books.rows():
            sink.add_derived("expiries", r)

    return body


def import_minute(store: Store, path: str | Path,
                  mapping: Mapping | str | Path | None = None, *,
                  engine: Engine = "auto", replace: bool = False,
                  ahead: ReadFile | None = None) -> ImportReport:
    """Import one vendor minute file (GDFL layout unless ``mapping`` says otherwise).

    ``engine``: ``columnar`` (CSV into DuckDB, see ``minute_columnar``), ``rows`` (the row
    loop, any store, CSV or Parquet), ``auto`` (columnar where it applies). Both store the
    same rows. ``ahead``: the columnar path takes the file's read from it when it was done
    ahead on another thread (``readahead.ReadAhead``, for a folder of files).
    """
    spec = minute_mapping(mapping)
    if spec.target != "minute":
        raise MappingError("mapping key target: a minute mapping needs `target: minute` "
                           f"(got {spec.target!r}; use `posbt data import table`)",
                           place=str(mapping))
    books = ExpiryBook(store)
    if Path(path).is_file() and _columnar_ok(store, Path(path), engine):
        with _memory_capped(getattr(store, "con")):  # noqa: B009 - DuckDB's
            report = run_import(store, path, "minute",
                                _columnar_body(store, Path(path), spec, books, ahead),
                                replace=replace)
            refresh_expiry_kinds(store, books)
            # a day's file is a few hundred thousand rows: fold them into the database
            # file now, so memory stays that of one file (left to the close, a year's
            # import would hold every file's row groups and checkpoint them all at once:
            # 1.8 GB for 20 days)
            getattr(store, "checkpoint")()  # noqa: B009
        return report

    def body(sink: RowSink, report: ImportReport) -> None:
        held: list[tuple[int, ParsedTicker, dict[str, Any]]] = []
        memo = _Memo(spec)
        with RecordSource(path, report, delimiter=spec.delimiter) as source:
            check_mapping(spec, MINUTE_TYPES, source.header, source.place(),
                          ("ticker", "ts", "open", "high", "low", "close"))
            for line, record in source.records():
                try:
                    ticker = memo.ticker(record)
                    ts = _stamp(record, spec, memo)
                    if not SESSION_OPEN < ts.time() <= SESSION_CLOSE:
                        report.ignore("bar outside the 09:15-15:30 session")
                        continue
                    if ticker.kind is not TickerKind.INDEX and _untraded(record, spec):
                        report.ignore(UNTRADED)
                        continue
                    base = {"bar_minutes": spec.bar_minutes, "ts": ts, **_bar(record, spec)}
                    if ticker.kind is TickerKind.INDEX:
                        table = "vix_bars" if ticker.symbol == "INDIAVIX" else "spot_bars"
                        if table == "vix_bars":
                            base.pop("volume")
                        sink.add(table, {"symbol": ticker.symbol, **base}, line)
                        continue
                    base["oi"] = _value(record, spec, "oi")
                    expiry = resolve_expiry(books, ticker, ts.date(), seen=False)
                    _check_expiry(expiry, ts)
                    if expiry is None:
                        held.append((line, ticker, base))
                    else:
                        _place(sink, books, ticker, expiry, base, line)
                except (RowError, TickerError) as exc:
                    report.reject(line, str(exc.args[0]) if isinstance(exc, RowError)
                                  else exc.message)
            source.finish()
        for line, ticker, base in held:
            expiry = resolve_expiry(books, ticker, base["ts"].date())
            if expiry is None:
                report.reject(line, f"cannot resolve the expiry of {ticker.symbol} "
                              f"{_what(ticker)}: no such expiry is stored or in this file; "
                              "import the bhavcopy for those days first")
                continue
            try:
                _check_expiry(expiry, base["ts"])
            except RowError as exc:
                report.reject(line, str(exc))
                continue
            _place(sink, books, ticker, expiry, base, line)
        for r in books.rows():
            sink.add_derived("expiries", r)

    report = run_import(store, path, "minute", body, replace=replace)
    refresh_expiry_kinds(store, books)
    return report


IMPORT_MEMORY_LIMIT = "1GB"  # DuckDB's buffer pool from a columnar minute import on


@contextlib.contextmanager
def _memory_capped(con: Any) -> Iterator[None]:
    """DuckDB's memory limit lowered to ``IMPORT_MEMORY_LIMIT`` (never raised) for this
    import and the rest of the connection's life: a writer's default is 80% of RAM, and
    its buffer pool kept the blocks of every file imported before (2.3 GB peak RSS after
    40 days of 1-minute chains). Not restored: DuckDB prints the limit rounded down, and
    setting the printed value back lowered it a little on every file."""
    before = str(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
    if _bytes(before) > _bytes("953.6 MiB"):
        con.execute(f"SET memory_limit = '{IMPORT_MEMORY_LIMIT}'")
    yield


def _bytes(setting: str) -> float:
    """DuckDB's printed memory setting ('30.5 MiB', '1.8 GiB') in bytes."""
    number, _, unit = setting.strip().partition(" ")
    scale = {"KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40, "bytes": 1,
             "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}
    try:
        return float(number) * scale.get(unit.strip(), 1)
    except ValueError:
        return float("inf")


def _what(ticker: ParsedTicker) -> str:
    if ticker.expiry_month is not None:
        year, month = ticker.expiry_month
        return f"monthly {year:04d}-{month:02d}"
    return f"continuous future series {ticker.series}"
