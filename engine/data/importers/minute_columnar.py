"""The columnar path of the minute importer: a vendor CSV read and checked as columns.

Stage: data ingestion (``minute.import_minute`` picks this path for CSV files going into
a DuckDB store; the row loop in ``minute`` stays for Parquet and other stores, and both
store the same rows - a test checks it). The file is read by pyarrow's CSV reader (every
column as text, prices and counts as numbers where they all are; several threads); per
batch:

1. the few distinct tickers, dates and times (a minute file repeats each thousands of
   times) are parsed by the same Python functions as the row loop (``parse_ticker``,
   ``convert``, ``close_stamp``) and broadcast back (``take``, dictionary columns);
2. ``check_batch`` gives each row its reason to be rejected (the row loop's checks, in
   its order) or NULL: a batch Arrow read as numbers is checked in NumPy, and only the
   rows failing that go through the SQL (``price_sql``: DuckDB's ``TRY_CAST`` over text
   and the reasons' wording); a key repeated in the batch is rejected, bars outside the
   session ignored; ``sort_out`` splits the good rows by table;
3. the good rows go to their tables through the store's load (one transaction per file,
   anti-join de-duplication against what is stored).

The read (the CSV parse, step 1, the file's sha256, and step 2 for a batch whose tickers
all name their expiry, ``read_file``) needs no store: a folder's next file
is read on another thread, with a DuckDB connection of its own, while this one is stored
(``readahead``). A batch with a monthly or continuous-future ticker is checked when its
turn comes, after the store resolved its expiries.

Line numbers: the header is line 1 and each record one line (blank lines count, and are
passed over). A row of the wrong width makes the reader start again on one thread, which
reports its exact line. Rows whose monthly or continuous-future ticker cannot be resolved
from the store are held to the end of the file and resolved with what the file showed,
as in the row loop.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from engine.data.fingerprint import file_digest
from engine.data.importers.convert import convert
from engine.data.importers.expirybook import ExpiryBook, resolve_expiry
from engine.data.importers.fields import MAX_COUNT, MAX_PRICE, RowError, close_stamp
from engine.data.importers.mapping import Mapping
from engine.data.importers.report import ImportReport
from engine.data.importers.tickers import ParsedTicker, TickerError, TickerKind, parse_ticker
from engine.errors import ImportRejectedError

BLOCK_BYTES = 64 << 20  # a streamed file's batches
WHOLE_FILE_BYTES = 256 << 20
WHOLE_BLOCK_BYTES = 8 << 20  # a whole file parses in blocks this size: 15% less CPU than in
#                             64 MiB ones (they stay in the cache), then is joined again
BATCH_ROWS = 2_000_000
PRICES = ("open", "high", "low", "close")
COUNTS = ("volume", "oi")
KINDS = {TickerKind.OPTION: "option_bars", TickerKind.FUTURE: "futures_bars"}
UNTRADED = "untraded bar (open, high, low and close 0, no volume)"  # both paths ignore it
BadRow = tuple[int | None, str, int, int]  # line, text, fields expected, fields found
TickerCache = dict[str, "ParsedTicker | str"]  # a ticker's text -> parsed, or why not


@dataclass
class ReadBatch:
    """A parsed batch, its distinct tickers (``ptr`` points into them), and its checked
    rows sorted out when the read could check them: no row's expiry needs the store
    (``check_batch``, ``sort_out``)."""

    table: pa.Table
    parsed: list[ParsedTicker | str]
    checked: Sorted | None = None


@dataclass
class Sorted:
    """A checked batch sorted out: its rows not stored (line, reason: rejected, ignored,
    held back), the good rows of each table (with ``bar_minutes``), and each option
    series' first bar day (``first_days``)."""

    rows: int
    not_stored: pa.Table
    tables: dict[str, pa.Table]
    firsts: list[tuple[str, dt.date, dt.date]]


Held = list[ReadBatch]  # batches, or rows held back until the file's expiries are known


@dataclass
class FileRead:
    """A file's read: its batches, its malformed rows and the sha256 of its bytes."""

    batches: Held
    bad: list[BadRow]
    sha256: str | None = None


ReadFile = Callable[[Path, Mapping], FileRead | None]  # a read done ahead, or None


@dataclass
class _Reader:
    path: Path
    delimiter: str
    exact: bool
    bad: list[BadRow]
    numeric: frozenset[str] = frozenset()  # columns read as numbers (else all text)
    restart: bool = False

    def batches(self) -> Iterator[pa.RecordBatch]:
        def handler(row: Any) -> str:
            if not self.exact:
                self.restart = True
                return "error"
            self.bad.append((row.number, row.text, row.expected_columns, row.actual_columns))
            return "skip"

        with open(self.path, "rb") as fh:
            head = fh.readline().decode("utf-8-sig", errors="replace")
        names = [c.strip() for c in head.rstrip("\r\n").split(self.delimiter)]
        types = {n: pa.float64() if n in self.numeric else pa.string() for n in names}
        whole = self.path.stat().st_size <= WHOLE_FILE_BYTES
        block = WHOLE_BLOCK_BYTES if whole else BLOCK_BYTES
        options = {
            "read_options": pacsv.ReadOptions(use_threads=not self.exact, block_size=block,
                                              skip_rows=1, column_names=names),
            "parse_options": pacsv.ParseOptions(delimiter=self.delimiter,
                                                invalid_row_handler=handler,
                                                ignore_empty_lines=False),
            # no null spellings: an empty or "NA" number fails the read, which is then
            # repeated reading every column as text (the checks name the value)
            "convert_options": pacsv.ConvertOptions(
                column_types=types, strings_can_be_null=False, null_values=[])}
        if whole:  # a day's file: read on all cores, into batches of up to BATCH_ROWS
            yield from pacsv.read_csv(self.path, **options).combine_chunks().to_batches(
                BATCH_ROWS)
        else:  # bigger: stream it, a block at a time
            yield from pacsv.open_csv(self.path, **options)


