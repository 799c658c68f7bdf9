"""NSE and BSE F&O bhavcopy importer: the pre-July-2024 NSE layout and UDiFF, told apart
by the header (UDiFF's ``Src`` column says NSE or BSE).

Stage: data ingestion (one CSV per trading day -> option_bars, futures_bars, expiries,
spot_bars). How each row is read (no-trade bars, expiry-day zeros, what is rejected) is in
``bhavrows``. Units:

- option and futures rows become daily bars: ``bar_minutes`` 1440, ``ts`` = trade date
  15:30 (the close stamp); ``settle`` = settlement price; ``oi`` in units (both layouts
  give open interest in units).
- ``volume`` is in units. The old layout gives CONTRACTS (a count of contracts), so volume
  = CONTRACTS x lot size: the lot size valid on the trade date in the store's
  ``instruments`` table, else the shipped contract master's size for that series (NULL
  with a note naming the first line when neither knows the symbol). UDiFF gives
  TtlTradgVol, taken as traded quantity in units (a multiple of NewBrdLotQty).
- turnover (VAL_INLAKH in lakh rupees, TtlTrfVal in rupees) is not stored.
- spot: UDiFF UndrlygPric gives a daily spot close (open = high = low = close, source
  UNDERLYING); a file without it (the old layout) gets a spot estimate from its futures or
  put-call parity (``spotderive``, source DERIVED_*). Either is offered after the file's
  rows and kept out by any spot bar already stored for that day.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from engine.data.importers.bhavrows import OLD_LAYOUT, UDIFF_LAYOUT, BhavRow, Layout, parse_row
from engine.data.importers.csvstream import CsvStream
from engine.data.importers.expirybook import ExpiryBook, LotBook, Rules, refresh_expiry_kinds
from engine.data.importers.fields import RowError
from engine.data.importers.loader import RowSink, run_import
from engine.data.importers.report import ImportReport
from engine.data.importers.spotderive import DayEvidence, estimate_spot, spot_row
from engine.data.store import Store
from engine.errors import ImportRejectedError, PosbtError

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


def detect_layout(header: list[str]) -> str | None:
    """``"old"`` or ``"udiff"`` from the header names, None when neither."""
    if "INSTRUMENT" in header and "EXPIRY_DT" in header:
        return "old"
    if "FinInstrmTp" in header and "TckrSymb" in header:
        return "udiff"
    return None


class _Day:
    """What the file shows per (symbol, day): spot evidence, the exchange's underlying."""

    def __init__(self) -> None:
        self.evidence: dict[tuple[str, dt.date], DayEvidence] = {}
        self.underlying: dict[tuple[str, dt.date], float] = {}
        self.no_trade = 0
        self.unknown: dict[str, int] = {}
        self.first_line: dict[tuple[str, dt.date], int] = {}

    def see(self, row: BhavRow) -> None:
        key = (row.symbol, row.trade_date)
        if row.underlying is not None:
            self.underlying.setdefault(key, row.underlying)
        if row.ohlc is None:
            self.no_trade += 1
            return
        ev = self.evidence.setdefault(key, DayEvidence())
        if row.is_option:
            ev.add_option(row.expiry, row.strike, row.right, row.ohlc[3],
                          row.contracts_or_units or 0)
        else:
            ev.add_future(row.expiry, row.ohlc)

    def spot_rows(self) -> list[dict[str, object]]:
        rows: list[dict[str, object]] = []
        for key in sorted(set(self.evidence) | set(self.underlying)):
            symbol, day = key
            if key in self.underlying:
                close = self.underlying[key]
                rows.append({"symbol": symbol, "bar_minutes": 1440,
                             "ts": dt.datetime.combine(day, CLOSE_TIME), "open": close,
                             "high": close, "low": close, "close": close, "volume": None,
                             "source": "UNDERLYING"})
                continue
            est = estimate_spot(day, self.evidence[key])
            if est is not None:
                rows.append(spot_row(symbol, day, est))
        return rows


def _note_closed_days(day: _Day, rules: Rules, report: ImportReport) -> None:
    """A trade date the exchange held no session on (a Sunday, a holiday): noted."""
    for (symbol, trade_date), line in sorted(day.first_line.items(), key=lambda kv: kv[1]):
        try:
            exchange = rules.master().exchange(symbol)
        except PosbtError:
            exchange = "NSE"
        cal = rules.calendar(exchange)
        if not cal.has_session(trade_date):
            why = cal.holiday_name(trade_date) or trade_date.strftime("%A")
            report.note(f"trade date {trade_date} (first at line {line}) is a day {exchange} "
                        f"was closed ({why}): the rows are stored; check the file's date")


