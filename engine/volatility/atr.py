"""Wilder's Average True Range and its percentile (volatility stage).

    TR_t  = max(H_t, C_{t-1}) - min(L_t, C_{t-1})                     (t >= 1)
    ATR_n = mean(TR_1 .. TR_n)                                         (seed, TA-Lib style)
    ATR_t = (ATR_{t-1} * (n - 1) + TR_t) / n                           (t > n)

TR_0 has no previous close and is NaN, so the first ATR sits at index ``period``. The
recursion is a first-order IIR filter, run by ``scipy.signal.lfilter``. A NaN bar (or a
price that is NaN, zero or negative) makes that TR NaN, and the recursion carries the NaN
forward: fix the data rather than trust an ATR across a hole. Mismatched lengths give an
all-NaN answer (``ohlc_reason`` says why), never an exception.

The ATR percentile uses IVP's strictly-below rule over the ATR's own daily history.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.signal import lfilter

from engine.volatility.percentile import FloatArray, rolling_ivp
from engine.volatility.types import NanReason


def _clean(*arrays: npt.ArrayLike) -> list[FloatArray] | None:
    """Float arrays with non-positive prices as NaN; ``None`` when lengths differ."""
    out = [np.asarray(a, dtype=np.float64).ravel() for a in arrays]
    if len({a.size for a in out}) != 1:
        return None
    return [np.where(a > 0, a, np.nan) for a in out]


def ohlc_reason(*arrays: npt.ArrayLike) -> NanReason | None:
    """Why bar-based metrics on these price arrays are (all) NaN; ``None`` if usable."""
    cleaned = _clean(*arrays)
    if cleaned is None:
        return NanReason.SHAPE_MISMATCH
    if cleaned[0].size == 0:
        return NanReason.EMPTY
    if not all(np.isfinite(a).any() for a in cleaned):
        return NanReason.BAD_PRICES
    return None


def true_range(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike) -> FloatArray:
    """Wilder's true range per bar; element 0 is NaN (no previous close)."""
    cleaned = _clean(high, low, close)
    if cleaned is None:
        return np.full(np.asarray(close).size, np.nan)
    h, lo, c = cleaned
    if c.size == 0:
        return np.empty(0)
    prev = np.concatenate([[np.nan], c[:-1]])
    return np.asarray(np.maximum(h, prev) - np.minimum(lo, prev), dtype=np.float64)


def atr(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike,
        period: int = 14) -> FloatArray:
    """Wilder ATR in price points, same length as ``close``; NaN before index ``period``."""
    tr = true_range(high, low, close)
    out = np.full(tr.size, np.nan)
    n = int(period)
    if n < 1 or tr.size <= n:
        return out
    seed = float(np.mean(tr[1 : n + 1]))
    out[n] = seed
    rest = tr[n + 1 :]
    if rest.size:
        a = (n - 1) / n
        filtered, _ = lfilter([1.0 / n], [1.0, -a], rest, zi=[a * seed])
        out[n + 1 :] = filtered
    return out


def atr_percentile(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike,
                   period: int = 14, lookback: int = 252, *,
                   min_history: int | None = None) -> FloatArray:
    """Per bar: fraction of the ``lookback`` previous ATRs strictly below today's ATR."""
    return rolling_ivp(atr(high, low, close, period), lookback, min_history=min_history)
