"""Daily index closes -> spot_bars (and India VIX -> vix_bars): ``posbt data import spot``.

Stage: data ingestion. Two layouts, told apart by the header:

- NSE's index close file, one per day (``ind_close_all_04012024.csv``)::

      Index Name,Index Date,Open Index Value,High Index Value,Low Index Value,
        Closing Index Value,Points Change,Change(%),Volume,Turnover (Rs. Cr.),P/E,P/B,Div Yield
      Nifty 50,04-01-2024,21605.8,21685.65,21564.55,21658.6,141.25,0.66,...

  Its rows name their index: ``Nifty 50`` -> NIFTY, ``Nifty Bank`` -> BANKNIFTY,
  ``Nifty Financial Services`` -> FINNIFTY, ``NIFTY MidCap Select`` -> MIDCPNIFTY, and
  ``India VIX`` -> vix_bars INDIAVIX; the other indices are ignored (counted). A ``-``
  where a value does not apply is empty; with no open/high/low, all three are the close.
- a plain CSV: ``date,close`` or ``date,open,high,low,close[,volume]`` (any case, an
  optional ``symbol`` column); without a symbol column ``--symbol`` names the index.
  Dates are ISO, ``04-01-2024``, ``04-Jan-2024`` or ``04/01/2024`` (day first); a time
  after the date (``2024-01-04 00:00:00``) is dropped.

Every bar is a daily bar stamped at the session close, 15:30 IST, whatever the file says
(a note tells when the file said otherwise). A real bar replaces a derived estimate
(``source`` DERIVED_*) of the same day, and is marked ``source`` FILE. A file is rejected
whole when it names no index posbt trades, when the store's daily option bars of its
index are stamped at another time than 15:30 (the two would never meet), or when every
day of it lies after the store's option bars of that index (a file for the wrong period).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from engine.data.importers.csvstream import CsvStream
from engine.data.importers.fields import RowError, check_ohlc, parse_date, parse_price
from engine.data.importers.loader import Row, RowSink, run_import
from engine.data.importers.report import ImportReport
from engine.data.store import Store
from engine.errors import ImportRejectedError

CLOSE_TIME = dt.time(15, 30)
VIX_SYMBOL = "INDIAVIX"
INDEX_CLOSE_NAMES: dict[str, str] = {
    "nifty 50": "NIFTY", "nifty bank": "BANKNIFTY", "nifty financial services": "FINNIFTY",
    "nifty midcap select": "MIDCPNIFTY", "india vix": VIX_SYMBOL,
}
INDEX_CLOSE_COLUMNS = ("Index Name", "Index Date", "Closing Index Value")
INDEX_OHL = ("Open Index Value", "High Index Value", "Low Index Value")
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d-%b-%Y", "%d/%m/%Y", "%Y/%m/%d")
MAX_VIX = 200.0  # India VIX peaked near 86 (Oct 2008); more is a corrupt field


def _day(text: str, column: str) -> tuple[dt.date, bool]:
    """(date, whether a time other than 15:30 followed it)."""
    s = text.strip()
    stamp = ""
    for sep in ("T", " "):
        if sep in s:
            s, stamp = s.split(sep, 1)
            break
    day = parse_date(s, column, DATE_FORMATS)
    return day, bool(stamp.strip()) and not stamp.strip().startswith("15:30")


def _value(text: str, column: str) -> float | None:
    return None if text.strip() in ("", "-") else parse_price(text, column)


def _bar(symbol: str, day: dt.date, ohlc: list[float | None], volume: int | None) -> Row:
    close = ohlc[3]
    if close is None:
        raise RowError("close is empty")
    o, h, lo = (close if v is None else v for v in ohlc[:3])
    check_ohlc(o, h, lo, close)
    if symbol == VIX_SYMBOL and max(o, h, lo, close) > MAX_VIX:
        raise RowError(f"India VIX of {max(o, h, lo, close):g} is not a volatility index "
                       f"level (limit {MAX_VIX:g})")
    row: Row = {"symbol": symbol, "bar_minutes": 1440, "ts": dt.datetime.combine(day, CLOSE_TIME),
                "open": o, "high": h, "low": lo, "close": close}
    if symbol != VIX_SYMBOL:
        row.update(volume=volume, source="FILE")
    return row


class _Reader:
    """One spot file's rows, whichever layout."""

    def __init__(self, csv_in: CsvStream, symbol: str | None) -> None:
        self.csv_in = csv_in
        self.symbol = symbol.strip().upper() if symbol else None
        header = csv_in.header
        self.index_close = all(c in header for c in INDEX_CLOSE_COLUMNS)
        self.lower = {h.strip().lower(): i for i, h in enumerate(header)}
        self.other_names: dict[str, int] = {}
        self.off_stamp = False
        if not self.index_close:
            date_col = next((c for c in ("date", "timestamp", "datetime") if c in self.lower),
                            None)
            if date_col is None or "close" not in self.lower:
                raise ImportRejectedError(
                    "unknown header: neither an NSE index close file (Index Name,Index Date,"
                    "...,Closing Index Value,...) nor a plain date,close / "
                    f"date,open,high,low,close CSV (found: {', '.join(header)})",
                    place=csv_in.place())
            self.date_col = date_col
            if "symbol" not in self.lower and self.symbol is None:
                raise ImportRejectedError(
                    "this file names no index (no symbol column): give --symbol, e.g. "
                    "--symbol NIFTY", place=csv_in.place())

    def row(self, fields: list[str], line: int) -> Row | None:
        if self.index_close:
            return self._index_close(fields, line)
        i = self.lower
        symbol = fields[i["symbol"]].strip().upper() if "symbol" in i else self.symbol
        if not symbol or (self.symbol and symbol != self.symbol):
            return None
        day, off = _day(fields[i[self.date_col]], self.date_col)
        self.off_stamp |= off
        ohlc = [_value(fields[i[c]], c) if c in i else None
                for c in ("open", "high", "low", "close")]
        volume_text = fields[i["volume"]].strip() if "volume" in i else ""
        volume = int(float(volume_text)) if volume_text not in ("", "-") else None
        return _bar(symbol, day, ohlc, volume)

    def _index_close(self, fields: list[str], line: int) -> Row | None:
        idx = self.csv_in.index
        name = fields[idx["Index Name"]].strip()
        symbol = INDEX_CLOSE_NAMES.get(" ".join(name.lower().split()))
        if symbol is None or (self.symbol and symbol != self.symbol):
            self.other_names.setdefault(name, line)
            return None
        day, off = _day(fields[idx["Index Date"]], "Index Date")
        self.off_stamp |= off
        ohlc = [_value(fields[idx[c]], c) if c in idx else None
                for c in (*INDEX_OHL, "Closing Index Value")]
        return _bar(symbol, day, ohlc, None)


