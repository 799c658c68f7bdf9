"""Daily ATM IV history from the store: one value per trading day (volatility stage).

Input: option bars through the ``vol_daily_atm`` query (SQL does the heavy part: each
day's last bar, the parity forward and the ATM strike per expiry). Here: IVs the store
has not filled are solved with ``engine.pricing.implied_vol``, then each day's listed
expiries become constant-maturity IVs (``term.py``) and a front/back pair. Output feeds
``snapshot.py`` (history for IVP / IVR) and ``features.py`` (the daily_features table).

Front and back tenors: the first two listed expiries at least ``MIN_FRONT_T_YEARS`` (one
calendar day) away from the bar, so an expiring contract's last hours do not count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from engine.data.store import Store
from engine.pricing import implied_vol
from engine.volatility.chain import ExpiryATM
from engine.volatility.percentile import FloatArray
from engine.volatility.term import (
    CONSTANT_MATURITY_DAYS,
    DAYS_PER_YEAR,
    constant_maturity_ivs,
)

MIN_FRONT_T_YEARS = 1.0 / 365.0
DEFAULT_MAX_DTE = 120
DAILY_MINUTES = 1440


@dataclass(frozen=True)
class TermPoint:
    """One day's (or one bar's) term-structure summary."""

    iv_by_days: dict[int, float]  # constant maturities (7, 30, 60 days)
    front: ExpiryATM | None
    back: ExpiryATM | None


def summarise(atms: list[ExpiryATM],
              days: tuple[int, ...] = CONSTANT_MATURITY_DAYS) -> TermPoint:
    """Constant-maturity IVs and the front/back expiries of one chain's ATM figures."""
    usable = sorted((a for a in atms if math.isfinite(a.atm_iv) and a.t_years > 0),
                    key=lambda a: a.t_years)
    cm = constant_maturity_ivs([a.t_years for a in usable], [a.atm_iv for a in usable], days)
    listed = [a for a in usable if a.t_years >= MIN_FRONT_T_YEARS]
    front = listed[0] if listed else None
    back = listed[1] if len(listed) > 1 else None
    return TermPoint(cm, front, back)


@dataclass(frozen=True)
class DailyIVs:
    """Per trading day (ascending): constant-maturity ATM IVs and the front/back ATM IVs."""

    dates: list[date]
    iv_by_days: dict[int, FloatArray]
    front_iv: FloatArray
    back_iv: FloatArray

    def iv(self, days: int) -> FloatArray:
        """The constant-maturity series of ``days``."""
        return self.iv_by_days[days]

    def on(self, dates: list[date], days: int) -> FloatArray:
        """The ``days`` series aligned to ``dates`` (NaN where a date has no chain)."""
        pos = {d: i for i, d in enumerate(self.dates)}
        src = self.iv_by_days[days]
        return np.asarray([src[pos[d]] if d in pos else np.nan for d in dates], dtype=np.float64)


def daily_option_interval(store: Store, symbol: str) -> int | None:
    """The option interval used for daily closes: 1440 when stored, else the coarsest."""
    rows = store.query("vol_option_intervals", {"symbol": symbol}).column("bar_minutes")
    intervals = [int(v) for v in rows.to_pylist()]
    if not intervals:
        return None
    return DAILY_MINUTES if DAILY_MINUTES in intervals else max(intervals)


