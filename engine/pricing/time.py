"""Time to expiry in years, the clock every pricing formula runs on (pricing stage).

posbt's year basis: minutes from the valuation time to 15:30 IST on the expiry day,
divided by 365 * 24 * 60 (a 365-day calendar year, weekends and holidays included),
clipped at 0 once the contract has expired. Store timestamps are naive IST (bar close);
a timezone-aware ``datetime`` is converted to IST first. The valuation time is always an
argument, never read from a clock.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import overload

import numpy as np
import numpy.typing as npt

IST = timezone(timedelta(hours=5, minutes=30), "IST")
MINUTES_PER_YEAR = 365.0 * 24.0 * 60.0
EXPIRY_CLOSE_MINUTES = 15 * 60 + 30  # 15:30 IST, the settlement time on expiry day

DateTimeArray = npt.NDArray[np.datetime64]


def _naive_ist(at: datetime) -> datetime:
    if at.tzinfo is None:
        return at
    return at.astimezone(IST).replace(tzinfo=None)


@overload
def t_years(at: datetime, expiry: date) -> float: ...
@overload
def t_years(at: datetime | DateTimeArray, expiry: date | DateTimeArray
            ) -> float | npt.NDArray[np.float64]: ...
def t_years(at: datetime | DateTimeArray, expiry: date | DateTimeArray
            ) -> float | npt.NDArray[np.float64]:
    """Years from ``at`` to 15:30 IST on ``expiry``: minutes / (365*24*60), clipped at 0.

    Args:
        at: valuation time, naive IST (or aware, converted), or a datetime64 array.
        expiry: expiry date, or a datetime64[D] array (broadcasts against ``at``).

    Returns:
        A float for scalar inputs, a float64 array otherwise. NaT gives NaN.
    """
    if isinstance(at, datetime) and isinstance(expiry, date) and not isinstance(expiry, datetime):
        close = datetime(expiry.year, expiry.month, expiry.day) + timedelta(
            minutes=EXPIRY_CLOSE_MINUTES)
        minutes = (close - _naive_ist(at)).total_seconds() / 60.0
        return max(minutes, 0.0) / MINUTES_PER_YEAR
    at_arr = np.asarray(_naive_ist(at) if isinstance(at, datetime) else at, dtype="datetime64[ns]")
    exp_arr = np.asarray(expiry, dtype="datetime64[D]").astype("datetime64[ns]")
    close_arr = exp_arr + np.timedelta64(EXPIRY_CLOSE_MINUTES, "m")
    try:
        minutes = (close_arr - at_arr) / np.timedelta64(1, "m")
    except ValueError:
        raise ValueError(f"expiry: shape {exp_arr.shape} does not broadcast with "
                         f"at: shape {at_arr.shape}") from None
    return np.asarray(np.maximum(minutes, 0.0) / MINUTES_PER_YEAR, dtype=np.float64)
