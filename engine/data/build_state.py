"""Bookkeeping of a demo build (data stage): which symbol a ``posbt data demo`` was building
when it stopped, read by the builder (to resume) and by ``posbt data check`` / ``data info``
(to say so)."""

from __future__ import annotations

from typing import Final, Protocol, runtime_checkable

from engine.data.store import Store

BUILD_KEY: Final = "demo_build"


@runtime_checkable
class BookkeepingStore(Protocol):
    """A store that keeps ``store_meta`` values and can drop a symbol's partial demo rows."""

    def get_meta(self, key: str) -> str | None:
        """A bookkeeping value, None when unset."""

    def set_meta(self, key: str, value: str | None) -> None:
        """Set or (None) clear a bookkeeping value, committed at once."""

    def discard_symbol(self, symbol: str) -> int:
        """Remove the symbol's option bars and generated expiries; returns bars removed."""


def interrupted_build(store: Store) -> str | None:
    """The symbol whose demo build was interrupted (its mark is set and it has no index
    bars), else None."""
    if not isinstance(store, BookkeepingStore):
        return None
    symbol = store.get_meta(BUILD_KEY)
    if symbol is None or series_state(store, symbol) == "complete":
        return None
    return symbol


def series_state(store: Store, symbol: str) -> str:
    """"complete" when ``symbol`` has index bars, "partial" when it has option bars only,
    else "absent" (cheap queries: no scan of option_bars unless index bars are missing)."""
    latest = store.query("vol_latest_ts", {"symbol": symbol}).column("ts")[0].as_py()
    if latest is not None:
        return "complete"
    if store.query("vol_option_intervals", {"symbol": symbol}).num_rows:
        return "partial"
    return "absent"
