"""Closed sets of the domain stage: expiry kind and where an expiry came from."""

from __future__ import annotations

from enum import StrEnum


class ExpiryKind(StrEnum):
    """Weekly or monthly series; a date that is both is MONTHLY."""

    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"


class ExpirySource(StrEnum):
    """Where an expiry date came from: market data (wins) or the contract rules."""

    DATA = "DATA"
    GENERATED = "GENERATED"
