"""Shared fixtures for importer tests: the fixture folder and a store with a contract master."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from engine.data.duckdb_store import DuckDBStore

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "importers"


def fixture(name: str) -> Path:
    """Path of a fixture file."""
    return FIXTURES / name


def add_lot_sizes(store: DuckDBStore) -> None:
    """NIFTY lot 75 and BANKNIFTY lot 40 from 2016 (the 2018 sizes), steps 50 and 100."""
    with store.load() as tx:
        tx.append("instruments", pa.table({
            "symbol": ["NIFTY", "BANKNIFTY"], "valid_from": [dt.date(2016, 1, 1)] * 2,
            "exchange": ["NSE", "NSE"], "lot_size": pa.array([75, 40], pa.int32()),
            "strike_step": [50.0, 100.0],
            "monthly_expiry_weekday": pa.array([3, 3], pa.int16())}))


@pytest.fixture
def store() -> Iterator[DuckDBStore]:
    """An in-memory store holding a small contract master."""
    s = DuckDBStore(":memory:")
    add_lot_sizes(s)
    yield s
    s.close()


def snapshot(store: DuckDBStore) -> dict[str, int]:
    """Row counts of every table, to show a rejected file changed nothing."""
    return store.table_counts()
