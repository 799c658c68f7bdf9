"""Ticker parsing: exchange monthly/weekly, vendor (GDFL), futures and index names."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.data.importers.tickers import TickerError, TickerKind, parse_ticker


def test_exchange_monthly_option_has_month_but_no_day() -> None:
    t = parse_ticker("NIFTY24JAN21500CE")
    assert (t.kind, t.symbol, t.strike, t.right) == (TickerKind.OPTION, "NIFTY", 21500.0, "CE")
    assert t.expiry is None and t.expiry_month == (2024, 1)


def test_exchange_weekly_option_one_char_month() -> None:
    # NIFTY 25 N 11 25700 CE -> 2025-11-11, strike 25700
    t = parse_ticker("NIFTY25N1125700CE")
    assert t.expiry == dt.date(2025, 11, 11) and t.strike == 25700.0 and t.right == "CE"
    # digit month: BANKNIFTY 24 7 10 52500 PE -> 2024-07-10
    t2 = parse_ticker("BANKNIFTY2471052500PE")
    assert (t2.symbol, t2.expiry, t2.strike) == ("BANKNIFTY", dt.date(2024, 7, 10), 52500.0)
    assert parse_ticker("NIFTY24O0322000PE").expiry == dt.date(2024, 10, 3)
    assert parse_ticker("NIFTY24D2622000PE").expiry == dt.date(2024, 12, 26)


def test_vendor_option_day_month_year() -> None:
    t = parse_ticker("NIFTY03JUL2522800CE.NFO")
    assert (t.symbol, t.expiry, t.strike, t.right) == ("NIFTY", dt.date(2025, 7, 3), 22800.0, "CE")
    # the same text without the vendor suffix reads as an exchange monthly ticker first
    assert parse_ticker("NIFTY24JAN21500CE").expiry_month == (2024, 1)


def test_futures_forms() -> None:
    near = parse_ticker("NIFTY-I.NFO")
    assert (near.kind, near.symbol, near.series) == (TickerKind.FUTURE, "NIFTY", 1)
    assert parse_ticker("BANKNIFTY-II.NFO").series == 2
    assert parse_ticker("NIFTY-III").series == 3
    fut = parse_ticker("NIFTY24JANFUT")
    assert fut.kind is TickerKind.FUTURE and fut.expiry_month == (2024, 1)
    assert parse_ticker("NIFTY25JUL24FUT.NFO").expiry == dt.date(2024, 7, 25)


@pytest.mark.parametrize(("text", "symbol"), [
    ("NIFTY 50", "NIFTY"), ("NIFTY.NSE", "NIFTY"), ("NIFTY BANK.NSE_IDX", "BANKNIFTY"),
    ("INDIA VIX", "INDIAVIX"), ("SENSEX.BSE", "SENSEX"), ("nifty", "NIFTY")])
def test_index_names(text: str, symbol: str) -> None:
    t = parse_ticker(text)
    assert t.kind is TickerKind.INDEX and t.symbol == symbol


@pytest.mark.parametrize("text", ["FOO BAR", "NIFTY", "NIFTY24XYZ21500CE", "NIFTY25N3225700CE"])
def test_bad_tickers_name_themselves(text: str) -> None:
    if text == "NIFTY":
        assert parse_ticker(text).kind is TickerKind.INDEX
        return
    with pytest.raises(TickerError, match="ticker"):
        parse_ticker(text)


def test_impossible_vendor_date() -> None:
    with pytest.raises(TickerError, match="impossible date"):
        parse_ticker("NIFTY31JUN2522800CE.NFO")
