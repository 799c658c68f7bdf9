"""Contract facts a run needs (market stage): lot size by series and strike step by date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from engine.domain.contracts import ContractMaster


@dataclass(frozen=True)
class ContractInfo:
    """Contract facts the loop needs, injected so the loop stays testable."""

    lot_size: Callable[[dt.date, dt.date], int]      # (expiry, on) -> units per lot
    strike_step: Callable[[dt.date], float]          # on -> strike step in points

    @classmethod
    def from_master(cls, master: ContractMaster, symbol: str) -> ContractInfo:
        """Lot size by contract series (kept for an open contract) and strike step by date."""
        return cls(
            lot_size=lambda expiry, on: master.lot_size(symbol, expiry,
                                                        kind=master.infer_kind(symbol, expiry)),
            strike_step=lambda on: master.strike_step(symbol, on))
