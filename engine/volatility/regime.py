"""Volatility regime by bands, and IV-crush detection (volatility stage).

Input: a VIX close or an IV percentile (``RegimeBands.basis``) and a daily or intraday IV
series. Output: ``Regime`` for entry filters and volatility overrides (the engine switches
to the regime's validated config), and a boolean crush flag per bar for exits/triggers.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from engine.volatility.types import Regime, RegimeBands


def volatility_regime(value: float, bands: RegimeBands) -> Regime | None:
    """The band holding ``value``: [-inf, low) LOW, [low, medium) MEDIUM, [medium, high) HIGH,
    [high, inf) EXTREME; ``None`` for NaN (the regime is unknown, not LOW)."""
    if not math.isfinite(value):
        return None
    if value < bands.low_below:
        return Regime.LOW
    if value < bands.medium_below:
        return Regime.MEDIUM
    if value < bands.high_below:
        return Regime.HIGH
    return Regime.EXTREME


def iv_crush(iv_series: npt.ArrayLike, drop_pct: float, n_bars: int) -> npt.NDArray[np.bool_]:
    """True at bar t when IV fell by at least ``drop_pct`` (a fraction: 0.20 = 20%) over
    the last ``n_bars`` bars: iv[t] <= (1 - drop_pct) * iv[t - n_bars].

    False for the first ``n_bars`` bars, where either value is NaN, and everywhere when
    ``n_bars`` < 1 or ``drop_pct`` is not in (0, 1).
    """
    x = np.asarray(iv_series, dtype=np.float64).ravel()
    out = np.zeros(x.size, dtype=bool)
    if n_bars < 1 or not 0 < drop_pct < 1 or x.size <= n_bars:
        return out
    before, now = x[:-n_bars], x[n_bars:]
    with np.errstate(invalid="ignore"):
        out[n_bars:] = (before > 0) & (now <= (1.0 - drop_pct) * before)
    return out
