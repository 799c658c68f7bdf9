"""Converting mapped source values into canonical column values, with row-level reasons.

Stage: data ingestion (shared by the table and minute importers). Values come as text
(CSV) or typed (Parquet); both go through the same rules: dates and timestamps in the
mapping's formats, finite numbers, prices > 0 (bid/ask >= 0), whole non-negative counts,
and a unit multiplier where the mapping gives one.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from engine.data.importers.fields import (
    MAX_COUNT,
    MAX_PRICE,
    RowError,
    check_ohlc,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_float,
    parse_time,
)
from engine.data.importers.mapping import Mapping

PRICE_COLUMNS = ("open", "high", "low", "close", "settle", "underlying")
QUOTE_COLUMNS = ("bid", "ask")
COUNT_COLUMNS = ("volume", "oi")
INT_TYPES = ("BIGINT", "INTEGER", "SMALLINT")


def _number(value: Any, column: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise RowError(f"{column}: expected a number, got {value!r}")
    if isinstance(value, int | float):
        if not math.isfinite(float(value)):
            raise RowError(f"{column}: {value} is not a finite number")
        return float(value)
    return parse_float(str(value), column, allow_empty=True)


def convert(value: Any, dtype: str, column: str, mapping: Mapping) -> Any:
    """``value`` as the Python value of a ``dtype`` column; None stays None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if dtype == "DATE":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        return parse_date(str(value), column, (mapping.date_format,))
    if dtype.startswith("TIMESTAMP"):
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=None)
        return parse_datetime(str(value), column, (mapping.datetime_format,))
    if dtype == "TIME":
        return value if isinstance(value, dt.time) else parse_time(
            str(value), column, (mapping.time_format, "%H:%M:%S", "%H:%M"))
    if dtype == "BOOLEAN":
        return value if isinstance(value, bool) else parse_bool(str(value), column)
    if dtype == "DOUBLE" or dtype in INT_TYPES:
        number = _number(value, column)
        if number is None:
            return None
        number *= mapping.multipliers.get(column, 1.0)
        return _checked_number(number, dtype, column)
    return str(value).strip()


def _checked_number(number: float, dtype: str, column: str) -> float | int:
    if column in PRICE_COLUMNS and number <= 0:
        raise RowError(f"{column}: price must be > 0, got {number:g}")
    if column in QUOTE_COLUMNS and number < 0:
        raise RowError(f"{column}: quote must be >= 0, got {number:g}")
    if column in COUNT_COLUMNS and number < 0:
        raise RowError(f"{column}: count must be >= 0, got {number:g}")
    if column in PRICE_COLUMNS + QUOTE_COLUMNS and number > MAX_PRICE:
        raise RowError(f"{column}: price {number:g} is implausibly large")
    if column in COUNT_COLUMNS and number > MAX_COUNT:
        raise RowError(f"{column}: count {number:g} is implausibly large")
    if dtype in INT_TYPES:
        rounded = round(number)
        if abs(number - rounded) > 1e-9:
            raise RowError(f"{column}: expected a whole number, got {number:g}")
        return int(rounded)
    return number


def check_bar(row: dict[str, Any]) -> None:
    """Price sanity of a bar row: OHLC consistent, bid <= ask."""
    if all(row.get(k) is not None for k in ("open", "high", "low", "close")):
        check_ohlc(row["open"], row["high"], row["low"], row["close"])
    bid, ask = row.get("bid"), row.get("ask")
    if bid is not None and ask is not None and bid > ask:
        raise RowError(f"crossed quote: bid {bid:g} > ask {ask:g}")
