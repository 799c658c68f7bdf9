"""Lifecycle vocabulary of a position: its states, the allowed steps, and why it closes.

Domain stage (the bottom layer): closed sets that the strategy rules produce and the result
records carry, so both can name them without importing each other.
"""

from __future__ import annotations

from enum import StrEnum


class PositionState(StrEnum):
    """Lifecycle of a position (DESIGN: PENDING -> OPEN -> ADJUSTING -> OPEN ... -> CLOSING -> CLOSED)."""

    PENDING = "PENDING"
    OPEN = "OPEN"
    ADJUSTING = "ADJUSTING"
    CLOSING = "CLOSING"
    CLOSED = "CLOSED"


ALLOWED_TRANSITIONS: frozenset[tuple[PositionState, PositionState]] = frozenset({
    (PositionState.PENDING, PositionState.OPEN),
    (PositionState.PENDING, PositionState.CLOSED),     # entry abandoned (no quote, filter)
    (PositionState.OPEN, PositionState.ADJUSTING),
    (PositionState.ADJUSTING, PositionState.OPEN),
    (PositionState.OPEN, PositionState.CLOSING),
    (PositionState.CLOSING, PositionState.CLOSED),
})


class ExitReason(StrEnum):
    """Why a position was closed."""

    PROFIT_TARGET = "PROFIT_TARGET"
    TRAILING_STOP = "TRAILING_STOP"
    STOP_LOSS = "STOP_LOSS"
    MAX_LOSS = "MAX_LOSS"
    VOL_EXPANSION = "VOL_EXPANSION"
    VOL_CONTRACTION = "VOL_CONTRACTION"
    IVP_EXTREME = "IVP_EXTREME"
    IV_CRUSH = "IV_CRUSH"
    VOL_LIMIT = "VOL_LIMIT"
    TIME_EXIT = "TIME_EXIT"
    EXPIRY = "EXPIRY"
    GREEK_DELTA = "GREEK_DELTA"
    GREEK_GAMMA = "GREEK_GAMMA"
    GREEK_VEGA = "GREEK_VEGA"
    SR_BREAK = "SR_BREAK"
    BREAKEVEN = "BREAKEVEN"
    END_OF_DATA = "END_OF_DATA"
