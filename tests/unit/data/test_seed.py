"""Seeding the reference tables: rows land in the store once, matching the CSV files."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from engine.data.duckdb_store import DuckDBStore
from engine.data.seed import seed_reference_tables
from engine.domain.calendar import SHIPPED_HOLIDAYS
from engine.domain.contracts import SHIPPED_CONTRACTS


def test_seed_loads_instruments_and_holidays(mem_store: DuckDBStore) -> None:
    with SHIPPED_CONTRACTS.open() as f:
        n_contracts = sum(1 for _ in csv.DictReader(f))
    with SHIPPED_HOLIDAYS.open() as f:
        n_holidays = sum(1 for _ in csv.DictReader(f))
    result = seed_reference_tables(mem_store)
    assert result.inserted["instruments"] == n_contracts
    # NSE rows once for NSE and once for BSE (which shares the list)
    assert result.inserted["holidays"] == 2 * n_holidays
    row = mem_store.sql(
        "SELECT lot_size, weekly_expiry_weekday, monthly_expiry_weekday FROM instruments "
        "WHERE symbol = 'NIFTY' AND valid_from <= DATE '2024-06-01' "
        "AND (valid_to IS NULL OR valid_to >= DATE '2024-06-01')").to_pylist()
    assert row == [{"lot_size": 25, "weekly_expiry_weekday": 3, "monthly_expiry_weekday": 3}]
    again = seed_reference_tables(mem_store)  # idempotent
    assert again.inserted == {"instruments": 0, "holidays": 0}


def test_seed_with_user_holidays(mem_store: DuckDBStore, tmp_path: Path) -> None:
    extra = tmp_path / "holidays.csv"
    extra.write_text("exchange,date,description\nNSE,2027-01-26,Republic Day\n")
    seed_reference_tables(mem_store, extra_holidays=extra)
    got = mem_store.sql("SELECT exchange FROM holidays WHERE date = DATE '2027-01-26' "
                        "ORDER BY exchange").to_pylist()
    assert got == [{"exchange": "BSE"}, {"exchange": "NSE"}]
    assert date(2027, 1, 26).weekday() == 1  # a Tuesday, so it matters
