"""The decision grid of a run (market stage): spot bars over the backtest window."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import numpy as np


def to_datetime(ts: np.datetime64) -> dt.datetime:
    """numpy datetime64 -> naive datetime (IST wall time)."""
    micros = int(ts.astype("datetime64[us]").astype(np.int64))
    return dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=micros)


@dataclass(frozen=True)
class Timeline:
    """The decision grid of a run: spot bars over the backtest window."""

    ts: np.ndarray      # datetime64[us]
    close: np.ndarray   # spot close
    open: np.ndarray    # spot open
    days: np.ndarray    # datetime64[D] of each bar

    def __len__(self) -> int:
        return int(self.ts.size)

    @cached_property
    def trading_days(self) -> np.ndarray:
        """The distinct days of the grid, ascending (``days`` is sorted: one pass, once)."""
        if self.days.size == 0:
            return self.days.copy()
        first = np.ones(self.days.size, dtype=bool)
        first[1:] = self.days[1:] != self.days[:-1]
        return np.asarray(self.days[first])
