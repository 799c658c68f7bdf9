"""The synthetic market's two clocks: trading time for dynamics, calendar time for prices.

Data stage, used by ``paths.py`` (step sizes), ``vix.py`` and ``chain.py`` (time left to
an expiry). A trading day is 1/252 of a trading year: ``OVERNIGHT_SHARE`` of it is the
overnight gap (one step into the open), the rest spreads over the 375 one-minute steps
of the 09:15-15:30 IST session with a U-shaped intraday weight (busier open and close).
Each day therefore has 376 grid points: point 0 is the open (after the gap), point m
(1..375) the close of minute m. Bars are stamped at their close: the first 1-minute bar
is 09:16, the first 5-minute bar 09:20; daily bars are stamped 15:30.

Calendar time to expiry is minutes to 15:30 IST on expiry day / (365 * 24 * 60).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

SESSION_MINUTES: Final = 375
STEPS_PER_DAY: Final = SESSION_MINUTES + 1
TRADING_DAYS_PER_YEAR: Final = 252.0
OVERNIGHT_SHARE: Final = 0.12
MINUTES_PER_YEAR: Final = 365.0 * 24.0 * 60.0
SESSION_OPEN: Final = dt.time(9, 15)
SESSION_CLOSE: Final = dt.time(15, 30)
DAILY_BAR_MINUTES: Final = 1440


def intraday_weights() -> FloatArray:
    """Variance weight of each session minute (mean 1): a U shape, high at open and close."""
    m = np.arange(1, SESSION_MINUTES + 1, dtype=np.float64)
    w = 1.0 + 1.5 * np.exp(-(m - 1.0) / 20.0) + 0.6 * np.exp(-(SESSION_MINUTES - m) / 25.0)
    return np.asarray(w / w.mean(), dtype=np.float64)


def step_years() -> FloatArray:
    """Trading-time length (years) of each of a day's 376 steps; they sum to 1/252."""
    day = 1.0 / TRADING_DAYS_PER_YEAR
    minutes = (1.0 - OVERNIGHT_SHARE) * day * intraday_weights() / SESSION_MINUTES
    return np.concatenate(([OVERNIGHT_SHARE * day], minutes))


def day_fraction_at_points() -> FloatArray:
    """Fraction of the day's trading time elapsed at each of the 376 grid points.

    Point 0 (the open, after the overnight gap) is ``OVERNIGHT_SHARE``; point 375 is 1.
    """
    frac = np.cumsum(step_years()) * TRADING_DAYS_PER_YEAR
    frac[-1] = 1.0  # exactly: the close of expiry day leaves no trading time
    return np.asarray(frac, dtype=np.float64)


def bar_close_points(interval_minutes: int) -> IntArray:
    """Grid points (minutes after 09:15) at which bars of ``interval_minutes`` close."""
    if interval_minutes == DAILY_BAR_MINUTES:
        return np.array([SESSION_MINUTES], dtype=np.int64)
    if interval_minutes <= 0 or SESSION_MINUTES % interval_minutes:
        raise ValueError(f"interval_minutes must divide {SESSION_MINUTES}, got {interval_minutes}")
    return np.arange(interval_minutes, SESSION_MINUTES + 1, interval_minutes, dtype=np.int64)


def bar_timestamps(days: Sequence[dt.date], points: IntArray) -> npt.NDArray[np.datetime64]:
    """Close stamps (naive IST, minute resolution) of bars at ``points`` on each day.

    Shape ``(len(days), len(points))``.
    """
    day_arr = np.array([np.datetime64(d, "m") for d in days], dtype="datetime64[m]")
    open_offset = np.timedelta64(SESSION_OPEN.hour * 60 + SESSION_OPEN.minute, "m")
    offsets = points.astype("timedelta64[m]")
    stamps = day_arr[:, None] + open_offset + offsets[None, :]
    return np.asarray(stamps, dtype="datetime64[m]")


def expiry_close_stamp(expiries: Sequence[dt.date]) -> npt.NDArray[np.datetime64]:
    """15:30 IST on each expiry day, as minute-resolution stamps."""
    close = np.timedelta64(SESSION_CLOSE.hour * 60 + SESSION_CLOSE.minute, "m")
    days = np.array([np.datetime64(e, "m") for e in expiries], dtype="datetime64[m]")
    return np.asarray(days + close, dtype="datetime64[m]")


def calendar_years(ts: npt.NDArray[np.datetime64],
                   expiry_close: npt.NDArray[np.datetime64]) -> FloatArray:
    """Calendar years from ``ts`` to ``expiry_close`` (broadcast), floored at 0."""
    minutes = (expiry_close - ts).astype("timedelta64[m]").astype(np.float64)
    return np.asarray(np.maximum(minutes, 0.0) / MINUTES_PER_YEAR, dtype=np.float64)


def trading_years(day_index: IntArray | int, points: IntArray | int,
                  expiry_day_index: IntArray | int) -> FloatArray:
    """Trading years from grid point ``points`` of trading day ``day_index`` to the close of
    trading day ``expiry_day_index`` (indices into one trading-day list), floored at 0."""
    frac = day_fraction_at_points()[np.asarray(points)]
    days_left = np.asarray(expiry_day_index, dtype=np.float64) + 1.0 - np.asarray(day_index) - frac
    return np.asarray(np.maximum(days_left, 0.0) / TRADING_DAYS_PER_YEAR, dtype=np.float64)