def _solve_missing(table: pa.Table, rate: float) -> FloatArray:
    """ATM IV per row: the mean of the call and put IVs, solving the NULL ones."""
    n = table.num_rows
    fwd = np.asarray(table.column("forward").to_numpy(), dtype=np.float64)
    k = np.asarray(table.column("atm_strike").to_numpy(), dtype=np.float64)
    t = np.asarray(table.column("t_years").to_numpy(), dtype=np.float64)
    sides: list[FloatArray] = []
    for right in ("ce", "pe"):
        iv = np.asarray(table.column(f"{right}_iv").to_numpy(zero_copy_only=False),
                        dtype=np.float64)
        price = np.asarray(table.column(f"{right}_close").to_numpy(zero_copy_only=False),
                           dtype=np.float64)
        need = ~np.isfinite(iv) & np.isfinite(price) & (price > 0)
        if need.any():
            iv = iv.copy()
            iv[need] = implied_vol(price[need], fwd[need], k[need], t[need], rate,
                                   right.upper())
        sides.append(np.where(iv > 0, iv, np.nan))
    both = np.vstack(sides) if n else np.empty((2, 0))
    with np.errstate(invalid="ignore"):
        count = np.isfinite(both).sum(axis=0)
        total = np.nansum(both, axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def daily_ivs(store: Store, symbol: str, date_from: date, date_to: date, *, rate: float,
              max_dte: int = DEFAULT_MAX_DTE,
              days: tuple[int, ...] = CONSTANT_MATURITY_DAYS) -> DailyIVs:
    """Daily ATM IVs of ``symbol`` for trade dates in [date_from, date_to] (closes only)."""
    empty = DailyIVs([], {d: np.empty(0) for d in days}, np.empty(0), np.empty(0))
    interval = daily_option_interval(store, symbol)
    if interval is None:
        return empty
    table = store.query("vol_daily_atm", {
        "symbol": symbol, "bar_minutes": interval, "date_from": date_from,
        "date_to": date_to, "max_dte": max_dte, "rate": rate,
    })
    if table.num_rows == 0:
        return empty
    atm_iv = _solve_missing(table, rate)
    t = np.asarray(table.column("t_years").to_numpy(), dtype=np.float64)
    day_codes = table.column("trade_date").cast(pa.int32()).to_numpy()
    all_days, _ = np.unique(day_codes, return_inverse=True)
    ok = np.isfinite(atm_iv) & (atm_iv > 0) & (t > 0)
    t_mat, iv_mat, count = _pivot(np.searchsorted(all_days, day_codes[ok]), t[ok], atm_iv[ok],
                                  all_days.size)
    rows = np.arange(all_days.size)
    first = np.sum(t_mat < MIN_FRONT_T_YEARS, axis=1)  # NaN compares False
    front = np.where(first < count, iv_mat[rows, np.minimum(first, iv_mat.shape[1] - 1)], np.nan)
    back = np.where(first + 1 < count,
                    iv_mat[rows, np.minimum(first + 1, iv_mat.shape[1] - 1)], np.nan)
    epoch = date(1970, 1, 1)
    return DailyIVs(
        dates=[epoch + timedelta(days=int(d)) for d in all_days],
        iv_by_days={d: _cm_rows(t_mat, iv_mat, count, d / DAYS_PER_YEAR) for d in days},
        front_iv=front, back_iv=back,
    )


def _pivot(day: npt.NDArray[np.intp], t: FloatArray, iv: FloatArray,
           n_days: int) -> tuple[FloatArray, FloatArray, npt.NDArray[np.intp]]:
    """(T, IV) as day x expiry matrices, each row sorted by T and NaN-padded; counts."""
    order = np.lexsort((t, day))
    day, t, iv = day[order], t[order], iv[order]
    count = np.bincount(day, minlength=n_days)
    starts = np.concatenate([[0], np.cumsum(count)[:-1]])
    col = np.arange(day.size) - starts[day]
    width = max(int(count.max()) if count.size else 0, 1)
    t_mat = np.full((n_days, width), np.nan)
    iv_mat = np.full((n_days, width), np.nan)
    t_mat[day, col] = t
    iv_mat[day, col] = iv
    return t_mat, iv_mat, count


def _cm_rows(t_mat: FloatArray, iv_mat: FloatArray, count: npt.NDArray[np.intp],
             target: float) -> FloatArray:
    """``term.constant_maturity_iv`` for every row at once (flat vol beyond the ends)."""
    rows = np.arange(t_mat.shape[0])
    last = np.maximum(count - 1, 0)
    j = np.clip(np.sum(t_mat < target, axis=1), 1, np.maximum(last, 1))
    lo, hi = np.minimum(j - 1, t_mat.shape[1] - 1), np.minimum(j, t_mat.shape[1] - 1)
    t0, t1 = t_mat[rows, lo], t_mat[rows, hi]
    w0, w1 = iv_mat[rows, lo] ** 2 * t0, iv_mat[rows, hi] ** 2 * t1
    with np.errstate(invalid="ignore", divide="ignore"):
        w = w0 + (w1 - w0) * (target - t0) / (t1 - t0)
        inner = np.sqrt(np.where(w > 0, w, np.nan) / target)
    out = np.where(target <= t_mat[:, 0], iv_mat[:, 0],
                   np.where(target >= t_mat[rows, last], iv_mat[rows, last], inner))
    return np.where(count > 0, out, np.nan)
