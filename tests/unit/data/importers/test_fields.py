"""Value parsers and converters: each refusal gives a reason naming the column."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.data.importers.convert import check_bar, convert
from engine.data.importers.fields import (
    RowError,
    parse_bool,
    parse_count,
    parse_datetime,
    parse_float,
    parse_time,
)
from engine.data.importers.mapping import mapping_from_dict

M = mapping_from_dict({"target": "option_bars", "columns": {}, "multipliers": {"volume": 75},
                       "date_format": "%d/%m/%Y"}, "test")


def test_numbers_and_counts() -> None:
    assert parse_float(" 1,234.50 ", "x") == 1234.5  # thousands separator dropped
    assert parse_float("", "x", allow_empty=True) is None
    assert parse_count("12.0", "CONTRACTS") == 12
    with pytest.raises(RowError, match="x is empty"):
        parse_float(" ", "x")
    with pytest.raises(RowError, match="x: not a number 'abc'"):
        parse_float("abc", "x")
    with pytest.raises(RowError, match="whole non-negative count"):
        parse_count("1.5", "OPEN_INT")
    with pytest.raises(RowError, match="whole non-negative count"):
        parse_count("-3", "OPEN_INT")


def test_times_and_flags() -> None:
    assert parse_time("09:16", "Time") == dt.time(9, 16)
    assert parse_datetime("2024-01-02 09:16", "ts", ("%Y-%m-%d %H:%M",)) == dt.datetime(
        2024, 1, 2, 9, 16)
    with pytest.raises(RowError, match="malformed time"):
        parse_time("25:61", "Time")
    with pytest.raises(RowError, match="malformed timestamp"):
        parse_datetime("2024/01/02", "ts", ("%Y-%m-%d %H:%M",))
    assert parse_bool("Y", "b") and not parse_bool("no", "b")
    with pytest.raises(RowError, match="expected true/false"):
        parse_bool("maybe", "b")


def test_convert_typed_and_text_values() -> None:
    assert convert("04/01/2024", "DATE", "expiry", M) == dt.date(2024, 1, 4)
    assert convert(dt.datetime(2024, 1, 4, 9), "DATE", "expiry", M) == dt.date(2024, 1, 4)
    assert convert(dt.date(2024, 1, 4), "DATE", "expiry", M) == dt.date(2024, 1, 4)
    aware = dt.datetime(2024, 1, 4, 9, 16, tzinfo=dt.UTC)
    assert convert(aware, "TIMESTAMP", "ts", M) == dt.datetime(2024, 1, 4, 9, 16)
    assert convert(dt.time(9, 16), "TIME", "time", M) == dt.time(9, 16)
    assert convert(True, "BOOLEAN", "blackout_entry", M) is True
    assert convert("4", "BIGINT", "volume", M) == 300  # 4 lots x 75 = 300 units
    assert convert(" NIFTY ", "VARCHAR", "symbol", M) == "NIFTY"
    assert convert("", "DOUBLE", "close", M) is None
    with pytest.raises(RowError, match="expected a number"):
        convert(True, "DOUBLE", "close", M)
    with pytest.raises(RowError, match="not a finite number"):
        convert(float("nan"), "DOUBLE", "close", M)
    with pytest.raises(RowError, match="quote must be >= 0"):
        convert(-1, "DOUBLE", "bid", M)
    with pytest.raises(RowError, match="count must be >= 0"):
        convert(-1, "BIGINT", "oi", M)
    with pytest.raises(RowError, match="expected a whole number"):
        convert(1.5, "BIGINT", "oi", M)


def test_check_bar_open_outside_range() -> None:
    with pytest.raises(RowError, match="open 12 is outside"):
        check_bar({"open": 12.0, "high": 11.0, "low": 9.0, "close": 10.0})
    check_bar({"open": 10.0, "high": 11.0, "low": 9.0, "close": 10.0, "bid": 9.9, "ask": 10.1})
