"""Trading calendar realism: holidays through 2026 on both exchanges, special sessions."""

from __future__ import annotations

from datetime import date

from engine.domain.calendar import load_calendar


def test_holidays_run_through_2026_on_nse_and_bse() -> None:
    for exchange in ("NSE", "BSE"):
        cal = load_calendar(exchange)
        # Republic Day and Christmas 2026 (a Monday and a Friday): closed
        assert not cal.is_trading_day(date(2026, 1, 26))
        assert not cal.is_trading_day(date(2026, 12, 25))
        assert cal.is_trading_day(date(2026, 12, 24))


def test_special_sessions_have_a_session_but_are_never_expiry_days() -> None:
    cal = load_calendar("BSE")
    budget = date(2025, 2, 1)  # Union Budget, a Saturday session
    assert budget.weekday() == 5 and not cal.is_trading_day(budget) and cal.has_session(budget)
    muhurat = date(2024, 11, 1)  # Diwali: a holiday with an evening session
    assert cal.holiday_name(muhurat) is not None and cal.has_session(muhurat)
    # an expiry falling on such a day still moves to the previous trading day
    assert cal.on_or_before(muhurat) == date(2024, 10, 31)
    assert not cal.has_session(date(2025, 2, 2))  # the Sunday after


def test_2026_special_sessions_on_both_exchanges() -> None:
    for exchange in ("NSE", "BSE"):
        cal = load_calendar(exchange)
        for day in (date(2026, 2, 1), date(2026, 11, 8)):  # Budget, Muhurat: both Sundays
            assert day.weekday() == 6 and cal.has_session(day) and not cal.is_trading_day(day)
