"""IV percentile and IV rank, one value or rolling over a daily series (volatility stage).

Definitions (REFERENCE.md): with ``history`` the N previous daily closes (oldest first),
    IVP = count(history < current) / N            (strictly below; tastytrade / Barchart)
    IVR = (current - lo) / (hi - lo),  lo, hi = min, max of history AND current; 0.5 if hi == lo
Both are fractions in [0, 1]. NaN values in the history are dropped; N counts what is left.

NaN instead of an exception: the current value is NaN, the history is empty, or it holds
fewer than ``lookback`` valid values. Passing ``min_history`` computes on what exists when
at least that many valid values are there. ``percentile_reason`` names the cause of a NaN.
Rolling versions never look ahead: element t compares series[t] with series[t-N .. t-1].
The same rules serve the ATR percentile (``engine.volatility.atr``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from engine.volatility.types import NanReason

FloatArray = npt.NDArray[np.float64]


def _history(history: npt.ArrayLike, lookback: int | None) -> FloatArray:
    h = np.asarray(history, dtype=np.float64).ravel()
    if lookback is not None:
        h = h[-lookback:] if lookback > 0 else h[:0]
    return h[np.isfinite(h)]


def _needed(lookback: int | None, min_history: int | None) -> int:
    if min_history is not None:
        return max(int(min_history), 1)
    return max(int(lookback), 1) if lookback is not None else 1


def percentile_reason(current: float, history: npt.ArrayLike, *, lookback: int | None = None,
                      min_history: int | None = None) -> NanReason | None:
    """Why ``iv_percentile`` / ``iv_rank`` with these arguments is NaN; ``None`` if it is not."""
    raw = np.asarray(history, dtype=np.float64).ravel()
    if raw.size == 0:
        return NanReason.EMPTY
    if not np.isfinite(current):
        return NanReason.NAN_INPUT
    if _history(raw, lookback).size < _needed(lookback, min_history):
        return NanReason.SHORT_HISTORY
    return None


def iv_percentile(current: float, history: npt.ArrayLike, *, lookback: int | None = None,
                  min_history: int | None = None) -> float:
    """Fraction of the previous closes strictly below ``current``.

    Args:
        current: today's value (IV as a fraction, or an ATR in points).
        history: previous daily closes, oldest first, NOT including ``current``.
        lookback: use only the last ``lookback`` closes and require that many valid ones.
        min_history: compute on what exists when at least this many valid closes exist.
    """
    if percentile_reason(current, history, lookback=lookback, min_history=min_history):
        return float("nan")
    h = _history(history, lookback)
    return float(np.count_nonzero(h < current)) / float(h.size)


def iv_rank(current: float, history: npt.ArrayLike, *, lookback: int | None = None,
            min_history: int | None = None) -> float:
    """``(current - lo) / (hi - lo)`` over the previous closes and ``current``; 0.5 if flat."""
    if percentile_reason(current, history, lookback=lookback, min_history=min_history):
        return float("nan")
    h = _history(history, lookback)
    lo = min(float(h.min()), current)
    hi = max(float(h.max()), current)
    return 0.5 if hi == lo else (current - lo) / (hi - lo)


def _windows(series: npt.ArrayLike, lookback: int) -> tuple[FloatArray, FloatArray]:
    """(values, previous-N windows): row t holds series[t-N .. t-1], NaN-padded at the start."""
    x = np.asarray(series, dtype=np.float64).ravel()
    n = max(int(lookback), 1)
    padded = np.concatenate([np.full(n, np.nan), x])
    return x, sliding_window_view(padded, n)[: x.size]


def rolling_ivp(series: npt.ArrayLike, lookback: int, *,
                min_history: int | None = None) -> FloatArray:
    """IVP of every element against its ``lookback`` previous elements (no lookahead).

    Element t is NaN when series[t] is NaN or fewer than ``lookback`` (or ``min_history``)
    of series[t-N .. t-1] are valid.
    """
    x, win = _windows(series, lookback)
    if x.size == 0:
        return np.empty(0)
    valid = np.isfinite(win)
    n_valid = valid.sum(axis=1)
    below = (valid & (win < x[:, None])).sum(axis=1)
    ok = np.isfinite(x) & (n_valid >= _needed(lookback, min_history))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = below / n_valid.astype(np.float64)
    return np.where(ok, out, np.nan)


def rolling_ivr(series: npt.ArrayLike, lookback: int, *,
                min_history: int | None = None) -> FloatArray:
    """IVR of every element over its ``lookback`` previous elements and itself."""
    x, win = _windows(series, lookback)
    if x.size == 0:
        return np.empty(0)
    n_valid = np.isfinite(win).sum(axis=1)
    ok = np.isfinite(x) & (n_valid >= _needed(lookback, min_history))
    safe = np.where(np.isfinite(win), win, x[:, None])  # NaN slots do not move lo / hi
    lo = np.minimum(safe.min(axis=1), x)
    hi = np.maximum(safe.max(axis=1), x)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(hi == lo, 0.5, (x - lo) / (hi - lo))
    return np.where(ok, out, np.nan)
