"""Expiry generation against real NSE/BSE expiry dates, checked by hand."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from engine.domain.calendar import TradingCalendar, load_calendar
from engine.domain.contracts import ContractMaster, load_contracts
from engine.domain.errors import ContractError
from engine.domain.expiries import (
    Expiry,
    ExpiryKind,
    ExpirySource,
    expiry_rows,
    generate_expiries,
    listed_expiries,
    merge_expiries,
)

W, M = ExpiryKind.WEEKLY, ExpiryKind.MONTHLY


@pytest.fixture(scope="module")
def master() -> ContractMaster:
    return load_contracts()


@pytest.fixture(scope="module")
def nse() -> TradingCalendar:
    return load_calendar("NSE")


def gen(symbol: str, start: str, end: str, master: ContractMaster,
        cal: TradingCalendar) -> list[tuple[str, ExpiryKind]]:
    out = generate_expiries(symbol, date.fromisoformat(start), date.fromisoformat(end),
                            master, cal)
    return [(e.date.isoformat(), e.kind) for e in out]


def test_nifty_january_2024(master: ContractMaster, nse: TradingCalendar) -> None:
    # Thursdays 4, 11, 18 are weeklies; 25 Jan 2024 is the last Thursday -> monthly
    assert gen("NIFTY", "2024-01-01", "2024-01-31", master, nse) == [
        ("2024-01-04", W), ("2024-01-11", W), ("2024-01-18", W), ("2024-01-25", M)]


def test_nifty_moves_to_tuesday_in_september_2025(master: ContractMaster,
                                                  nse: TradingCalendar) -> None:
    # Aug monthly on the last Thursday (28 Aug); from 2 Sep weeklies on Tuesday and the
    # Sep monthly on the last Tuesday (30 Sep); no Thursday expiry after August
    assert gen("NIFTY", "2025-08-25", "2025-09-30", master, nse) == [
        ("2025-08-28", M), ("2025-09-02", W), ("2025-09-09", W), ("2025-09-16", W),
        ("2025-09-23", W), ("2025-09-30", M)]


def test_banknifty_wednesday_weeklies_thursday_monthlies(master: ContractMaster,
                                                         nse: TradingCalendar) -> None:
    # weeklies Wednesday from 6 Sep 2023; Sep monthly still last Thursday 28 Sep, and no
    # weekly on Wed 27 Sep (a monthly week lists no weekly)
    assert gen("BANKNIFTY", "2023-09-01", "2023-10-05", master, nse) == [
        ("2023-09-06", W), ("2023-09-13", W), ("2023-09-20", W), ("2023-09-28", M),
        ("2023-10-04", W)]
    # monthly moved to last Wednesday in March 2024: 27 Mar 2024 (Thu 28 is not one)
    assert ("2024-03-27", M) in gen("BANKNIFTY", "2024-03-01", "2024-03-31", master, nse)
    assert ("2024-02-29", M) in gen("BANKNIFTY", "2024-02-01", "2024-02-29", master, nse)


def test_banknifty_weeklies_end_13_nov_2024(master: ContractMaster, nse: TradingCalendar) -> None:
    # last weekly 13 Nov; then monthlies only: 27 Nov (last Wed); Dec: last Wed 25 Dec is
    # Christmas -> Tue 24 Dec; Jan 2025: monthlies on last Thursday -> 30 Jan
    assert gen("BANKNIFTY", "2024-11-10", "2025-01-31", master, nse) == [
        ("2024-11-13", W), ("2024-11-27", M), ("2024-12-24", M), ("2025-01-30", M)]


def test_holiday_moves_expiry_to_previous_trading_day(master: ContractMaster,
                                                      nse: TradingCalendar) -> None:
    # Thu 11 Apr 2024 is Id-ul-Fitr in holidays_nse.csv -> NIFTY weekly on Wed 10 Apr
    assert gen("NIFTY", "2024-04-08", "2024-04-12", master, nse) == [("2024-04-10", W)]
    # Thu 29 Jun 2023 is Bakri Id -> the June 2023 monthly expired Wed 28 Jun
    assert gen("NIFTY", "2023-06-26", "2023-06-30", master, nse) == [("2023-06-28", M)]


def test_shift_pulls_an_expiry_into_the_window(master: ContractMaster,
                                               nse: TradingCalendar) -> None:
    # window ends Wed 10 Apr 2024; the nominal Thu 11 Apr weekly lands on the 10th
    assert gen("NIFTY", "2024-04-10", "2024-04-10", master, nse) == [("2024-04-10", W)]
    assert gen("NIFTY", "2024-04-11", "2024-04-10", master, nse) == []


def test_sensex_weekday_changes(master: ContractMaster, nse: TradingCalendar) -> None:
    bse = load_calendar("BSE")
    # Friday until Dec 2024 (monthly last Friday 27 Dec), Tuesday from Jan 2025
    assert gen("SENSEX", "2024-12-16", "2025-01-14", master, bse) == [
        ("2024-12-20", W), ("2024-12-27", M), ("2025-01-07", W), ("2025-01-14", W)]
    # Thursday from Sep 2025; Thu 2 Oct 2025 is a holiday -> Wed 1 Oct
    assert gen("SENSEX", "2025-09-01", "2025-10-03", master, bse)[:1] == [("2025-09-04", W)]
    assert ("2025-10-01", W) in gen("SENSEX", "2025-09-29", "2025-10-03", master, bse)


def test_nifty_before_weeklies_existed(master: ContractMaster, nse: TradingCalendar) -> None:
    # 2018: NIFTY monthlies only; 25 Jan 2018 last Thursday, 22 Feb 2018 last Thursday
    assert gen("NIFTY", "2018-01-01", "2018-02-28", master, nse) == [
        ("2018-01-25", M), ("2018-02-22", M)]


def test_listed_expiries_window(master: ContractMaster, nse: TradingCalendar) -> None:
    on = date(2024, 1, 4)  # a weekly expiry day
    got = listed_expiries("NIFTY", on, 21, master, nse)
    # (4 Jan, 25 Jan]: 11, 18, 25 Jan; the expiry on 4 Jan itself is left out
    assert [e.date.day for e in got] == [11, 18, 25]
    with_today = listed_expiries("NIFTY", on, 21, master, nse, include_on=True)
    assert with_today[0] == Expiry(date(2024, 1, 4), W)
    with pytest.raises(ContractError, match="horizon_days must be >= 0"):
        listed_expiries("NIFTY", on, -1, master, nse)


def test_merge_prefers_data(master: ContractMaster, nse: TradingCalendar) -> None:
    generated = generate_expiries("NIFTY", date(2024, 1, 1), date(2024, 1, 31), master, nse)
    # the data says the January monthly was on the 24th and has a weekly on Fri 12 Jan
    data = [Expiry(date(2024, 1, 24), M), Expiry(date(2024, 1, 12), W)]
    merged = merge_expiries(generated, data)
    # Jan monthly 25th replaced by the 24th; the weekly of ISO week 2 (11th) by the 12th
    assert merged == [Expiry(date(2024, 1, 4), W), Expiry(date(2024, 1, 12), W),
                      Expiry(date(2024, 1, 18), W), Expiry(date(2024, 1, 24), M)]
    # a data date with another kind replaces the generated one on that date
    assert merge_expiries([Expiry(date(2024, 1, 18), W)], [Expiry(date(2024, 1, 18), M)]) == [
        Expiry(date(2024, 1, 18), M)]


def test_expiry_rows_shape() -> None:
    rows = expiry_rows("NIFTY", [Expiry(date(2024, 1, 25), M), Expiry(date(2024, 1, 4), W)],
                       "GENERATED")
    assert rows.column_names == ["symbol", "expiry", "kind", "source", "listed_from"]
    assert rows.schema.field("expiry").type == pa.date32()
    assert rows.to_pylist() == [
        {"symbol": "NIFTY", "expiry": date(2024, 1, 4), "kind": "WEEKLY", "source": "GENERATED",
         "listed_from": None},
        {"symbol": "NIFTY", "expiry": date(2024, 1, 25), "kind": "MONTHLY",
         "source": "GENERATED", "listed_from": None},
    ]
    # the first listed day, where given, by expiry date
    listed = expiry_rows("NIFTY", [Expiry(date(2024, 1, 25), M)], "GENERATED",
                         {date(2024, 1, 25): date(2023, 10, 27)})
    assert listed.column("listed_from").to_pylist() == [date(2023, 10, 27)]
    assert expiry_rows("X", [], ExpirySource.DATA).num_rows == 0
    with pytest.raises(ValueError):
        expiry_rows("X", [], "VENDOR")


def test_unknown_symbol(master: ContractMaster, nse: TradingCalendar) -> None:
    with pytest.raises(ContractError, match="unknown symbol 'FOO'"):
        generate_expiries("FOO", date(2024, 1, 1), date(2024, 1, 31), master, nse)
