"""Bhavcopy rows as the exchanges write them: one CSV row -> a ``BhavRow`` or a reason.

Stage: data ingestion (used by ``bhavcopy``). Both layouts (NSE's pre-July-2024 file and
the common UDiFF layout NSE and BSE publish) are described by a ``Layout`` (which column
holds what) and parsed by one function, so the rules below are the same for every file:

- only index contracts are loaded (OPTIDX / FUTIDX, UDiFF IDO / IDF); stock contracts
  are counted as ignored;
- a contract that did not trade that day (CONTRACTS / TtlTradgVol 0) is a *no-trade
  bar*: open/high/low/close NULL, volume 0, the exchange's settlement price and the open
  interest kept. Exchanges write such rows with every price 0 (or blank), or with OPEN,
  HIGH and LOW 0 and CLOSE = SETTLE_PR; either way no price of it is a traded price;
- a traded row needs every price > 0 and HIGH >= LOW with OPEN and CLOSE inside, except
  on the contract's expiry day, where an out-of-the-money option's LOW or CLOSE of 0 is
  real (it settles at 0);
- rejected, with the column and reason: negative or non-numeric prices, implausibly large
  prices or counts, impossible dates, an expiry before the trade date or more than
  ``MAX_EXPIRY_YEARS`` after it, an option with strike <= 0 or a type other than CE/PE,
  a SYMBOL holding anything but letters, digits and ``&-_`` (a line break, say).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from engine.data.importers.fields import (
    RowError,
    check_ohlc,
    parse_count,
    parse_date,
    parse_float,
    parse_price,
)

MAX_EXPIRY_YEARS = 10  # NIFTY's longest-dated options run 5 years
_SYMBOL_RE = re.compile(r"^[A-Z0-9&_-]+$")


@dataclass(frozen=True)
class Layout:
    """Which column holds what in one bhavcopy layout."""

    name: str
    kind: str
    kinds: dict[str, bool]           # instrument code -> is an option
    symbol: str
    trade_date: str
    expiry: tuple[str, ...]          # first non-empty wins
    strike: str
    right: str
    prices: tuple[str, str, str, str]
    settle: str
    volume: str
    oi: str
    underlying: str | None
    lot: str | None                  # the file's lot size column (UDiFF NewBrdLotQty)
    date_formats: tuple[str, ...]
    volume_is_contracts: bool        # CONTRACTS counts contracts; TtlTradgVol is units


OLD_LAYOUT = Layout(
    name="bhavcopy (pre-2024 layout)", kind="INSTRUMENT",
    kinds={"OPTIDX": True, "FUTIDX": False}, symbol="SYMBOL", trade_date="TIMESTAMP",
    expiry=("EXPIRY_DT",), strike="STRIKE_PR", right="OPTION_TYP",
    prices=("OPEN", "HIGH", "LOW", "CLOSE"), settle="SETTLE_PR", volume="CONTRACTS",
    oi="OPEN_INT", underlying=None, lot=None, date_formats=("%d-%b-%Y",),
    volume_is_contracts=True)

UDIFF_LAYOUT = Layout(
    name="bhavcopy (UDiFF)", kind="FinInstrmTp", kinds={"IDO": True, "IDF": False},
    symbol="TckrSymb", trade_date="TradDt", expiry=("FininstrmActlXpryDt", "XpryDt"),
    strike="StrkPric", right="OptnTp", prices=("OpnPric", "HghPric", "LwPric", "ClsPric"),
    settle="SttlmPric", volume="TtlTradgVol", oi="OpnIntrst", underlying="UndrlygPric",
    lot="NewBrdLotQty", date_formats=("%Y-%m-%d",), volume_is_contracts=False)


@dataclass(frozen=True)
class BhavRow:
    """One contract-day, in the layout-independent form. ``ohlc`` None: a no-trade bar."""

    is_option: bool
    symbol: str
    trade_date: dt.date
    expiry: dt.date
    strike: float
    right: str
    ohlc: tuple[float, float, float, float] | None
    settle: float | None
    contracts_or_units: int | None
    oi_units: int | None
    underlying: float | None
    file_lot: int | None

    @property
    def traded(self) -> bool:
        """True when the contract traded that day (the bar has prices)."""
        return self.ohlc is not None


def _symbol(text: str, column: str) -> str:
    symbol = text.strip().upper()
    if not symbol:
        raise RowError(f"{column} is empty")
    if not _SYMBOL_RE.match(symbol):
        raise RowError(f"{column}: {text!r} is not a symbol (letters, digits and &-_ only; "
                       "a line break or stray quote in the file?)")
    return symbol


def _expiry(fields: list[str], idx: dict[str, int], layout: Layout,
            trade_date: dt.date) -> dt.date:
    column = next((c for c in layout.expiry if fields[idx[c]].strip()), layout.expiry[-1])
    expiry = parse_date(fields[idx[column]], column, layout.date_formats)
    if expiry < trade_date:
        raise RowError(f"{column}: expiry {expiry} is before the trade date {trade_date}")
    if expiry.year > trade_date.year + MAX_EXPIRY_YEARS:
        raise RowError(f"{column}: expiry {expiry} is more than {MAX_EXPIRY_YEARS} years "
                       f"after the trade date {trade_date}")
    return expiry


def _traded_ohlc(values: list[float | None], names: tuple[str, str, str, str],
                 expiry_day: bool) -> tuple[float, float, float, float]:
    if not expiry_day:
        for name, v in zip(names, values, strict=True):
            if not v:
                raise RowError(f"{name}: price must be > 0 on a traded row, got {v or 0:g}")
    elif all(v is None for v in values):
        raise RowError(f"{', '.join(names)} are empty on a traded row")
    o, h, lo, c = (float(v or 0.0) for v in values)
    check_ohlc(o, h, lo, c)
    return o, h, lo, c


def parse_row(fields: list[str], idx: dict[str, int], layout: Layout) -> BhavRow | str:
    """The row as a ``BhavRow``, or the reason it is ignored (not an index contract).

    Raises ``RowError`` for a row that is wrong.
    """
    code = fields[idx[layout.kind]].strip().upper()
    if code not in layout.kinds:
        return f"{code or 'blank'} (not an index contract)"
    is_option = layout.kinds[code]
    symbol = _symbol(fields[idx[layout.symbol]], layout.symbol)
    trade_date = parse_date(fields[idx[layout.trade_date]], layout.trade_date, layout.date_formats)
    expiry = _expiry(fields, idx, layout, trade_date)
    strike = float(parse_float(fields[idx[layout.strike]], layout.strike, allow_empty=True) or 0.0)
    right = fields[idx[layout.right]].strip().upper()
    if is_option:
        if right not in ("CE", "PE"):
            raise RowError(f"{layout.right}: option type must be CE or PE, got {right!r}")
        if strike <= 0:
            raise RowError(f"{layout.strike}: strike must be > 0, got {strike:g}")
    count = parse_count(fields[idx[layout.volume]], layout.volume)
    values = [parse_price(fields[idx[n]], n, allow_zero=True, allow_empty=True)
              for n in layout.prices]
    settle = parse_price(fields[idx[layout.settle]], layout.settle, allow_empty=True,
                         allow_zero=True)
    traded = bool(count) or (count is None and any(values))
    ohlc = _traded_ohlc(values, layout.prices, trade_date == expiry) if traded else None
    underlying = None
    if layout.underlying is not None:
        underlying = parse_price(fields[idx[layout.underlying]], layout.underlying,
                                 allow_empty=True, allow_zero=True) or None
    file_lot = None
    if layout.lot is not None:
        file_lot = parse_count(fields[idx[layout.lot]], layout.lot) or None
    return BhavRow(
        is_option=is_option, symbol=symbol, trade_date=trade_date, expiry=expiry,
        strike=strike if is_option else 0.0, right=right if is_option else "",
        ohlc=ohlc, settle=settle, contracts_or_units=count if traded else 0,
        oi_units=parse_count(fields[idx[layout.oi]], layout.oi), underlying=underlying,
        file_lot=file_lot)
