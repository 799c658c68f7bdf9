"""NSE F&O bhavcopy importer: the pre-July-2024 layout and UDiFF, told apart by header.

Stage: data ingestion (one CSV per trading day -> option_bars, futures_bars, expiries,
spot_bars). Only index contracts are loaded (OPTIDX/FUTIDX, UDiFF IDO/IDF); stock
contracts are counted as ignored. Units:

- option and futures rows become daily bars: ``bar_minutes`` 1440, ``ts`` = trade date
  15:30 (the close stamp); ``settle`` = settlement price; ``oi`` in units (both layouts
  give open interest in units).
- ``volume`` is in units. The old layout gives CONTRACTS (a count of contracts), so volume
  = CONTRACTS x lot size: the lot size valid on the trade date in the store's
  ``instruments`` table, else the shipped contract master's size for that series (NULL
  with a note when neither knows the symbol). UDiFF gives TtlTradgVol, taken as
  traded quantity in units (verify; it is a multiple of NewBrdLotQty in NSE files).
- turnover (VAL_INLAKH in lakh rupees, TtlTrfVal in rupees) is not stored.
- UDiFF UndrlygPric gives a daily spot close (open = high = low = close) for a date with
  no stored spot row for that symbol; the report notes how many were derived.
- a contract with no trades that day (zero prices and zero volume) has no bar: ignored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.data.importers.csvstream import CsvStream
from engine.data.importers.expirybook import ExpiryBook, LotBook, Rules, refresh_expiry_kinds
from engine.data.importers.fields import (
    RowError,
    check_ohlc,
    parse_count,
    parse_date,
    parse_float,
    parse_price,
)
from engine.data.importers.loader import RowSink, run_import
from engine.data.importers.report import ImportReport
from engine.data.store import Store
from engine.errors import ImportRejectedError

CLOSE_TIME = dt.time(15, 30)
OLD_COLUMNS = ("INSTRUMENT", "SYMBOL", "EXPIRY_DT", "STRIKE_PR", "OPTION_TYP", "OPEN", "HIGH",
               "LOW", "CLOSE", "SETTLE_PR", "CONTRACTS", "VAL_INLAKH", "OPEN_INT", "CHG_IN_OI",
               "TIMESTAMP")
UDIFF_COLUMNS = ("TradDt", "BizDt", "Sgmt", "Src", "FinInstrmTp", "FinInstrmId", "ISIN",
                 "TckrSymb", "SctySrs", "XpryDt", "FininstrmActlXpryDt", "StrkPric", "OptnTp",
                 "FinInstrmNm", "OpnPric", "HghPric", "LwPric", "ClsPric", "LastPric",
                 "PrvsClsgPric", "UndrlygPric", "SttlmPric", "OpnIntrst", "ChngInOpnIntrst",
                 "TtlTradgVol", "TtlTrfVal", "TtlNbOfTxsExctd", "SsnId", "NewBrdLotQty", "Rmks",
                 "Rsvd1", "Rsvd2", "Rsvd3", "Rsvd4")
OLD_DATE_FORMATS = ("%d-%b-%Y",)
ISO = ("%Y-%m-%d",)


@dataclass(frozen=True)
class BhavRow:
    """One contract-day, in the layout-independent form."""

    is_option: bool
    symbol: str
    trade_date: dt.date
    expiry: dt.date
    strike: float
    right: str
    ohlc: tuple[float, float, float, float]
    settle: float | None
    volume_units: int | None
    oi_units: int | None
    underlying: float | None


def _ohlc(fields: list[str], idx: dict[str, int], names: tuple[str, str, str, str],
          traded: bool) -> tuple[float, float, float, float] | None:
    values = [parse_price(fields[idx[n]], n, allow_zero=True, allow_empty=True) for n in names]
    if all(v in (None, 0.0) for v in values) and not traded:
        return None
    for name, v in zip(names, values, strict=True):
        if not v:
            raise RowError(f"{name}: price must be > 0, got {v or 0:g}")
    o, h, lo, c = (float(v or 0.0) for v in values)
    check_ohlc(o, h, lo, c)
    return o, h, lo, c


def _old_row(fields: list[str], idx: dict[str, int], lots: LotBook,
             report: ImportReport) -> BhavRow | None:
    instrument = fields[idx["INSTRUMENT"]].strip().upper()
    if instrument not in ("OPTIDX", "FUTIDX"):
        report.ignore(f"{instrument or 'blank'} (not an index contract)")
        return None
    symbol = fields[idx["SYMBOL"]].strip().upper()
    trade_date = parse_date(fields[idx["TIMESTAMP"]], "TIMESTAMP", OLD_DATE_FORMATS)
    expiry = parse_date(fields[idx["EXPIRY_DT"]], "EXPIRY_DT", OLD_DATE_FORMATS)
    contracts = parse_count(fields[idx["CONTRACTS"]], "CONTRACTS")
    ohlc = _ohlc(fields, idx, ("OPEN", "HIGH", "LOW", "CLOSE"), bool(contracts))
    if ohlc is None:
        report.ignore("untraded contract (no bar)")
        return None
    lot = lots.lot_size(symbol, trade_date, expiry)
    if lot is None and contracts:
        report.note(f"volume left empty for {symbol}: no lot size in the contract master "
                    f"on {trade_date} (CONTRACTS counts contracts, not units)")
    volume = None if contracts is None or lot is None else contracts * lot
    return BhavRow(
        is_option=instrument == "OPTIDX", symbol=symbol, trade_date=trade_date, expiry=expiry,
        strike=float(parse_float(fields[idx["STRIKE_PR"]], "STRIKE_PR") or 0.0),
        right=fields[idx["OPTION_TYP"]].strip().upper(), ohlc=ohlc,
        settle=parse_price(fields[idx["SETTLE_PR"]], "SETTLE_PR", allow_empty=True,
                           allow_zero=True),
        volume_units=volume, oi_units=parse_count(fields[idx["OPEN_INT"]], "OPEN_INT"),
        underlying=None)


def _udiff_row(fields: list[str], idx: dict[str, int], lots: LotBook,
               report: ImportReport) -> BhavRow | None:
    kind = fields[idx["FinInstrmTp"]].strip().upper()
    if kind not in ("IDO", "IDF"):
        report.ignore(f"{kind or 'blank'} (not an index contract)")
        return None
    trade_date = parse_date(fields[idx["TradDt"]], "TradDt", ISO)
    actual = fields[idx["FininstrmActlXpryDt"]]
    expiry = (parse_date(actual, "FininstrmActlXpryDt", ISO) if actual.strip()
              else parse_date(fields[idx["XpryDt"]], "XpryDt", ISO))
    volume = parse_count(fields[idx["TtlTradgVol"]], "TtlTradgVol")
    ohlc = _ohlc(fields, idx, ("OpnPric", "HghPric", "LwPric", "ClsPric"), bool(volume))
    underlying = parse_price(fields[idx["UndrlygPric"]], "UndrlygPric", allow_empty=True)
    if ohlc is None:
        report.ignore("untraded contract (no bar)")
        return None
    is_option = kind == "IDO"
    return BhavRow(
        is_option=is_option, symbol=fields[idx["TckrSymb"]].strip().upper(),
        trade_date=trade_date, expiry=expiry,
        strike=float(parse_float(fields[idx["StrkPric"]], "StrkPric", allow_empty=True) or 0.0),
        right=fields[idx["OptnTp"]].strip().upper(), ohlc=ohlc,
        settle=parse_price(fields[idx["SttlmPric"]], "SttlmPric", allow_empty=True,
                           allow_zero=True),
        volume_units=volume, oi_units=parse_count(fields[idx["OpnIntrst"]], "OpnIntrst"),
        underlying=underlying)


RowParser = Callable[[list[str], dict[str, int], LotBook, ImportReport], BhavRow | None]


def detect_layout(header: list[str]) -> str | None:
    """``"old"`` or ``"udiff"`` from the header names, None when neither."""
    if "INSTRUMENT" in header and "EXPIRY_DT" in header:
        return "old"
    if "FinInstrmTp" in header and "TckrSymb" in header:
        return "udiff"
    return None


def _stage(sink: RowSink, books: ExpiryBook, row: BhavRow, line: int) -> None:
    o, h, lo, c = row.ohlc
    ts = dt.datetime.combine(row.trade_date, CLOSE_TIME)
    bar = {"symbol": row.symbol, "expiry": row.expiry, "bar_minutes": 1440, "ts": ts,
           "open": o, "high": h, "low": lo, "close": c, "settle": row.settle,
           "volume": row.volume_units, "oi": row.oi_units}
    if row.is_option:
        if row.right not in ("CE", "PE"):
            raise RowError(f"option type must be CE or PE, got {row.right!r}")
        if row.strike <= 0:
            raise RowError(f"strike must be > 0, got {row.strike:g}")
        bar = {**bar, "strike": row.strike, "right": row.right, "underlying": row.underlying}
        if sink.add("option_bars", bar, line):
            books.add(row.symbol, row.expiry)
    else:
        sink.add("futures_bars", bar, line)


def import_bhavcopy(store: Store, path: str | Path) -> ImportReport:
    """Import one NSE F&O bhavcopy CSV (either layout) in one transaction."""
    rules = Rules()
    books = ExpiryBook(store, rules)
    lots = LotBook(store, rules)

    def body(sink: RowSink, report: ImportReport) -> None:
        spot: dict[tuple[str, dt.date], float] = {}
        with CsvStream(path, report) as csv_in:
            layout = detect_layout(csv_in.header)
            if layout is None:
                raise ImportRejectedError(
                    "unknown header: neither the NSE F&O bhavcopy layout (INSTRUMENT,SYMBOL,"
                    "EXPIRY_DT,...) nor UDiFF (TradDt,BizDt,...,FinInstrmTp,...)",
                    place=csv_in.place())
            csv_in.require(OLD_COLUMNS if layout == "old" else UDIFF_COLUMNS,
                           "NSE F&O bhavcopy" if layout == "old" else "UDiFF bhavcopy")
            report.kind = "bhavcopy (pre-2024 layout)" if layout == "old" else "bhavcopy (UDiFF)"
            parse: RowParser = _old_row if layout == "old" else _udiff_row
            for line, fields in csv_in.rows():
                try:
                    row = parse(fields, csv_in.index, lots, report)
                    if row is None:
                        continue
                    _stage(sink, books, row, line)
                except RowError as exc:
                    report.reject(line, str(exc))
                    continue
                if row.underlying is not None:
                    spot.setdefault((row.symbol, row.trade_date), row.underlying)
            csv_in.check_truncated_tail()
        for r in books.rows():
            sink.add_derived("expiries", r)
        for (symbol, day), close in sorted(spot.items()):
            sink.add_derived("spot_bars", {
                "symbol": symbol, "bar_minutes": 1440,
                "ts": dt.datetime.combine(day, CLOSE_TIME),
                "open": close, "high": close, "low": close, "close": close, "volume": None})

    report = run_import(store, path, "bhavcopy", body)
    if report.inserted.get("spot_bars"):
        report.note(f"{report.inserted['spot_bars']} daily spot close(s) derived from "
                    "UndrlygPric (open = high = low = close)")
    refresh_expiry_kinds(store)
    return report
