"""NSE India VIX history importer: the CSV NSE's site gives -> vix_bars (daily).

Stage: data ingestion. Layout (UTF-8 BOM, space-padded header names)::

    Date ,Open ,High ,Low ,Close ,Prev. Close ,Change ,% Change
    09-JUN-2025,14.72,15.05,14.31,14.68,14.96,-0.28,-1.87

Rows become ``vix_bars`` with symbol ``INDIAVIX``, ``bar_minutes`` 1440 and ``ts`` = the
date at 15:30 (the close stamp); values are index points (14.68 = 14.68% vol).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from engine.data.importers.csvstream import CsvStream
from engine.data.importers.fields import RowError, check_ohlc, parse_date, parse_price
from engine.data.importers.loader import RowSink, run_import
from engine.data.importers.report import ImportReport
from engine.data.store import Store

VIX_COLUMNS = ("Date", "Open", "High", "Low", "Close")
VIX_DATE_FORMATS = ("%d-%b-%Y", "%d-%b-%y", "%Y-%m-%d")
VIX_SYMBOL = "INDIAVIX"
MAX_VIX = 200.0


def import_vix(store: Store, path: str | Path, *, symbol: str = VIX_SYMBOL,
               replace: bool = False) -> ImportReport:
    """Import one India VIX history CSV in one transaction."""

    def body(sink: RowSink, report: ImportReport) -> None:
        with CsvStream(path, report) as csv_in:
            csv_in.require(VIX_COLUMNS, "India VIX history")
            idx = csv_in.index
            for line, fields in csv_in.rows():
                try:
                    day = parse_date(fields[idx["Date"]], "Date", VIX_DATE_FORMATS)
                    o, h, lo, c = (float(parse_price(fields[idx[n]], n) or 0.0)
                                   for n in ("Open", "High", "Low", "Close"))
                    check_ohlc(o, h, lo, c)
                    if h > MAX_VIX:
                        raise RowError(f"High: {h:g} is not an India VIX level (limit "
                                       f"{MAX_VIX:g}; it peaked near 86 in 2008)")
                except RowError as exc:
                    report.reject(line, str(exc))
                    continue
                sink.add("vix_bars", {
                    "symbol": symbol, "bar_minutes": 1440,
                    "ts": dt.datetime.combine(day, dt.time(15, 30)),
                    "open": o, "high": h, "low": lo, "close": c}, line)
            csv_in.check_truncated_tail()

    return run_import(store, path, "India VIX history", body, replace=replace)
