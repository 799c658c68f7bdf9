"""Value parsing for importers: prices, counts, dates and times, each with a clear reason.

Stage: data ingestion. Every parser raises ``RowError`` with a reason that names the
column; the loader turns it into a rejected row (file, line, reason).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Sequence

# Bounds no real index-derivative row comes near: a price above 10 million points or a
# count above 10^15 is a corrupt field (and would overflow the store's 64-bit columns).
MAX_PRICE = 1e7
MAX_COUNT = 10**15


class RowError(Exception):
    """A row-level problem: the row is rejected, the rest of the file loads."""


def parse_float(text: str, column: str, *, allow_empty: bool = False) -> float | None:
    """A finite number; empty gives None when ``allow_empty``."""
    s = text.strip().replace(",", "") if isinstance(text, str) else text
    if s in ("", "-", None):
        if allow_empty:
            return None
        raise RowError(f"{column} is empty")
    try:
        value = float(s)
    except (TypeError, ValueError):
        raise RowError(f"{column}: not a number {text!r}") from None
    if not math.isfinite(value):
        raise RowError(f"{column}: {text.strip()} is not a finite number")
    return value


def parse_price(text: str, column: str, *, allow_empty: bool = False,
                allow_zero: bool = False) -> float | None:
    """A price: finite and > 0 (>= 0 with ``allow_zero``)."""
    value = parse_float(text, column, allow_empty=allow_empty)
    if value is None:
        return None
    if value < 0 or (value == 0 and not allow_zero):
        raise RowError(f"{column}: price must be > 0, got {value:g}")
    if value > MAX_PRICE:
        raise RowError(f"{column}: price {value:g} is implausibly large (limit {MAX_PRICE:g})")
    return value


def parse_count(text: str, column: str, *, allow_empty: bool = True) -> int | None:
    """A non-negative whole count (volume, OI, contracts); '12.0' is accepted."""
    value = parse_float(text, column, allow_empty=allow_empty)
    if value is None:
        return None
    if value < 0 or value != int(value):
        raise RowError(f"{column}: expected a whole non-negative count, got {text.strip()!r}")
    if value > MAX_COUNT:
        raise RowError(f"{column}: count {text.strip()} is implausibly large "
                       f"(limit {MAX_COUNT:.0e})")
    return int(value)


@functools.lru_cache(maxsize=4096)
def _strpdate(s: str, formats: tuple[str, ...]) -> dt.date | None:
    for fmt in formats:
        try:
            return dt.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    return None


def parse_date(text: str, column: str, formats: Sequence[str]) -> dt.date:
    """A date in one of ``formats`` (strptime; month names match in any case).

    Files repeat a handful of dates on every row, so parsed dates are cached.
    """
    s = text.strip()
    day = _strpdate(s, tuple(formats))
    if day is not None:
        return day
    raise RowError(f"{column}: malformed date {text!r} (expected {' or '.join(formats)})")


def parse_time(text: str, column: str, formats: Sequence[str] = ("%H:%M:%S", "%H:%M")) -> dt.time:
    """A time of day in one of ``formats``."""
    s = text.strip()
    for fmt in formats:
        try:
            return dt.datetime.strptime(s, fmt).time()
        except ValueError:
            continue
    raise RowError(f"{column}: malformed time {text!r} (expected {' or '.join(formats)})")


def parse_datetime(text: str, column: str, formats: Sequence[str]) -> dt.datetime:
    """A timestamp in one of ``formats``."""
    s = text.strip()
    for fmt in formats:
        try:
            return dt.datetime.strptime(s, fmt)
        except ValueError:
            continue
    raise RowError(f"{column}: malformed timestamp {text!r} (expected {' or '.join(formats)})")


def parse_bool(text: str, column: str) -> bool:
    """true/false, yes/no, 1/0, y/n (any case)."""
    s = text.strip().lower()
    if s in ("1", "true", "yes", "y", "t"):
        return True
    if s in ("0", "false", "no", "n", "f"):
        return False
    raise RowError(f"{column}: expected true/false, got {text!r}")


def close_stamp(ts: dt.datetime, rule: str) -> dt.datetime:
    """Normalise a vendor bar stamp to the bar's close stamp on the whole minute.

    ``end_second`` (GDFL): a bar is stamped at its last second, ``10:58:59`` is the bar
    that closes at ``10:59:00``; any stamp with seconds > 0 moves up to the next whole
    minute, a stamp already on the minute is kept. ``start``: the stamp is the bar's open,
    the close is one minute later (1-minute bars). ``close``: already the close stamp.
    """
    if rule == "close":
        return ts
    if rule == "start":
        return ts.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    if ts.second == 0 and ts.microsecond == 0:
        return ts
    return ts.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)


def check_ohlc(open_: float, high: float, low: float, close: float) -> None:
    """high >= low and open, close inside [low, high]."""
    if high < low:
        raise RowError(f"high {high:g} is below low {low:g}")
    if not (low <= close <= high):
        raise RowError(f"close {close:g} is outside [low {low:g}, high {high:g}]")
    if not (low <= open_ <= high):
        raise RowError(f"open {open_:g} is outside [low {low:g}, high {high:g}]")
