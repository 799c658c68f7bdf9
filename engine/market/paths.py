"""Leg quote paths over a stretch of the timeline (market stage)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PATH_FIELDS: tuple[str, ...] = ("open", "close", "high", "low", "bid", "ask", "delta", "gamma",
                                "vega", "theta", "iv")


@dataclass(frozen=True)
class LegPaths:
    """Leg quotes on the timeline positions [i0, i1]; columns are legs in the given order."""

    i0: int
    open: np.ndarray    # (n_bars, n_legs), forward-filled
    close: np.ndarray
    high: np.ndarray
    low: np.ndarray
    bid: np.ndarray
    ask: np.ndarray
    delta: np.ndarray   # NaN where not enriched
    gamma: np.ndarray
    vega: np.ndarray
    theta: np.ndarray
    iv: np.ndarray      # NaN where not enriched (filled by valuation.fill_missing_greeks)
    stale: np.ndarray   # True where the bar had no quote and the previous one was carried


def ffill_inplace(a: np.ndarray) -> None:
    """Carry the last finite value down each column (NaN before the first stays NaN)."""
    n = a.shape[0]
    idx = np.where(np.isfinite(a), np.arange(n)[:, None], 0)
    np.maximum.accumulate(idx, axis=0, out=idx)
    filled = a[idx, np.arange(a.shape[1])[None, :]]
    first_ok = np.isfinite(a).argmax(axis=0)
    never = ~np.isfinite(a).any(axis=0)
    mask = np.arange(n)[:, None] < first_ok[None, :]
    filled[mask] = np.nan
    filled[:, never] = np.nan
    a[:] = filled
