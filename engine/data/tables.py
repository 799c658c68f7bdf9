"""The canonical tables: their key columns (used to de-duplicate loads) and sort order.

The schema text itself lives in ``sql/<engine>/schema/*.sql``; this module only names
what the Python side needs to know about each table.
"""

from __future__ import annotations

from typing import Final

TABLE_KEYS: Final[dict[str, tuple[str, ...]]] = {
    "instruments": ("symbol", "valid_from"),
    "holidays": ("exchange", "date"),
    "expiries": ("symbol", "expiry", "source"),
    "spot_bars": ("symbol", "bar_minutes", "ts"),
    "futures_bars": ("symbol", "expiry", "bar_minutes", "ts"),
    "option_bars": ("symbol", "expiry", "strike", "right", "bar_minutes", "ts"),
    "vix_bars": ("symbol", "bar_minutes", "ts"),
    "daily_features": ("symbol", "trade_date"),
    "sr_levels": ("symbol", "as_of", "method", "level"),
    "events": ("date", "symbol", "name"),
}

# Columns a load merges as the earliest of the stored and the offered value instead of
# comparing or overwriting them: ``expiries.listed_from``, an expiry's first listed day. Each
# daily file shows its own first day of an expiry (29 Jul's file says 29 Jul for an expiry
# stored from 26 Jul): that is no difference, and a replacing (corrected) file never moves
# it forward; a file of earlier days moves it back. NULL (not known) yields to a date.
TABLE_EARLIEST: Final[dict[str, tuple[str, ...]]] = {
    "expiries": ("listed_from",),
}

# Tables whose rows are kept physically sorted so a time slice is a contiguous range.
TABLE_SORT: Final[dict[str, tuple[str, ...]]] = {
    "option_bars": ("symbol", "ts"),
    "spot_bars": ("symbol", "ts"),
    "vix_bars": ("symbol", "ts"),
    "futures_bars": ("symbol", "ts"),
}

BAR_TABLES: Final[tuple[str, ...]] = ("spot_bars", "futures_bars", "option_bars", "vix_bars")
