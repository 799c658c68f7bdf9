"""Term structure: constant-maturity ATM IVs, slope and class, forward vol (volatility stage).

Input: ``ExpiryATM`` values from ``chain.py`` (one per listed expiry) or a daily table of
them (``features.py``). Output: IVs at fixed tenors (7 / 30 / 60 calendar days), the
front/back slope and its class, and the forward vol between two tenors.

Constant maturity by total variance: with w_i = iv_i^2 T_i at the listed expiries
T_1 < T_2 < ..., the target T between T_i and T_{i+1} gets
    w(T) = w_i + (w_{i+1} - w_i) (T - T_i) / (T_{i+1} - T_i),   iv(T) = sqrt(w(T) / T).
Beyond the ends the vol is held flat (iv(T) = iv_1 below T_1, iv_n above T_n): no
extrapolation of the slope, which is unstable with one or two weeklies listed.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from engine.volatility.percentile import FloatArray
from engine.volatility.types import TermClass

DAYS_PER_YEAR = 365.0
CONSTANT_MATURITY_DAYS: tuple[int, ...] = (7, 30, 60)


def constant_maturity_iv(t_years: npt.ArrayLike, ivs: npt.ArrayLike,
                         target_t_years: float) -> float:
    """ATM IV at ``target_t_years`` from listed (T, IV) pairs by total-variance interpolation.

    Pairs with NaN, non-positive T or IV are ignored; NaN when none is left or the target is
    not positive. Flat vol beyond the first and last listed expiry.
    """
    t = np.asarray(t_years, dtype=np.float64).ravel()
    v = np.asarray(ivs, dtype=np.float64).ravel()
    if t.size != v.size or not target_t_years > 0:
        return float("nan")
    ok = np.isfinite(t) & np.isfinite(v) & (t > 0) & (v > 0)
    t, v = t[ok], v[ok]
    if t.size == 0:
        return float("nan")
    order = np.argsort(t, kind="stable")
    t, v = t[order], v[order]
    if target_t_years <= t[0]:
        return float(v[0])
    if target_t_years >= t[-1]:
        return float(v[-1])
    w = float(np.interp(target_t_years, t, v * v * t))
    return math.sqrt(w / target_t_years) if w > 0 else float("nan")


def constant_maturity_ivs(t_years: npt.ArrayLike, ivs: npt.ArrayLike,
                          days: tuple[int, ...] = CONSTANT_MATURITY_DAYS) -> dict[int, float]:
    """``{days: iv}`` for each constant maturity in calendar days (7, 30, 60 by default)."""
    return {d: constant_maturity_iv(t_years, ivs, d / DAYS_PER_YEAR) for d in days}


def term_structure(front_iv: float, back_iv: float,
                   tolerance: float = 0.02) -> tuple[float, TermClass | None]:
    """Slope ``(back - front) / front`` and its class.

    FLAT when |slope| <= ``tolerance`` (a relative tolerance: 0.02 = back within 2% of front),
    CONTANGO above, BACKWARDATION below. ``(nan, None)`` when either IV is NaN or <= 0.
    """
    if not (math.isfinite(front_iv) and math.isfinite(back_iv)) or front_iv <= 0 or back_iv <= 0:
        return float("nan"), None
    slope = (back_iv - front_iv) / front_iv
    if abs(slope) <= tolerance:
        return slope, TermClass.FLAT
    return slope, TermClass.CONTANGO if slope > 0 else TermClass.BACKWARDATION


def forward_vol(s1: npt.ArrayLike, t1: npt.ArrayLike, s2: npt.ArrayLike,
                t2: npt.ArrayLike) -> FloatArray:
    """Vol between T1 and T2: sqrt((s2^2 T2 - s1^2 T1) / (T2 - T1)), element-wise.

    NaN where T2 <= T1, T1 < 0, a value is NaN, or the forward variance is negative
    (a calendar arbitrage in the inputs). Shapes that do not broadcast give NaN.
    """
    try:
        a1, b1, a2, b2 = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64)
                                                for x in (s1, t1, s2, t2)))
    except ValueError:
        return np.asarray(np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        var = (a2 * a2 * b2 - a1 * a1 * b1) / (b2 - b1)
        ok = (b2 > b1) & (b1 >= 0) & (var >= 0)
        return np.asarray(np.where(ok, np.sqrt(np.where(ok, var, 0.0)), np.nan))