def _take(values: list[Any], typ: pa.DataType, indices: pa.Array) -> pa.Array:
    return pc.take(pa.array(values, type=typ), indices)


def _encode(col: pa.Array) -> tuple[list[Any], pa.Array]:
    enc = pc.dictionary_encode(col)
    return enc.dictionary.to_pylist(), enc.indices


def _ticker_fields(p: ParsedTicker | str) -> tuple[Any, ...]:
    """(table, symbol, expiry, strike, right, error, needs an expiry) of a parsed ticker."""
    if isinstance(p, str):
        return None, None, None, None, None, p, False
    if p.kind is TickerKind.INDEX:
        table = "vix_bars" if p.symbol == "INDIAVIX" else "spot_bars"
    else:
        table = KINDS[p.kind]
    return (table, p.symbol, p.expiry, p.strike, p.right, None,
            p.kind is not TickerKind.INDEX and p.expiry is None)


class MinuteParser:
    """The read half of a minute CSV's import: text columns -> parsed columns. It needs
    the file and the mapping only (no store), so the next file can be read on another
    thread while this one is stored (``readahead``)."""

    def __init__(self, path: Path, spec: Mapping, tickers: TickerCache | None = None) -> None:
        self.path, self.spec = path, spec
        self._tickers: TickerCache = {} if tickers is None else tickers
        self._stamps: dict[tuple[Any, ...], dt.datetime | str] = {}

    # -- text -> values, per distinct value --------------------------------------------
    def _ticker(self, text: str) -> ParsedTicker | str:
        if text not in self._tickers:
            try:
                raw = convert(text, "VARCHAR", "ticker", self.spec)
                self._tickers[text] = parse_ticker(str(raw or ""))
            except TickerError as exc:
                self._tickers[text] = exc.message
            except RowError as exc:
                self._tickers[text] = str(exc)
        return self._tickers[text]

    def _stamp(self, key: tuple[Any, ...]) -> dt.datetime | str:
        if key not in self._stamps:
            try:
                if len(key) == 1:
                    ts = convert(key[0], "TIMESTAMP", "datetime", self.spec)
                else:
                    day = convert(key[0], "DATE", "date", self.spec)
                    tod = convert(key[1], "TIME", "time", self.spec)
                    ts = None if day is None or tod is None else dt.datetime.combine(day, tod)
                if ts is None:
                    raise RowError("date/time is empty")
                self._stamps[key] = close_stamp(ts, self.spec.bar_stamp)
            except RowError as exc:
                self._stamps[key] = str(exc)
        return self._stamps[key]

    def _text(self, batch: pa.RecordBatch, field: str) -> pa.Array:
        source = self.spec.columns.get(field)
        if source is not None:
            return batch.column(source)
        const = self.spec.constants.get(field)
        return pa.array([None if const is None else str(const)] * batch.num_rows, pa.string())

    def _stamps_of(self, batch: pa.RecordBatch) -> tuple[pa.Array, pa.Array]:
        if "datetime" in self.spec.columns:
            values, idx = _encode(self._text(batch, "datetime"))
            parsed = [self._stamp((v,)) for v in values]
        else:
            dvals, didx = _encode(self._text(batch, "date"))
            tvals, tidx = _encode(self._text(batch, "time"))
            combo = pc.add(pc.multiply(pc.cast(didx, pa.int64()), len(tvals)),
                           pc.cast(tidx, pa.int64()))
            keys, idx = _encode(combo)
            parsed = [self._stamp((dvals[k // len(tvals)], tvals[k % len(tvals)])) for k in keys]
        ts = [p if isinstance(p, dt.datetime) else None for p in parsed]
        err = [p if isinstance(p, str) else None for p in parsed]
        return _take(ts, pa.timestamp("us"), idx), _take(err, pa.string(), idx)

    def resolved(self, batch: pa.RecordBatch,
                 lines: pa.Array) -> tuple[pa.Table, list[ParsedTicker | str]]:
        """The batch with ticker and stamp parsed (kind, symbol, expiry, ..., err, needs),
        and the parsed distinct tickers its ``ptr`` column points into."""
        tvals, tidx = _encode(self._text(batch, "ticker"))
        parsed = [self._ticker(v) for v in tvals]
        ts, terr = self._stamps_of(batch)
        blank = pa.array(np.zeros(batch.num_rows, dtype=bool))
        if any(not str(v).strip() for v in tvals):  # a blank line has an empty ticker
            blank = pa.array(np.ones(batch.num_rows, dtype=bool))
            for col in batch.columns:
                if pa.types.is_string(col.type):  # a number read as one is never blank
                    blank = pc.and_(blank, pc.equal(pc.utf8_trim_whitespace(col), ""))
                else:
                    blank = pa.array(np.zeros(batch.num_rows, dtype=bool))
        fields: list[tuple[Any, ...]] = [_ticker_fields(p) for p in parsed]
        kinds, symbols, expiries, strikes, rights, errs, needs = (
            [f[i] for f in fields] for i in range(7))
        out = pa.table({
            "line": lines,
            "kind": _dictionary(kinds, tidx),
            "symbol": _dictionary(symbols, tidx),
            "expiry": _take(expiries, pa.date32(), tidx),
            "strike": _take(strikes, pa.float64(), tidx),
            "right": _dictionary(rights, tidx),
            "ts": ts,
            "err": pc.coalesce(_take(errs, pa.string(), tidx), terr),
            "needs": _take(needs, pa.bool_(), tidx),
            "blank": blank,
            "ptr": pc.cast(tidx, pa.int32()),
        })
        values = {f: self._text(batch, f) for f in (*PRICES, *COUNTS)}
        try:  # plain numbers everywhere (the usual case): Arrow's cast, no text work in SQL
            numbers = {f"n_{f}": col if pa.types.is_floating(col.type)
                       else pc.cast(col, pa.float64()) for f, col in values.items()}
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            numbers = {}
        for f, col in values.items():
            if not pa.types.is_string(col.type):  # read as a (finite) number: see _run
                # its text is read only by the text checks, which run without numbers
                col = pc.cast(col, pa.string()) if not numbers else pa.nulls(len(col), pa.string())
            out = out.append_column(f"t_{f}", col)
        for name, col in numbers.items():
            out = out.append_column(name, col)
        return out, parsed


class ColumnarMinute(MinuteParser):
    """Imports one minute CSV as columns (see the module docstring): the parser, and the
    store half (expiries, checks, rows to the load)."""

    def __init__(self, path: Path, spec: Mapping, books: ExpiryBook, report: ImportReport,
                 con: Any) -> None:
        super().__init__(path, spec)
        self.books, self.report, self.con = books, report, con

    def resolve_expiries(self, table: pa.Table, parsed: list[ParsedTicker | str],
                         *, seen: bool) -> pa.Table:
        """Fill ``expiry`` of rows whose ticker names no day (monthly, continuous)."""
        needs = table.column("needs")
        if not pc.any(needs).as_py():
            return table
        days = pc.cast(pc.cast(table.column("ts"), pa.timestamp("s")), pa.date32())
        expiry = table.column("expiry").to_pylist()
        ptr = table.column("ptr").to_numpy()
        day_list = days.to_pylist()
        cache: dict[tuple[int, dt.date], dt.date | None] = {}
        for i in np.flatnonzero(needs.to_numpy(zero_copy_only=False)):
            day = day_list[i]
            if day is None:
                continue
            key = (int(ptr[i]), day)
            if key not in cache:
                ticker = parsed[key[0]]
                assert isinstance(ticker, ParsedTicker)
                cache[key] = resolve_expiry(self.books, ticker, day, seen=seen)
            expiry[i] = cache[key]
        table = table.set_column(table.schema.get_field_index("expiry"), "expiry",
                                 pa.array(expiry, pa.date32()))
        still = pc.and_(needs, pc.is_null(table.column("expiry")))
        return table.set_column(table.schema.get_field_index("needs"), "needs", still)


def price_sql(mapping: Mapping, *, typed: bool = False) -> str:
    """The SQL that types and checks a resolved batch registered as ``_posbt_min``
    (``typed``: the batch carries ``n_*`` columns Arrow already cast to numbers). Its
    rows carry ``ptr``, not the ticker's kind, symbol and right: text out of DuckDB costs
    more than the rest of the query, and ``ticker_columns`` adds them from ``ptr``."""
    mult = mapping.multipliers

    def num(f: str) -> str:
        m = mult.get(f, 1.0)
        cast = f"n_{f}" if typed else f"TRY_CAST(replace(trim(t_{f}), ',', '') AS DOUBLE)"
        return f"({cast} * {m!r})" if m != 1.0 else cast

    cols = ",\n           ".join(f"{num(f)} AS {f}" for f in (*PRICES, *COUNTS))
    checks: list[str] = [
        "WHEN err IS NOT NULL THEN err",
        "WHEN NOT (CAST(ts AS TIME) > TIME '09:15:00' AND CAST(ts AS TIME) <= TIME '15:30:00') "
        "THEN '_outside'",
        # a contract's untraded minute (every price 0, no volume): ignored, as in the rows
        "WHEN kind IN ('option_bars', 'futures_bars') AND open = 0 AND high = 0 AND low = 0 "
        "AND close = 0 AND (volume = 0 OR (volume IS NULL AND coalesce(trim(t_volume), '') "
        "IN ('', '-'))) THEN '_untraded'",
    ]
    for f in PRICES:
        g = f"printf('%g', {f})"
        if not typed:  # Arrow's cast succeeded: no empty or non-numeric text in the batch
            checks += [
                f"WHEN trim(t_{f}) = '' THEN '{f} is empty'",
                f"WHEN {f} IS NULL THEN '{f}: not a number ' || chr(39) || t_{f} || chr(39)",
            ]
        checks += [
            f"WHEN NOT isfinite({f}) THEN '{f}: ' || trim(t_{f}) || ' is not a finite number'",
            f"WHEN {f} <= 0 THEN '{f}: price must be > 0, got ' || {g}",
            f"WHEN {f} > {MAX_PRICE!r} THEN '{f}: price ' || {g} || ' is implausibly large'",
        ]
    for f in COUNTS:
        g = f"printf('%g', {f})"
        only = "" if f == "volume" else "kind NOT IN ('spot_bars', 'vix_bars') AND "
        if not typed:
            checks.append(f"WHEN {only}trim(t_{f}) <> '' AND {f} IS NULL THEN '{f}: not a "
                          f"number ' || chr(39) || t_{f} || chr(39)")
        checks += [
            f"WHEN {only}NOT isfinite({f}) THEN '{f}: ' || trim(t_{f}) || ' is not a finite "
            "number'",
            f"WHEN {only}{f} < 0 THEN '{f}: count must be >= 0, got ' || {g}",
            f"WHEN {only}{f} > {float(MAX_COUNT)!r} THEN '{f}: count ' || {g} || ' is "
            "implausibly large'",
            f"WHEN {only}{f} <> round({f}) THEN '{f}: expected a whole number, got ' || {g}",
        ]
    h, lo, c, o = (f"printf('%g', {x})" for x in ("high", "low", "close", "open"))
    checks += [
        f"WHEN high < low THEN 'high ' || {h} || ' is below low ' || {lo}",
        f"WHEN close < low OR close > high THEN 'close ' || {c} || ' is outside [low ' || {lo} "
        f"|| ', high ' || {h} || ']'",
        f"WHEN open < low OR open > high THEN 'open ' || {o} || ' is outside [low ' || {lo} "
        f"|| ', high ' || {h} || ']'",
        "WHEN expiry IS NOT NULL AND expiry < CAST(ts AS DATE) THEN 'expiry ' || "
        "CAST(expiry AS VARCHAR) || ' is before the bar' || chr(39) || 's day ' || "
        "CAST(CAST(ts AS DATE) AS VARCHAR)",
        "WHEN needs THEN '_held'",
    ]
    whens = "\n            ".join(checks)
    # the common case in one numeric test: a row passing it needs no reason text
    fine = " AND ".join([
        "err IS NULL", "NOT needs", "CAST(ts AS TIME) > TIME '09:15:00'",
        "(expiry IS NULL OR expiry >= CAST(ts AS DATE))",
        "CAST(ts AS TIME) <= TIME '15:30:00'",
        *(f"isfinite({f}) AND {f} > 0 AND {f} <= {MAX_PRICE!r}" for f in PRICES),
        "(volume IS NULL OR (volume >= 0 AND volume <= "
        f"{float(MAX_COUNT)!r} AND volume = round(volume)))",
        "(oi IS NULL OR kind IN ('spot_bars', 'vix_bars') OR (oi >= 0 AND oi <= "
        f"{float(MAX_COUNT)!r} AND oi = round(oi)))",
        "high >= low", "close >= low", "close <= high", "open >= low", "open <= high"])
    return f"""
WITH typed AS (
    SELECT line, ptr, kind, symbol, expiry, strike, "right", ts, err, needs,
           t_open, t_high, t_low, t_close, t_volume, t_oi,
           {cols}
    FROM _posbt_min
    WHERE NOT blank
), checked AS (
    SELECT *, CASE WHEN coalesce({fine}, FALSE) THEN NULL ELSE CASE
            {whens}
        END END AS reason
    FROM typed
)
SELECT line, ptr, expiry, strike, ts, open, high, low, close,
       TRY_CAST(round(volume) AS BIGINT) AS volume,
       CASE WHEN kind IN ('spot_bars', 'vix_bars') THEN NULL
            ELSE TRY_CAST(round(oi) AS BIGINT) END AS oi,
       reason
FROM checked
"""  # noqa: S608 - column names and numbers only, no user values


TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "option_bars": ("symbol", "expiry", "strike", "right", "ts", "open", "high", "low", "close",
                    "volume", "oi"),
    "futures_bars": ("symbol", "expiry", "ts", "open", "high", "low", "close", "volume", "oi"),
    "spot_bars": ("symbol", "ts", "open", "high", "low", "close", "volume"),
    "vix_bars": ("symbol", "ts", "open", "high", "low", "close"),
}


TICKER_COLUMNS = (("kind", 0), ("symbol", 1), ("right", 4))  # index in _ticker_fields


def ticker_columns(out: pa.Table, parsed: list[ParsedTicker | str]) -> pa.Table:
    """``out`` with the kind, symbol and right of each row's ticker (``ptr`` into
    ``parsed``) as dictionary columns: a handful of distinct values, no text per row."""
    ptr = pc.fill_null(out.column("ptr"), 0)
    fields = [_ticker_fields(p) for p in parsed]
    for name, i in TICKER_COLUMNS:
        out = out.append_column(name, _dictionary([f[i] for f in fields], ptr))
    return out


def _dictionary(values: list[Any], indices: pa.Array | pa.ChunkedArray) -> pa.DictionaryArray:
    """``values[indices]`` as a dictionary array of the distinct values (NULL where the
    value or the index is NULL): no text copied per row."""
    distinct = sorted({v for v in values if v is not None})
    where = {v: k for k, v in enumerate(distinct)}
    codes = np.array([where.get(v, -1) for v in values] or [-1], dtype=np.int32)
    code = codes[_np(indices, 0)]
    mask = (code < 0) | _np(pc.is_null(indices), True)
    return pa.DictionaryArray.from_arrays(pa.array(code, type=pa.int32(), mask=mask),
                                          pa.array(distinct, pa.string()))


def first_days(rows: pa.Table) -> list[tuple[str, dt.date, dt.date]]:
    """(symbol, expiry, day of its first bar) of each contract series in option rows
    ``rows`` (symbol, expiry, ts): a few expiries over many rows, found on integers."""
    if rows.num_rows == 0:
        return []
    symbol = rows.column("symbol").combine_chunks()
    if not pa.types.is_dictionary(symbol.type):
        symbol = pc.dictionary_encode(symbol)
    names = symbol.dictionary.to_pylist()
    expiry = _np(pc.cast(rows.column("expiry"), pa.int32()), 0).astype(np.int64)
    key = pa.array(_np(symbol.indices, 0).astype(np.int64) << 32 | expiry)
    ts = pc.cast(rows.column("ts"), pa.int64())
    firsts = pa.table({"key": key, "ts": ts}).group_by("key").aggregate([("ts", "min")])
    epoch = dt.date(1970, 1, 1)
    return [(names[k >> 32], epoch + dt.timedelta(days=k & 0xFFFFFFFF),
             epoch + dt.timedelta(days=first_us // _DAY_US))
            for k, first_us in zip(firsts.column("key").to_pylist(),
                                   firsts.column("ts_min").to_pylist(), strict=True)]


def _kind_mask(kinds: pa.ChunkedArray | pa.Array, name: str) -> pa.Array:
    """Rows whose kind is ``name`` (False where it is NULL), on the dictionary codes."""
    col = kinds.combine_chunks() if isinstance(kinds, pa.ChunkedArray) else kinds
    if not pa.types.is_dictionary(col.type):
        col = pc.dictionary_encode(col)
    values = col.dictionary.to_pylist()
    if name not in values:
        return pa.array(np.zeros(len(col), dtype=bool))
    codes = pc.fill_null(col.indices, -1).to_numpy(zero_copy_only=False)
    return pa.array(codes == values.index(name))


def line_numbers(n_rows: int, first: int, bad: list[int]) -> np.ndarray:
    """Lines of ``n_rows`` good records following line ``first - 1``, skipping ``bad``."""
    lines = np.arange(first, first + n_rows, dtype=np.int64)
    for b in sorted(bad):
        lines[lines >= b] += 1
    return lines




def read_file(path: Path, spec: Mapping, con: Any | None = None,
              tickers: TickerCache | None = None) -> FileRead:
    """The read half of ``path``'s import: every batch parsed, the malformed rows and the
    file's sha256. Touches no store (safe on another thread); raises what the read raises
    (Arrow errors, ``OSError``), which ``run_columnar`` reports as it reports its own
    read's. ``con``: a DuckDB connection of the reading thread's own (not the store's), on
    which each batch whose rows need no stored expiry is checked too (``check_batch``).
    ``tickers``: parsed tickers kept from the files read before (same mapping)."""
    read = _read_all(MinuteParser(path, spec, tickers), path, spec, con)
    read.sha256 = file_digest(path)
    return read


def run_columnar(path: Path, spec: Mapping, books: ExpiryBook, report: ImportReport,
                 con: Any, on_rows: Callable[[str, pa.Table], None],
                 ahead: ReadFile | None = None) -> str | None:
    """Stream ``path`` through the columnar checks; good rows go to ``on_rows(table, rows)``.

    Rows whose expiry the store cannot resolve are held and resolved at the end with the
    expiries the file showed (``seen``), else rejected with the reason. ``ahead``: where a
    read of ``path`` begun earlier on another thread is taken from (``readahead``); the
    file is read here when it gives None. Returns the sha256 of the file's bytes as read
    ahead (None when read here: the caller hashes the file).
    """
    try:
        return _run(path, spec, books, report, con, on_rows, ahead)
    except (pa.ArrowException, duckdb.Error) as exc:
        raise ImportRejectedError(f"not a readable minute CSV: {exc}", place=str(path)) from None


def _run(path: Path, spec: Mapping, books: ExpiryBook, report: ImportReport,
         con: Any, on_rows: Callable[[str, pa.Table], None],
         ahead: ReadFile | None) -> str | None:
    job = ColumnarMinute(path, spec, books, report, con)
    done = ahead(path, spec) if ahead is not None else None
    read = done if done is not None else _read_all(job, path, spec, None)
    _check_bad_rows(read.bad, path, report)
    held: Held = []
    for batch in read.batches:
        checked = batch.checked
        if checked is None:
            table = job.resolve_expiries(batch.table, batch.parsed, seen=False)
            checked = sort_out(check_batch(con, table, batch.parsed, spec), spec)
            batch = ReadBatch(table, batch.parsed)
        _emit(job, batch, checked, on_rows, held)
    for batch in held:
        table = job.resolve_expiries(batch.table, batch.parsed, seen=True)
        table = _reject_unresolved(table, batch.parsed)
        _emit(job, ReadBatch(table, batch.parsed),
              sort_out(check_batch(con, table, batch.parsed, spec), spec), on_rows, [])
    return read.sha256


class _NotFiniteError(Exception):
    """A number read as one is NaN or infinite: the file is read again as text."""


def _numeric_columns(spec: Mapping) -> frozenset[str]:
    """Source columns that feed only prices and counts (read as numbers first)."""
    numeric = {spec.columns[f] for f in (*PRICES, *COUNTS) if f in spec.columns}
    other = {c for f, c in spec.columns.items() if f not in (*PRICES, *COUNTS)}
    return frozenset(numeric - other)


def _read_all(job: MinuteParser, path: Path, spec: Mapping, con: Any | None) -> FileRead:
    """Every batch of ``path`` resolved (and checked on ``con`` where it can be), and the
    malformed rows. Prices and counts are read as numbers first (fast); a file with a
    number the reader refuses (empty, NA, 1,234) or a NaN / infinity is read again as
    text, so the checks name each value."""
    numeric = _numeric_columns(spec)
    for columns in ((numeric, frozenset[str]()) if numeric else (frozenset[str](),)):
        for exact in (False, True):
            bad: list[BadRow] = []
            reader = _Reader(path, spec.delimiter, exact, bad, columns)
            try:
                batches = list(_iter_resolved(job, reader, bad))
            except pa.ArrowInvalid:
                if reader.restart and not exact:
                    continue  # a malformed row: read again on one thread for exact lines
                if columns:
                    break  # a number the reader refuses: read every column as text
                raise
            except _NotFiniteError:
                break
            if con is not None:
                for batch in batches:
                    if not pc.any(batch.table.column("needs")).as_py():
                        batch.checked = sort_out(
                            check_batch(con, batch.table, batch.parsed, spec), spec)
            return FileRead(batches, bad)
    raise AssertionError("the text read either returns or raises")


def _reject_unresolved(table: pa.Table, parsed: list[ParsedTicker | str]) -> pa.Table:
    needs = table.column("needs").to_pylist()
    ptr = table.column("ptr").to_pylist()
    err = table.column("err").to_pylist()
    for i, still in enumerate(needs):
        if still and err[i] is None:
            ticker = parsed[ptr[i]]
            assert isinstance(ticker, ParsedTicker)
            err[i] = (f"cannot resolve the expiry of {ticker.symbol} {_what(ticker)}: no such "
                      "expiry is stored or in this file; import the bhavcopy for those days "
                      "first")
    return table.set_column(table.schema.get_field_index("err"), "err", pa.array(err, pa.string()))


def _what(ticker: ParsedTicker) -> str:
    if ticker.expiry_month is not None:
        year, month = ticker.expiry_month
        return f"monthly {year:04d}-{month:02d}"
    return f"continuous future series {ticker.series}"


def _iter_resolved(job: MinuteParser, reader: _Reader,
                   bad: list[BadRow]) -> Iterator[ReadBatch]:
    seen = 0
    for batch in reader.batches():
        if batch.num_rows == 0:
            continue
        bad_lines = [b[0] for b in bad if b[0] is not None]
        lines = line_numbers(batch.num_rows, 2 + seen, bad_lines)
        seen += batch.num_rows
        for col in batch.columns:
            if pa.types.is_floating(col.type) and not pc.all(pc.is_finite(col)).as_py():
                raise _NotFiniteError
        yield ReadBatch(*job.resolved(batch, pa.array(lines)))


def _check_bad_rows(bad: list[BadRow], path: Path,
                    report: ImportReport) -> None:
    if not bad:
        return
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 1))
        ends_newline = size == 0 or fh.read(1) in (b"\n", b"\r")
        fh.seek(0)
        last_line = sum(1 for _ in fh)
    for i, (number, text, expected, actual) in enumerate(bad):
        line = number or 0
        if not text.strip(", \r\n"):
            continue
        if i == len(bad) - 1 and not ends_newline and line >= last_line:
            raise ImportRejectedError(
                f"truncated file: the last line has {actual} of {expected} fields and no line "
                "end", place=f"{path}:{line}")
        report.rows_read += 1
        report.reject(line, f"expected {expected} fields, got {actual}")


def _surely_unique(out: pa.Table, parsed: list[ParsedTicker | str]) -> bool:
    """True when no two good rows can share a key, shown on integers alone: distinct
    tickers name distinct contracts (no ticker needed an expiry resolved) and no
    (ticker, stamp) pair repeats."""
    contracts = [(p.kind, p.symbol, p.expiry, p.strike, p.right) for p in parsed
                 if isinstance(p, ParsedTicker)]
    if any(p.expiry is None and p.kind is not TickerKind.INDEX for p in parsed
           if isinstance(p, ParsedTicker)) or len(set(contracts)) != len(contracts):
        return False
    good = pc.is_null(out.column("reason")).to_numpy(zero_copy_only=False)
    if int(good.sum()) < 2:
        return True
    stamp = pc.cast(pc.cast(out.column("ts"), pa.timestamp("us")), pa.int64())
    ts = pc.fill_null(stamp, 0).to_numpy(zero_copy_only=False)[good]
    ptr = pc.fill_null(out.column("ptr"), 0).to_numpy(zero_copy_only=False)[good]
    later = ts[1:] > ts[:-1]
    same = ts[1:] == ts[:-1]
    if bool((later | (same & (ptr[1:] > ptr[:-1]))).all()):  # time order, tickers in order
        return True
    pairs = pa.table({"ts": ts, "ptr": ptr})
    return bool(pairs.group_by(["ts", "ptr"]).aggregate([]).num_rows == len(ts))


def _mark_duplicates(con: Any, out: pa.Table) -> pa.Table:
    """A key repeated among the batch's good rows: the later lines are rejected rows."""
    con.register("_posbt_out", out)
    try:
        candidates = con.execute(
            'SELECT count(*) FROM (SELECT hash(kind, symbol, expiry, strike, "right", ts) AS h '
            "FROM _posbt_out WHERE reason IS NULL GROUP BY h HAVING count(*) > 1)").fetchall()
        if candidates[0][0] == 0:  # no two good rows share a key hash: no duplicate
            return out
        repeated = con.sql(
            'SELECT kind, symbol, expiry, strike, "right", ts FROM _posbt_out '
            "WHERE reason IS NULL GROUP BY ALL HAVING count(*) > 1").to_arrow_table()
        if repeated.num_rows == 0:
            return out
        con.register("_posbt_rep", repeated)
        try:
            return con.sql(DUPLICATES_SQL).to_arrow_table()
        finally:
            _unregister(con, "_posbt_rep")
    finally:
        _unregister(con, "_posbt_out")


def _unregister(con: Any, name: str) -> None:
    # in an aborted transaction this fails too: the first error is the one to tell
    with contextlib.suppress(duckdb.Error):
        con.unregister(name)


DUPLICATES_SQL = """
SELECT o.* REPLACE (CASE WHEN o.reason IS NULL AND d.line IS NOT NULL
    THEN 'duplicate row: same ' || o.kind || ' key as line ' || d.first_line
    ELSE o.reason END AS reason)
FROM _posbt_out o LEFT JOIN (
    SELECT line, min(line) OVER k AS first_line, row_number() OVER (k ORDER BY line) AS rn
    FROM _posbt_out o2 SEMI JOIN _posbt_rep r
      ON o2.kind IS NOT DISTINCT FROM r.kind AND o2.symbol IS NOT DISTINCT FROM r.symbol
     AND o2.expiry IS NOT DISTINCT FROM r.expiry AND o2.strike IS NOT DISTINCT FROM r.strike
     AND o2."right" IS NOT DISTINCT FROM r."right" AND o2.ts = r.ts
    WHERE o2.reason IS NULL
    WINDOW k AS (PARTITION BY kind, symbol, expiry, strike, "right", ts)
) d ON d.line = o.line AND d.rn > 1
ORDER BY o.line
"""


def check_batch(con: Any, table: pa.Table, parsed: list[ParsedTicker | str],
                spec: Mapping) -> pa.Table:
    """A resolved batch's rows typed and checked: each with its reason to be rejected or
    NULL (``price_sql``'s columns, then the tickers' kind, symbol and right), a key
    repeated in the batch rejected. Needs no store: ``con`` may be any DuckDB connection.
    A batch whose numbers Arrow already cast is checked in NumPy (``fast_checked``) and
    only its rows that fail go through ``price_sql`` for their reasons."""
    out = fast_checked(con, table, parsed, spec) if "n_open" in table.column_names else None
    if out is None:
        out = _price_checked(con, table, price_sql(spec, typed="n_open" in table.column_names))
    out = ticker_columns(out, parsed)
    if not _surely_unique(out, parsed):
        out = _mark_duplicates(con, out)
    return out


def _price_checked(con: Any, table: pa.Table, sql: str) -> pa.Table:
    con.register("_posbt_min", table)
    try:
        return con.sql(sql).to_arrow_table()
    finally:
        _unregister(con, "_posbt_min")


CHECKED_TYPES = pa.schema([
    ("line", pa.int64()), ("ptr", pa.int32()), ("expiry", pa.date32()),
    ("strike", pa.float64()), ("ts", pa.timestamp("us")), ("open", pa.float64()),
    ("high", pa.float64()), ("low", pa.float64()), ("close", pa.float64()),
    ("volume", pa.int64()), ("oi", pa.int64()), ("reason", pa.string())])
_DAY_US = 86_400_000_000
_OPEN_US, _CLOSE_US = (9 * 60 + 15) * 60_000_000, (15 * 60 + 30) * 60_000_000


def _np(col: pa.ChunkedArray | pa.Array, fill: Any) -> np.ndarray:
    out: np.ndarray = pc.fill_null(col, fill).to_numpy(zero_copy_only=False)
    return out


def _whole_count(v: np.ndarray, null: np.ndarray) -> np.ndarray:
    """``price_sql``'s count test: NULL, or a whole number in [0, MAX_COUNT]."""
    with np.errstate(invalid="ignore"):
        ok: np.ndarray = null | ((v >= 0) & (v <= float(MAX_COUNT)) & (v == np.round(v)))
    return ok


def fast_checked(con: Any, table: pa.Table, parsed: list[ParsedTicker | str],
                 spec: Mapping) -> pa.Table | None:
    """``price_sql(spec, typed=True)``'s result, computed in NumPy: the rows passing its
    one numeric test (``fine``: the usual case) keep their values with no reason; the
    others (and only they) are run through the SQL for their values and reason. None for
    a batch this does not cover (a ticker or stamp missing): the caller runs the SQL."""
    ptr_col, ts_col = table.column("ptr"), table.column("ts")
    if ptr_col.null_count or not parsed:
        return None
    keep = ~_np(table.column("blank"), False)
    ptr = _np(ptr_col, 0)
    index = np.array([f[0] in ("spot_bars", "vix_bars") for f in map(_ticker_fields, parsed)])
    ts_us = _np(pc.cast(ts_col, pa.int64()), 0)
    tod = ts_us % _DAY_US
    fine = (keep & _np(pc.is_null(table.column("err")), False)
            & ~_np(table.column("needs"), True) & _np(pc.is_valid(ts_col), False)
            & (tod > _OPEN_US) & (tod <= _CLOSE_US))
    expiry = table.column("expiry")
    day = ts_us // _DAY_US
    fine &= _np(pc.is_null(expiry), False) | (_np(pc.cast(expiry, pa.int32()), 0) >= day)
    values: dict[str, np.ndarray] = {}
    nulls: dict[str, np.ndarray] = {}
    mult = spec.multipliers
    for f in (*PRICES, *COUNTS):
        col = table.column(f"n_{f}")
        nulls[f] = _np(pc.is_null(col), True)
        v = _np(col, np.nan).astype(np.float64, copy=False)
        values[f] = v * mult[f] if mult.get(f, 1.0) != 1.0 else v
    with np.errstate(invalid="ignore"):
        for f in PRICES:
            v = values[f]
            fine &= ~nulls[f] & np.isfinite(v) & (v > 0) & (v <= MAX_PRICE)
        o, h, lo, c = (values[f] for f in PRICES)
        fine &= (h >= lo) & (c >= lo) & (c <= h) & (o >= lo) & (o <= h)
    fine &= _whole_count(values["volume"], nulls["volume"])
    fine &= _whole_count(values["oi"], nulls["oi"]) | index[ptr]
    vol_null = nulls["volume"] | ~fine
    oi_null = nulls["oi"] | index[ptr] | ~fine
    cols = {
        "line": table.column("line"), "ptr": ptr_col, "expiry": expiry,
        "strike": table.column("strike"), "ts": ts_col,
        **{f: pa.array(values[f]) for f in PRICES},
        "volume": pa.array(np.where(vol_null, 0, values["volume"]).astype(np.int64),
                           mask=vol_null),
        "oi": pa.array(np.where(oi_null, 0, values["oi"]).astype(np.int64), mask=oi_null),
        "reason": pa.nulls(table.num_rows, pa.string()),
    }
    out = pa.table({n: cols[n] for n in CHECKED_TYPES.names}).cast(CHECKED_TYPES)
    if not keep.all():
        out = out.filter(pa.array(keep))
        table = table.filter(pa.array(keep))
        fine = fine[keep]
    if fine.all():
        return out
    failing = pa.array(~fine)
    rest = _price_checked(con, table.filter(failing),
                          price_sql(spec, typed=True) + "ORDER BY line")
    rest = rest.select(CHECKED_TYPES.names).cast(CHECKED_TYPES)
    return pa.table({n: pc.replace_with_mask(out.column(n).combine_chunks(), failing,
                                             rest.column(n).combine_chunks())
                     for n in CHECKED_TYPES.names})


def sort_out(out: pa.Table, spec: Mapping) -> Sorted:
    """``check_batch``'s rows sorted out (``Sorted``); needs no store."""
    reasons = out.column("reason")
    good_mask = pc.is_null(reasons)
    not_stored = out.select(["line", "reason"]).filter(pc.is_valid(reasons))
    kinds = out.column("kind")
    tables: dict[str, pa.Table] = {}
    for name, cols in TABLE_COLUMNS.items():
        mask = pc.and_(good_mask, _kind_mask(kinds, name))
        n = int(pc.sum(mask).as_py() or 0)
        if n == 0:
            continue
        rows = out.select(list(cols))  # only the table's columns are copied
        if n < out.num_rows:
            rows = rows.filter(mask)
        tables[name] = rows.append_column("bar_minutes", pa.array(
            np.full(rows.num_rows, spec.bar_minutes, dtype=np.int16)))
    option_rows = tables.get("option_bars")
    firsts = [] if option_rows is None else first_days(option_rows)
    return Sorted(out.num_rows, not_stored, tables, firsts)


def _emit(job: ColumnarMinute, batch: ReadBatch, checked: Sorted,
          on_rows: Callable[[str, pa.Table], None], held: Held) -> None:
    """Report the batch's rejected and ignored rows, hold back those whose expiry is not
    known yet, note each option series' first day, and hand the good rows to ``on_rows``
    table by table."""
    lines = checked.not_stored.column("line").to_pylist()
    reasons = checked.not_stored.column("reason").to_pylist()
    held_lines = [line for line, reason in zip(lines, reasons, strict=True)
                  if reason == "_held"]
    job.report.rows_read += checked.rows - len(held_lines)
    for line, reason in zip(lines, reasons, strict=True):
        if reason == "_outside":
            job.report.ignore("bar outside the 09:15-15:30 session")
        elif reason == "_untraded":
            job.report.ignore(UNTRADED)
        elif reason != "_held":
            job.report.reject(int(line), str(reason))
    if held_lines:
        table = batch.table
        held.append(ReadBatch(table.filter(pc.is_in(
            table.column("line"), value_set=pa.array(held_lines, pa.int64()))), batch.parsed))
    for symbol, expiry, day in checked.firsts:  # each expiry with its first bar's day
        job.books.add(symbol, expiry, day)
    for name, rows in checked.tables.items():
        on_rows(name, rows)
