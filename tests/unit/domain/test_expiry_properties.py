"""Properties of generated expiries over random windows, checked by a second method.

The reference here is independent of ``generate_expiries``' day loop: for each month the
monthly date is found by scanning the calendar backwards from the month's last day for
the rule's weekday (then the holiday shift), which must equal the generated MONTHLY.
"""

from __future__ import annotations

import calendar as pycal
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.domain.calendar import TradingCalendar, load_calendar
from engine.domain.contracts import ContractMaster, load_contracts
from engine.domain.expiries import ExpiryKind, generate_expiries

MASTER: ContractMaster = load_contracts()
NSE: TradingCalendar = load_calendar("NSE")
BSE: TradingCalendar = load_calendar("BSE")


def _calendar(symbol: str) -> TradingCalendar:
    return BSE if symbol == "SENSEX" else NSE


@settings(max_examples=40, deadline=None)
@given(symbol=st.sampled_from(["NIFTY", "BANKNIFTY", "FINNIFTY", "MIDCPNIFTY", "SENSEX"]),
       start=st.dates(min_value=date(2018, 1, 1), max_value=date(2026, 10, 1)),
       span_days=st.integers(min_value=0, max_value=70))
def test_generated_expiries_are_sorted_trading_days(symbol: str, start: date,
                                                    span_days: int) -> None:
    cal = _calendar(symbol)
    end = start + timedelta(days=span_days)
    got = generate_expiries(symbol, start, end, MASTER, cal)
    dates = [e.date for e in got]
    assert dates == sorted(set(dates))
    assert all(start <= d <= end and cal.is_trading_day(d) for d in dates)
    # each expiry sits on (or a holiday shift of) its rule's weekday: the nominal date is
    # the first day at or after it, within a few days, whose weekday is the rule's
    for e in got:
        wd_of = (lambda s: s.monthly_expiry_weekday) if e.kind is ExpiryKind.MONTHLY else (
            lambda s: s.weekly_expiry_weekday)
        ok = False
        for k in range(0, 5):
            n = e.date + timedelta(days=k)
            spec = MASTER.find_spec(symbol, n)
            if spec is not None and wd_of(spec) == n.weekday():
                ok = all(not cal.is_trading_day(e.date + timedelta(days=j)) for j in range(1, k + 1))
                break
        assert ok, e


@pytest.mark.parametrize("symbol", ["NIFTY", "BANKNIFTY", "FINNIFTY", "SENSEX"])
@pytest.mark.parametrize("year", [2019, 2022, 2024, 2025, 2026])
def test_one_monthly_per_month_matches_a_backward_scan(symbol: str, year: int) -> None:
    cal = _calendar(symbol)
    first = MASTER.specs(symbol)[0].valid_from
    got = generate_expiries(symbol, date(year, 1, 1), date(year, 12, 31), MASTER, cal)
    monthlies = {(e.date.year, e.date.month): e.date for e in got if e.kind is ExpiryKind.MONTHLY}
    for month in range(1, 13):
        last = date(year, month, pycal.monthrange(year, month)[1])
        if last < first:
            continue
        d = last
        while d.weekday() != MASTER.spec(symbol, d).monthly_expiry_weekday:
            d -= timedelta(days=1)
        while not cal.is_trading_day(d):
            d -= timedelta(days=1)
        assert monthlies[(year, month)] == d
