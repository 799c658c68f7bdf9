"""Trading calendar: weekends and listed NSE holidays never trade; sessions 09:15-15:30."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from engine.domain.calendar import TradingCalendar, load_calendar, user_holidays_path
from engine.domain.errors import CalendarError
from engine.errors import PosbtError


@pytest.fixture(scope="module")
def nse() -> TradingCalendar:
    return load_calendar("NSE")


def test_weekends_and_holidays_do_not_trade(nse: TradingCalendar) -> None:
    assert nse.is_trading_day(date(2024, 1, 25))  # Thursday, ordinary day
    assert not nse.is_trading_day(date(2024, 1, 27))  # Saturday
    assert not nse.is_trading_day(date(2024, 1, 28))  # Sunday
    assert not nse.is_trading_day(date(2024, 1, 26))  # Republic Day (Friday)
    assert not nse.is_trading_day(date(2024, 1, 22))  # special holiday, Ram temple
    assert not nse.is_trading_day(date(2024, 4, 11))  # Id-ul-Fitr (Thursday)
    assert nse.holiday_name(date(2024, 4, 11)) == "Id-ul-Fitr"
    assert nse.holiday_name(date(2024, 4, 12)) is None


def test_holiday_file_covers_2018_to_2026(nse: TradingCalendar) -> None:
    years = {d.year for d in nse.holidays}
    assert set(range(2018, 2027)) <= years
    # every listed holiday is a weekday (weekend holidays are not in the file)
    assert all(d.weekday() < 5 for d in nse.holidays)


def test_trading_days_in_a_range(nse: TradingCalendar) -> None:
    # 22-28 Jan 2024: Mon 22 holiday, Tue 23, Wed 24, Thu 25 trade, Fri 26 holiday, weekend
    assert nse.trading_days(date(2024, 1, 22), date(2024, 1, 28)) == [
        date(2024, 1, 23), date(2024, 1, 24), date(2024, 1, 25)]
    assert nse.trading_days(date(2024, 1, 28), date(2024, 1, 22)) == []
    # March 2024: 21 weekdays minus Mahashivratri (8), Holi (25), Good Friday (29) = 18
    assert len(nse.trading_days(date(2024, 3, 1), date(2024, 3, 31))) == 18


def test_previous_and_next_trading_day(nse: TradingCalendar) -> None:
    # Mon 22 Jan 2024 was a holiday: the day before Tue 23 Jan is Fri 19 Jan
    assert nse.previous_trading_day(date(2024, 1, 23)) == date(2024, 1, 19)
    # after Thu 25 Jan: Fri 26 holiday, weekend -> Mon 29 Jan
    assert nse.next_trading_day(date(2024, 1, 25)) == date(2024, 1, 29)
    assert nse.on_or_before(date(2024, 4, 11)) == date(2024, 4, 10)
    assert nse.on_or_before(date(2024, 4, 10)) == date(2024, 4, 10)


def test_session_times_are_naive_ist(nse: TradingCalendar) -> None:
    assert nse.session_open(date(2024, 1, 25)) == datetime(2024, 1, 25, 9, 15)
    assert nse.session_close(date(2024, 1, 25)) == datetime(2024, 1, 25, 15, 30)
    with pytest.raises(CalendarError, match=r"2024-01-26 is not a trading day \(Republic Day\)"):
        nse.session_open(date(2024, 1, 26))
    with pytest.raises(CalendarError, match="weekend"):
        nse.session_close(date(2024, 1, 27))


def test_bse_shares_nse_holidays(nse: TradingCalendar) -> None:
    bse = load_calendar("bse")
    assert bse.exchange == "BSE"
    assert nse.holidays <= bse.holidays


def test_user_file_is_merged_on_top(tmp_path: Path) -> None:
    extra = tmp_path / "holidays.csv"
    extra.write_text("exchange,date,description\nNSE,2027-01-26,Republic Day\n"
                     "NSE,2024-01-26,Republic Day (mine)\nMCX,2024-02-01,other exchange\n")
    assert user_holidays_path(tmp_path) == extra
    assert user_holidays_path(tmp_path / "nope") is None
    cal = load_calendar("NSE", extra=extra)
    assert not cal.is_trading_day(date(2027, 1, 26))  # a Tuesday, added by the user
    assert cal.holiday_name(date(2024, 1, 26)) == "Republic Day (mine)"
    assert cal.is_trading_day(date(2024, 2, 1))  # MCX rows are ignored for NSE


def test_bad_input_names_the_place(tmp_path: Path) -> None:
    bad = tmp_path / "h.csv"
    bad.write_text("exchange,date,description\nNSE,2024-01-26,ok\nNSE,26-01-2024,bad\n")
    with pytest.raises(CalendarError, match=r"h\.csv:3: bad date '26-01-2024'"):
        load_calendar("NSE", extra=bad)
    nohdr = tmp_path / "n.csv"
    nohdr.write_text("exch,day\nNSE,2024-01-26\n")
    with pytest.raises(CalendarError, match=r"n\.csv:1: missing column\(s\) exchange, date"):
        load_calendar("NSE", extra=nohdr)
    with pytest.raises(CalendarError, match="cannot read holiday file"):
        load_calendar("NSE", extra=tmp_path / "missing.csv")
    with pytest.raises(PosbtError, match="unknown exchange 'LSE'"):
        load_calendar("LSE")
