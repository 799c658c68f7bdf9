"""Constructed bar series whose levels are known by construction."""

from __future__ import annotations

import numpy as np

from engine.structure.types import Bars


def daily_stamps(n: int, start: str = "2024-01-01") -> np.ndarray:
    """n daily close stamps (15:30) on consecutive calendar days."""
    days = np.datetime64(start, "D") + np.arange(n)
    return days.astype("datetime64[us]") + np.timedelta64(15 * 60 + 30, "m")


def bars_from_closes(closes: np.ndarray, wick: float = 0.0, start: str = "2024-01-01",
                     volume: np.ndarray | None = None) -> Bars:
    """Bars that open at the previous close and close at ``closes``; high/low +/- ``wick``."""
    c = np.asarray(closes, dtype=float)
    o = np.concatenate([[c[0]], c[:-1]])
    return Bars.from_arrays(daily_stamps(c.size, start), o, np.maximum(o, c) + wick,
                            np.minimum(o, c) - wick, c, volume)


def bounce(n_cycles: int = 8, lo: float = 100.0, hi: float = 110.0, step: float = 2.0) -> np.ndarray:
    """Closes going lo -> hi -> lo in ``step`` moves, ``n_cycles`` times (ends at lo)."""
    up = np.arange(lo, hi, step)
    down = np.arange(hi, lo, -step)
    return np.concatenate([np.concatenate([up, down]) for _ in range(n_cycles)] + [[lo]])
