"""One expiry's option quotes at one time (market stage), as the selection rules read them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.domain.structures import Right


@dataclass(frozen=True)
class ChainSlice:
    """One expiry's quotes at one time: strikes, rights, close prices and (maybe) deltas."""

    strikes: np.ndarray
    rights: np.ndarray  # of str "CE"/"PE"
    closes: np.ndarray
    deltas: np.ndarray  # NaN where unknown
    volume: np.ndarray | None = None  # NaN where unknown
    oi: np.ndarray | None = None
    bid: np.ndarray | None = None
    ask: np.ndarray | None = None

    def field(self, name: str, strike: float, right: Right) -> float:
        """One column's value for a contract (NaN when absent)."""
        arr = getattr(self, name)
        mask = (self.strikes == strike) & (self.rights == right.value)
        if arr is None or not mask.any():
            return float("nan")
        return float(arr[mask][0])

    def price(self, strike: float, right: Right) -> float | None:
        """Close of the contract, or None when the chain has no quote for it."""
        mask = (self.strikes == strike) & (self.rights == right.value)
        if not mask.any():
            return None
        value = float(self.closes[mask][0])
        return value if np.isfinite(value) and value > 0 else None
