"""Trading-symbol parsing: exchange and vendor tickers to (symbol, expiry, strike, right).

Stage: data ingestion (used by the minute and table importers). Forms understood:

- exchange monthly option ``NIFTY24JAN21500CE`` (YY MON strike right; no day: the expiry
  is resolved later from the data or the contract rules, so ``expiry`` is None and
  ``expiry_month`` is set);
- exchange weekly option ``NIFTY25N1125700CE`` (YY, one-character month 1-9/O/N/D, DD);
- vendor (GDFL) option ``NIFTY03JUL2522800CE.NFO`` (DD MON YY strike right);
- futures: continuous ``NIFTY-I.NFO`` / ``NIFTY-II.NFO`` / ``NIFTY-III.NFO`` (near, next,
  far month), exchange ``NIFTY24JANFUT`` and vendor ``NIFTY25JUL24FUT.NFO``;
- index rows: ``NIFTY 50``, ``NIFTY.NSE``, ``NIFTY BANK``, ``INDIA VIX`` ...

A vendor suffix (``.NFO``, ``.BFO``) means the vendor DD MON YY form is tried first; a bare
ticker tries the exchange forms first (``NIFTY24JAN21500CE`` reads both ways otherwise).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from engine.errors import PosbtError

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MON = "|".join(_MONTHS)
_WEEKLY_MONTH = {**{str(i): i for i in range(1, 10)}, "O": 10, "N": 11, "D": 12}
_DERIV_SUFFIXES = (".NFO", ".BFO")
_INDEX_SUFFIXES = (".NSE_IDX", ".BSE_IDX", ".NSE", ".BSE", ".IDX")

# Index display names (NSE / BSE / vendor spellings) -> posbt symbol.
INDEX_NAMES: dict[str, str] = {
    "NIFTY": "NIFTY", "NIFTY 50": "NIFTY", "NIFTY50": "NIFTY",
    "BANKNIFTY": "BANKNIFTY", "NIFTY BANK": "BANKNIFTY", "NIFTYBANK": "BANKNIFTY",
    "FINNIFTY": "FINNIFTY", "NIFTY FIN SERVICE": "FINNIFTY", "NIFTY FINANCIAL SERVICES": "FINNIFTY",
    "MIDCPNIFTY": "MIDCPNIFTY", "NIFTY MID SELECT": "MIDCPNIFTY",
    "SENSEX": "SENSEX", "BSE SENSEX": "SENSEX",
    "INDIAVIX": "INDIAVIX", "INDIA VIX": "INDIAVIX",
}

_SYM = r"(?P<sym>[A-Z][A-Z0-9&]*?)"
_STRIKE = r"(?P<strike>\d+(?:\.\d+)?)(?P<right>CE|PE)"
_VENDOR_OPT = re.compile(rf"^{_SYM}(?P<dd>\d{{2}})(?P<mon>{_MON})(?P<yy>\d{{2}}){_STRIKE}$")
_VENDOR_FUT = re.compile(rf"^{_SYM}(?P<dd>\d{{2}})(?P<mon>{_MON})(?P<yy>\d{{2}})FUT$")
_MONTHLY_OPT = re.compile(rf"^{_SYM}(?P<yy>\d{{2}})(?P<mon>{_MON}){_STRIKE}$")
_MONTHLY_FUT = re.compile(rf"^{_SYM}(?P<yy>\d{{2}})(?P<mon>{_MON})FUT$")
_WEEKLY_OPT = re.compile(
    r"^(?P<sym>[A-Z][A-Z&]*)(?P<yy>\d{2})(?P<m>[1-9OND])(?P<dd>\d{2})" + _STRIKE + "$")
_CONT_FUT = re.compile(r"^(?P<sym>[A-Z][A-Z0-9&]*)-(?P<series>I{1,3})$")


class TickerKind(StrEnum):
    """What a ticker names."""

    OPTION = "OPTION"
    FUTURE = "FUTURE"
    INDEX = "INDEX"


class TickerError(PosbtError):
    """A ticker that matches none of the known forms."""


@dataclass(frozen=True)
class ParsedTicker:
    """A parsed ticker. ``expiry`` is None for monthly forms (then ``expiry_month`` is set)
    and for continuous futures (then ``series`` is 1 near, 2 next, 3 far month)."""

    kind: TickerKind
    symbol: str
    expiry: dt.date | None = None
    expiry_month: tuple[int, int] | None = None
    strike: float | None = None
    right: str | None = None
    series: int | None = None


def _year(yy: str) -> int:
    return 2000 + int(yy)


def _date(year: int, month: int, day: int, ticker: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise TickerError(f"ticker {ticker!r} names an impossible date "
                          f"{year:04d}-{month:02d}-{day:02d}") from None


def _vendor(core: str, ticker: str) -> ParsedTicker | None:
    if m := _VENDOR_OPT.match(core):
        expiry = _date(_year(m["yy"]), _MONTHS.index(m["mon"]) + 1, int(m["dd"]), ticker)
        return ParsedTicker(TickerKind.OPTION, m["sym"], expiry=expiry,
                            strike=float(m["strike"]), right=m["right"])
    if m := _VENDOR_FUT.match(core):
        expiry = _date(_year(m["yy"]), _MONTHS.index(m["mon"]) + 1, int(m["dd"]), ticker)
        return ParsedTicker(TickerKind.FUTURE, m["sym"], expiry=expiry)
    return None


def _exchange(core: str, ticker: str) -> ParsedTicker | None:
    if m := _WEEKLY_OPT.match(core):
        expiry = _date(_year(m["yy"]), _WEEKLY_MONTH[m["m"]], int(m["dd"]), ticker)
        return ParsedTicker(TickerKind.OPTION, m["sym"], expiry=expiry,
                            strike=float(m["strike"]), right=m["right"])
    if m := _MONTHLY_OPT.match(core):
        month = (_year(m["yy"]), _MONTHS.index(m["mon"]) + 1)
        return ParsedTicker(TickerKind.OPTION, m["sym"], expiry_month=month,
                            strike=float(m["strike"]), right=m["right"])
    if m := _MONTHLY_FUT.match(core):
        month = (_year(m["yy"]), _MONTHS.index(m["mon"]) + 1)
        return ParsedTicker(TickerKind.FUTURE, m["sym"], expiry_month=month)
    return None


def parse_ticker(ticker: str) -> ParsedTicker:
    """Parse ``ticker``; raises ``TickerError`` naming it when no form matches.

    >>> parse_ticker("NIFTY25N1125700CE").expiry
    datetime.date(2025, 11, 11)
    """
    text = ticker.strip().upper()
    core, vendor = text, False
    for suffix in _DERIV_SUFFIXES:
        if core.endswith(suffix):
            core, vendor = core[: -len(suffix)], True
            break
    else:
        for suffix in _INDEX_SUFFIXES:
            if core.endswith(suffix):
                core = core[: -len(suffix)]
                break
        if core in INDEX_NAMES:
            return ParsedTicker(TickerKind.INDEX, INDEX_NAMES[core])
    if m := _CONT_FUT.match(core):
        return ParsedTicker(TickerKind.FUTURE, m["sym"], series=len(m["series"]))
    readers = (_vendor, _exchange) if vendor else (_exchange, _vendor)
    for read in readers:
        parsed = read(core, ticker)
        if parsed is not None:
            if parsed.strike is not None and parsed.strike <= 0:
                raise TickerError(f"ticker {ticker!r} names strike {parsed.strike:g}; a strike "
                                  "must be > 0")
            return parsed
    raise TickerError(f"unrecognised ticker {ticker!r} (expected forms like NIFTY24JAN21500CE, "
                      "NIFTY25N1125700CE, NIFTY03JUL2522800CE.NFO, NIFTY-I.NFO, NIFTY 50)")
