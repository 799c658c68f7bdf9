"""The decision grid of a run (market stage): spot bars over the backtest window."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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