def _option_window(store: Store, symbol: str) -> tuple[dt.date | None, dt.date | None, str]:
    """(first, last day of the symbol's daily option bars, an off-close stamp or '')."""
    rows = store.query("import_option_daily_stamps", {"symbol": symbol}).to_pylist()
    if not rows:
        return None, None, ""
    r = rows[0]
    return r["first_day"], r["last_day"], str(r["other_example"]) if r["n_other"] else ""


def _check_against_options(store: Store, rows: list[tuple[int, Row]], place: str) -> None:
    by_symbol: dict[str, list[tuple[int, Row]]] = {}
    for line, row in rows:
        if row["symbol"] != VIX_SYMBOL:
            by_symbol.setdefault(str(row["symbol"]), []).append((line, row))
    for symbol, items in by_symbol.items():
        first, last, off_close = _option_window(store, symbol)
        if off_close:
            raise ImportRejectedError(
                f"the store's daily {symbol} option bars are stamped at other times than "
                f"15:30 (e.g. {off_close}), but daily spot bars are stamped at the close: "
                "they would never meet (re-import those option bars; posbt stamps daily bars "
                "at 15:30)", place=place)
        if last is None or first is None:
            continue
        days = [row["ts"].date() for _, row in items]
        if min(days) > last:
            line = min(items, key=lambda item: item[1]["ts"])[0]
            raise ImportRejectedError(
                f"every {symbol} day in this file ({min(days)} to {max(days)}) lies after the "
                f"store's {symbol} option bars ({first} to {last}): a file for another "
                "period or another index?", place=f"{place.rsplit(':', 1)[0]}:{line}")


def import_spot(store: Store, path: str | Path, *, symbol: str | None = None,
                replace: bool = False) -> ImportReport:
    """Import one daily index close file (NSE index close layout or a plain CSV)."""

    def body(sink: RowSink, report: ImportReport) -> None:
        sink.replace["spot_bars"] = "derived"
        kept: list[tuple[int, Row]] = []
        with CsvStream(path, report) as csv_in:
            reader = _Reader(csv_in, symbol)
            report.kind = "index close file" if reader.index_close else "daily spot CSV"
            for line, fields in csv_in.rows():
                try:
                    row = reader.row(fields, line)
                except (RowError, ValueError) as exc:
                    report.reject(line, str(exc))
                    continue
                if row is None:
                    report.ignore("another index (not NIFTY, BANKNIFTY, FINNIFTY, "
                                  "MIDCPNIFTY or India VIX)" if symbol is None
                                  else f"not {symbol.upper()}")
                    continue
                kept.append((line, row))
            csv_in.check_truncated_tail()
            if not kept and not report.rejected:
                names = ", ".join(f"{n} (line {ln})" for n, ln in
                                  list(reader.other_names.items())[:5])
                want = symbol.upper() if symbol else "NIFTY, BANKNIFTY, FINNIFTY or India VIX"
                raise ImportRejectedError(
                    f"no row for {want} in this file" + (f"; it holds {names}" if names else ""),
                    place=csv_in.place(csv_in.header_line + 1))
            _check_against_options(store, kept, csv_in.place())
        for line, row in kept:
            sink.add("vix_bars" if row["symbol"] == VIX_SYMBOL else "spot_bars", row, line)
        if reader.off_stamp:
            report.note("the file's time stamps were replaced by the 15:30 session close "
                        "(posbt stamps daily bars at the close)")

    report = run_import(store, path, "spot", body, replace=replace)
    if report.replaced.get("spot_bars"):
        report.note(f"{report.replaced['spot_bars']} derived spot bar(s) replaced by this "
                    "file's")
    return report
