"""Contract master: date-ranged rows, lot sizes by series, and bad rows named by line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from engine.domain.contracts import ContractMaster, ContractSpec, load_contracts
from engine.domain.errors import ContractError
from engine.domain.kinds import ExpiryKind

HEADER = ("symbol,valid_from,valid_to,exchange,lot_size,strike_step,"
          "weekly_expiry_weekday,monthly_expiry_weekday\n")


@pytest.fixture(scope="module")
def master() -> ContractMaster:
    return load_contracts()


def test_symbols_and_rows(master: ContractMaster) -> None:
    assert master.symbols() == ("BANKEX", "BANKNIFTY", "FINNIFTY", "MIDCPNIFTY", "NIFTY",
                                "SENSEX")
    for symbol in ("NIFTY", "BANKNIFTY", "SENSEX"):
        assert master.specs(symbol)[0].valid_from <= date(2018, 1, 1)
        assert master.specs(symbol)[-1].valid_to is None  # open-ended into 2026+
    assert master.strike_step("NIFTY", date(2024, 6, 1)) == 50
    assert master.strike_step("BANKNIFTY", date(2024, 6, 1)) == 100
    assert master.spec("SENSEX", date(2024, 6, 1)).exchange == "BSE"
    assert master.exchange("SENSEX") == "BSE"
    assert master.exchange("NIFTY") == "NSE"


def test_lot_size_in_force_on_a_date(master: ContractMaster) -> None:
    # new NIFTY series: 25 from 26 Apr 2024, 75 from 20 Nov 2024 (REFERENCE.md table)
    assert master.spec("NIFTY", date(2024, 6, 1)).lot_size == 25
    assert master.spec("NIFTY", date(2025, 1, 2)).lot_size == 75
    assert master.spec("BANKNIFTY", date(2023, 8, 1)).lot_size == 15


def test_weekdays_by_date(master: ContractMaster) -> None:
    # NIFTY weekly Thursday (3) until Aug 2025, Tuesday (1) from 2 Sep 2025
    assert master.spec("NIFTY", date(2025, 8, 28)).weekly_expiry_weekday == 3
    assert master.spec("NIFTY", date(2025, 9, 2)).weekly_expiry_weekday == 1
    # BANKNIFTY Sep 2023 - Feb 2024: weekly Wednesday but monthly still Thursday
    s = master.spec("BANKNIFTY", date(2024, 1, 10))
    assert (s.weekly_expiry_weekday, s.monthly_expiry_weekday) == (2, 3)
    # after 13 Nov 2024 BANKNIFTY has no weeklies
    assert master.spec("BANKNIFTY", date(2024, 11, 20)).weekly_expiry_weekday is None


def test_lot_size_of_a_contract_by_expiry(master: ContractMaster) -> None:
    assert master.lot_size("NIFTY", date(2024, 6, 27)) == 25  # June 2024 monthly
    assert master.lot_size("NIFTY", date(2025, 1, 2)) == 75  # first weekly at 75
    # Apr 2024 revision applied to all contracts expiring after 25 Apr 2024, including
    # the May monthly listed in February: 25, while the Apr 25 monthly stayed 50
    assert master.lot_size("NIFTY", date(2024, 5, 30)) == 25
    assert master.lot_size("NIFTY", date(2024, 4, 25)) == 50


def test_open_contract_keeps_its_lot_across_a_revision(master: ContractMaster) -> None:
    # NIFTY 25 -> 75 on 20 Nov 2024 for new series only: the Jan 2025 monthly (listed
    # Oct 2024) kept 25 to its expiry on 30 Jan 2025 while the 2 Jan weekly traded at 75
    assert master.lot_size("NIFTY", date(2025, 1, 30)) == 25
    assert master.lot_size("NIFTY", date(2025, 1, 30), kind=ExpiryKind.MONTHLY) == 25
    assert master.lot_size("NIFTY", date(2025, 2, 27)) == 75
    # BANKNIFTY 30 -> 35 from 25 Apr 2025; the June 2025 monthly keeps 30, July has 35
    assert master.lot_size("BANKNIFTY", date(2025, 6, 26)) == 30
    assert master.lot_size("BANKNIFTY", date(2025, 7, 31)) == 35


def test_listing_date_decides_without_published_first_expiries() -> None:
    # toy master: lot 50 -> 25 from 2024-03-01 with no first-expiry columns
    m = ContractMaster([
        _spec("TOY", date(2024, 1, 1), date(2024, 2, 29), 50),
        _spec("TOY", date(2024, 3, 1), None, 25),
    ])
    # monthly 2024-04-25 listed (default) 91 days before: 2024-01-25 < 2024-03-01 -> 50
    assert m.lot_size("TOY", date(2024, 4, 25), kind=ExpiryKind.MONTHLY) == 50
    # weekly 2024-04-25 listed 35 days before: 2024-03-21 >= 2024-03-01 -> 25
    assert m.lot_size("TOY", date(2024, 4, 25), kind=ExpiryKind.WEEKLY) == 25
    # an explicit listing date wins over the model
    assert m.lot_size("TOY", date(2024, 4, 25), listed_on=date(2024, 3, 1)) == 25
    assert m.lot_size("TOY", date(2024, 4, 25), listed_on=date(2024, 2, 29)) == 50
    # inferred kind: 2024-04-25 is the last Thursday of April -> MONTHLY -> 50
    assert m.infer_kind("TOY", date(2024, 4, 25)) is ExpiryKind.MONTHLY
    assert m.infer_kind("TOY", date(2024, 4, 18)) is ExpiryKind.WEEKLY


def test_unknown_symbol_and_dates_before_first_row(master: ContractMaster) -> None:
    with pytest.raises(ContractError, match="unknown symbol 'NIFTYX'"):
        master.spec("NIFTYX", date(2024, 1, 1))
    with pytest.raises(ContractError, match="no contract rule for NIFTY on 2017-12-29"):
        master.spec("NIFTY", date(2017, 12, 29))
    with pytest.raises(ContractError, match="NIFTY expiring 2017-12-28"):
        master.lot_size("NIFTY", date(2017, 12, 28))
    assert master.find_spec("NIFTY", date(2017, 12, 29)) is None


@pytest.mark.parametrize(("row", "message"), [
    ("NIFTY,2024-13-01,,NSE,25,50,3,3", r"c\.csv:2: valid_from: bad date '2024-13-01'"),
    ("NIFTY,2024-01-01,,NSE,0,50,3,3", r"c\.csv:2: lot_size: '0' is not a positive"),
    ("NIFTY,2024-01-01,,NSE,25,-5,3,3", r"c\.csv:2: strike_step: '-5' is not positive"),
    ("NIFTY,2024-01-01,,NSE,25,50,7,3", r"weekly_expiry_weekday: '7' is not a weekday"),
    ("NIFTY,2024-01-01,,NSE,25,50,3,", r"monthly_expiry_weekday: '' is not a number"),
    ("NIFTY,2024-01-01,2023-01-01,NSE,25,50,3,3", "valid_to 2023-01-01 is before"),
    (",2024-01-01,,NSE,25,50,3,3", r"c\.csv:2: symbol: empty"),
])
def test_bad_rows_name_file_line_and_field(tmp_path: Path, row: str, message: str) -> None:
    path = tmp_path / "c.csv"
    path.write_text(HEADER + row + "\n")
    with pytest.raises(ContractError, match=message):
        load_contracts(path)


def test_bad_files(tmp_path: Path) -> None:
    gap = tmp_path / "gap.csv"
    gap.write_text(HEADER + "NIFTY,2024-01-01,2024-01-31,NSE,25,50,3,3\n"
                   "NIFTY,2024-03-01,,NSE,25,50,3,3\n")
    with pytest.raises(ContractError, match=r"gap\.csv:3: NIFTY rows must be contiguous"):
        load_contracts(gap)
    cols = tmp_path / "cols.csv"
    cols.write_text("symbol,valid_from\nNIFTY,2024-01-01\n")
    with pytest.raises(ContractError, match=r"cols\.csv:1: missing column\(s\) valid_to"):
        load_contracts(cols)
    empty = tmp_path / "empty.csv"
    empty.write_text(HEADER)
    with pytest.raises(ContractError, match="has no rows"):
        load_contracts(empty)
    with pytest.raises(ContractError, match="cannot read contract master"):
        load_contracts(tmp_path / "missing.csv")


def _spec(symbol: str, start: date, end: date | None, lot: int) -> ContractSpec:
    return ContractSpec(symbol=symbol, valid_from=start, valid_to=end, exchange="NSE",
                        lot_size=lot, strike_step=50.0, weekly_expiry_weekday=3,
                        monthly_expiry_weekday=3)


@pytest.mark.parametrize(("symbol", "expiry", "lot"), [
    # NIFTY 75 -> 50 (NSE/FAOP/47854): July 2021 monthly and August weeklies onwards
    ("NIFTY", date(2021, 7, 22), 75),  # July weekly kept 75
    ("NIFTY", date(2021, 7, 29), 50),  # July monthly
    ("NIFTY", date(2021, 8, 5), 50),  # first August weekly
    ("NIFTY", date(2021, 6, 24), 75),  # June monthly
    # BANKNIFTY 40 -> 20 on 26 Oct 2018 for every open contract
    ("BANKNIFTY", date(2018, 10, 25), 40),  # Oct monthly expired the day before
    ("BANKNIFTY", date(2018, 11, 1), 20),
    ("BANKNIFTY", date(2018, 12, 27), 20),
    # BANKNIFTY 20 -> 25 for contracts expiring on or after 30 Jul 2020
    ("BANKNIFTY", date(2020, 7, 23), 20),
    ("BANKNIFTY", date(2020, 7, 30), 25),
    # BANKNIFTY 25 -> 15: weeklies up to 20 Jul 2023 kept 25, July monthly 27 Jul at 15
    ("BANKNIFTY", date(2023, 7, 20), 25),
    ("BANKNIFTY", date(2023, 7, 27), 15),
    ("BANKNIFTY", date(2023, 8, 3), 15),
    # FINNIFTY 40 -> 25: July 2024 weeklies kept 40; monthly 30 Jul and weekly 6 Aug at 25
    ("FINNIFTY", date(2024, 7, 23), 40),
    ("FINNIFTY", date(2024, 7, 30), 25),
    ("FINNIFTY", date(2024, 8, 6), 25),
])
def test_published_revisions(master: ContractMaster, symbol: str, expiry: date, lot: int) -> None:
    assert master.lot_size(symbol, expiry) == lot