def _volume(row: BhavRow, layout: Layout, lots: LotBook, day: _Day, line: int,
            report: ImportReport) -> int | None:
    lot = lots.lot_size(row.symbol, row.trade_date, row.expiry)
    if lot is None and row.symbol not in day.unknown:
        day.unknown[row.symbol] = line
        what = ("its volume is left empty (CONTRACTS counts contracts, not units) and "
                if layout.volume_is_contracts else "")
        report.note(f"{row.symbol} (first at line {line}) is not in the contract master on "
                    f"{row.trade_date}: its rows are stored, but {what}a backtest needs its "
                    "lot size, strike step and expiry rules; add it to instruments")
    elif lot is not None and row.file_lot is not None and row.file_lot != lot:
        key = f"{row.symbol} {row.expiry}"
        if key not in day.unknown:
            day.unknown[key] = line
            report.note(f"{row.symbol} series expiring {row.expiry}: the file's lot size "
                        f"(NewBrdLotQty {row.file_lot}, line {line}) differs from the contract "
                        f"master's ({lot}); the exchange's file is the better source: check "
                        "engine/domain/data/contracts.csv or your instruments rows")
    count = row.contracts_or_units
    if not layout.volume_is_contracts or count is None:
        return count
    if count == 0:
        return 0
    return None if lot is None else count * lot


def _stage(sink: RowSink, books: ExpiryBook, row: BhavRow, volume: int | None,
           line: int) -> bool:
    o, h, lo, c = row.ohlc if row.ohlc is not None else (None, None, None, None)
    bar = {"symbol": row.symbol, "expiry": row.expiry, "bar_minutes": 1440,
           "ts": dt.datetime.combine(row.trade_date, CLOSE_TIME),
           "open": o, "high": h, "low": lo, "close": c, "settle": row.settle,
           "volume": volume, "oi": row.oi_units}
    if row.is_option:
        bar = {**bar, "strike": row.strike, "right": row.right, "underlying": row.underlying}
        if sink.add("option_bars", bar, line):
            books.add(row.symbol, row.expiry, row.trade_date)
            return True
        return False
    return sink.add("futures_bars", bar, line)


def _layout(csv_in: CsvStream, report: ImportReport) -> Layout:
    found = detect_layout(csv_in.header)
    if found is None:
        raise ImportRejectedError(
            "unknown header: neither the NSE F&O bhavcopy layout (INSTRUMENT,SYMBOL,"
            "EXPIRY_DT,...) nor UDiFF (TradDt,BizDt,...,FinInstrmTp,...)",
            place=csv_in.place())
    layout = OLD_LAYOUT if found == "old" else UDIFF_LAYOUT
    csv_in.require(OLD_COLUMNS if found == "old" else UDIFF_COLUMNS,
                   "NSE F&O bhavcopy" if found == "old" else "UDiFF bhavcopy")
    report.kind = layout.name
    return layout


def import_bhavcopy(store: Store, path: str | Path, *, replace: bool = False) -> ImportReport:
    """Import one NSE or BSE F&O bhavcopy CSV (either layout) in one transaction."""
    rules = Rules()
    books = ExpiryBook(store, rules)
    lots = LotBook(store, rules)

    day = _Day()

    def body(sink: RowSink, report: ImportReport) -> None:
        with CsvStream(path, report) as csv_in:
            layout = _layout(csv_in, report)
            src = csv_in.index.get("Src")
            for line, fields in csv_in.rows():
                try:
                    row = parse_row(fields, csv_in.index, layout)
                    if isinstance(row, str):
                        report.ignore(row)
                        continue
                    if src is not None and fields[src].strip().upper() == "BSE":
                        report.kind = "bhavcopy (UDiFF, BSE)"
                    volume = _volume(row, layout, lots, day, line, report)
                except RowError as exc:
                    report.reject(line, str(exc))
                    continue
                if _stage(sink, books, row, volume, line):
                    day.see(row)
                    day.first_line.setdefault((row.symbol, row.trade_date), line)
            csv_in.check_truncated_tail()
        _note_closed_days(day, rules, report)
        for r in books.rows():
            sink.add_derived("expiries", r)
        spot = day.spot_rows()
        for r in spot:
            sink.add_derived("spot_bars", r)
        sources = sorted({str(r["source"]) for r in spot})
        if sources:
            report.note("daily spot offered from " + " and ".join(
                {"UNDERLYING": "UndrlygPric (open = high = low = close)",
                 "DERIVED_FUTURES": "the nearest future (derived, marked DERIVED_FUTURES)",
                 "DERIVED_PARITY": "put-call parity (derived, marked DERIVED_PARITY)"}[s]
                for s in sources) + "; a spot bar already stored is kept")

    report = run_import(store, path, "bhavcopy", body, replace=replace)
    _note_no_trade(report, day.no_trade)
    refresh_expiry_kinds(store, books)
    return report


def _note_no_trade(report: ImportReport, offered: int) -> None:
    """Note the no-trade bars this import stored: the file's ``offered`` ones when every
    bar of the file was stored (new or replaced), none when no bar was (a re-import), and
    else at most ``offered`` or the bars stored, whichever is fewer (the store counts per
    table, not per kind of bar)."""
    bars = ("option_bars", "futures_bars")
    stored = sum(report.inserted.get(t, 0) + report.replaced.get(t, 0) for t in bars)
    kept = sum(report.skipped.get(t, 0) for t in bars)
    if not offered or not stored:
        return
    count = f"{offered}" if not kept else f"at most {min(offered, stored)}"
    report.note(f"{count} no-trade bar(s) stored: contracts that did not trade that day keep "
                "their settlement price and OI, with no prices")
