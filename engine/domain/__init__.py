"""Domain stage: contract master, trading calendar and expiries (plus Leg / Structure).

The first stage every other one leans on: what a contract is (lot size, strike step,
expiry weekdays by date), which days trade, and which dates expire.
"""

from engine.domain.calendar import TradingCalendar, load_calendar
from engine.domain.contracts import ContractMaster, ContractSpec, load_contracts
from engine.domain.expiries import (
    Expiry,
    ExpiryKind,
    ExpirySource,
    expiry_rows,
    generate_expiries,
    listed_expiries,
    merge_expiries,
)

__all__ = [
    "ContractMaster",
    "ContractSpec",
    "Expiry",
    "ExpiryKind",
    "ExpirySource",
    "TradingCalendar",
    "expiry_rows",
    "generate_expiries",
    "listed_expiries",
    "load_calendar",
    "load_contracts",
    "merge_expiries",
]
