"""Historical (realised) volatility estimators over a rolling window (volatility stage).

All answers are annualised fractions: sqrt(variance per bar * bars_per_year), with
``bars_per_year`` = 252 on daily bars (pass 252 * bars per day on intraday bars). For a
window of n bars ending at t (logs natural):

    close_to_close   stdev(ln(C_i / C_{i-1}), ddof=1) over the n returns ending at t
    parkinson        mean(ln(H/L)^2) / (4 ln 2)
    garman_klass     mean(0.5 ln(H/L)^2 - (2 ln 2 - 1) ln(C/O)^2)
    rogers_satchell  mean(ln(H/C) ln(H/O) + ln(L/C) ln(L/O))
    yang_zhang       s2_overnight + k s2_open_close + (1 - k) s2_RS,
                     k = 0.34 / (1.34 + (n + 1) / (n - 1)); the two s2 are ddof=1 variances
                     of ln(O_i / C_{i-1}) and ln(C_i / O_i), s2_RS the Rogers-Satchell mean.

Estimators that use the previous close (close_to_close, yang_zhang) are first defined at
index n; the range-based ones at index n - 1. A window touching a NaN (or a non-positive
price) is NaN. Mismatched lengths give all NaN (``ohlc_reason`` says why).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from engine.volatility.atr import _clean
from engine.volatility.percentile import FloatArray
from engine.volatility.types import HVMethod

HVMethodLike = HVMethod | str


def _rolling(x: FloatArray, n: int, stat: str) -> FloatArray:
    """Rolling mean or ddof=1 variance over n elements, aligned to the window's last element."""
    out = np.full(x.size, np.nan)
    if x.size < n:
        return out
    win = sliding_window_view(x, n)
    out[n - 1 :] = win.mean(axis=1) if stat == "mean" else win.var(axis=1, ddof=1)
    return out


def _shift(x: FloatArray) -> FloatArray:
    return np.concatenate([[np.nan], x[:-1]])


def _per_bar_variance(o: FloatArray, h: FloatArray, lo: FloatArray, c: FloatArray, n: int,
                      method: HVMethod) -> FloatArray:
    if method is HVMethod.CLOSE_TO_CLOSE:
        return _rolling(np.log(c / _shift(c)), n, "var")
    rs = np.log(h / c) * np.log(h / o) + np.log(lo / c) * np.log(lo / o)
    if method is HVMethod.PARKINSON:
        return _rolling(np.log(h / lo) ** 2, n, "mean") / (4.0 * math.log(2.0))
    if method is HVMethod.GARMAN_KLASS:
        term = 0.5 * np.log(h / lo) ** 2 - (2.0 * math.log(2.0) - 1.0) * np.log(c / o) ** 2
        return _rolling(term, n, "mean")
    if method is HVMethod.ROGERS_SATCHELL:
        return _rolling(rs, n, "mean")
    k = 0.34 / (1.34 + (n + 1) / (n - 1))
    overnight = _rolling(np.log(o / _shift(c)), n, "var")
    open_close = _rolling(np.log(c / o), n, "var")
    return overnight + k * open_close + (1.0 - k) * _rolling(rs, n, "mean")


def hv(open_: npt.ArrayLike, high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike,
       window: int = 20, method: HVMethodLike = HVMethod.CLOSE_TO_CLOSE, *,
       bars_per_year: float = 252.0) -> FloatArray:
    """Rolling annualised historical volatility (fraction), same length as ``close``.

    ``method`` is an ``HVMethod`` or its value ("close_to_close", "parkinson",
    "garman_klass", "rogers_satchell", "yang_zhang"); an unknown name is a ``ValueError``
    (a programming error, not data). ``window`` must be >= 2.
    """
    m = HVMethod(method)
    size = np.asarray(close).size
    cleaned = _clean(open_, high, low, close)
    if cleaned is None or window < 2:
        return np.full(size, np.nan)
    o, h, lo, c = cleaned
    with np.errstate(invalid="ignore", divide="ignore"):
        var = _per_bar_variance(o, h, lo, c, int(window), m)
        return np.sqrt(np.where(var >= 0, var, np.nan) * bars_per_year)


def iv_hv_ratio(iv: npt.ArrayLike, hv_value: npt.ArrayLike) -> FloatArray:
    """ATM IV / HV element-wise (both annualised fractions); NaN where HV is NaN or <= 0."""
    a = np.asarray(iv, dtype=np.float64)
    b = np.asarray(hv_value, dtype=np.float64)
    try:
        a, b = np.broadcast_arrays(a, b)
    except ValueError:
        return np.full(np.shape(a), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((b > 0) & np.isfinite(a), a / b, np.nan)
