"""Seed the store's reference tables (``instruments``, ``holidays``) from the domain files.

Domain stage, run when a store is built (``posbt data demo``, imports): the contract
master and the holiday list go into the store so SQL can join on them. Loads are
idempotent (the store skips rows whose key it already has), so seeding twice adds nothing.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from engine.data.store import LoadResult, Store
from engine.domain.calendar import SHIPPED_HOLIDAYS, read_holidays
from engine.domain.contracts import ContractMaster, load_contracts


def instrument_rows(master: ContractMaster) -> pa.Table:
    """The contract master in the shape of the ``instruments`` table."""
    specs = master.all_specs()
    return pa.table({
        "symbol": pa.array([s.symbol for s in specs], pa.string()),
        "valid_from": pa.array([s.valid_from for s in specs], pa.date32()),
        "valid_to": pa.array([s.valid_to for s in specs], pa.date32()),
        "exchange": pa.array([s.exchange for s in specs], pa.string()),
        "lot_size": pa.array([s.lot_size for s in specs], pa.int32()),
        "strike_step": pa.array([s.strike_step for s in specs], pa.float64()),
        "weekly_expiry_weekday": pa.array([s.weekly_expiry_weekday for s in specs], pa.int16()),
        "monthly_expiry_weekday": pa.array([s.monthly_expiry_weekday for s in specs], pa.int16()),
    })


def holiday_rows(exchanges: tuple[str, ...] = ("NSE", "BSE"),
                 extra: Path | None = None) -> pa.Table:
    """Holidays of ``exchanges`` (shipped list plus ``extra``) as ``holidays`` rows.

    BSE shares NSE's list for index derivatives, so each exchange gets the NSE dates
    plus any rows of its own.
    """
    ex_col: list[str] = []
    day_col: list[object] = []
    desc_col: list[str] = []
    for exchange in exchanges:
        lists = (exchange,) if exchange == "NSE" else (exchange, "NSE")
        found = read_holidays(SHIPPED_HOLIDAYS, lists)
        if extra is not None:
            found.update(read_holidays(extra, lists))
        for d in sorted(found):
            ex_col.append(exchange)
            day_col.append(d)
            desc_col.append(found[d])
    return pa.table({
        "exchange": pa.array(ex_col, pa.string()),
        "date": pa.array(day_col, pa.date32()),
        "description": pa.array(desc_col, pa.string()),
    })


def seed_reference_tables(store: Store, *, contracts: Path | None = None,
                          extra_holidays: Path | None = None) -> LoadResult:
    """Load instruments and holidays into ``store`` in one transaction; returns the counts."""
    master = load_contracts(contracts)
    exchanges = tuple(sorted({s.exchange for s in master.all_specs()} | {"NSE"}))
    with store.load() as tx:
        tx.append("instruments", instrument_rows(master))
        tx.append("holidays", holiday_rows(exchanges, extra_holidays))
    return tx.result
