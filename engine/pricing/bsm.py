"""Black-Scholes-Merton prices on spot with a continuous dividend yield (pricing stage).

posbt prices index options with Black-76 on the forward (``black76.py``); BSM is here
for users who model the index from spot with a yield, and as a cross-check: BSM with
``S`` equals Black-76 with ``F = S e^{(r-q)T}``. Same units and element-wise
conventions as ``black76.py``: points, years (365-day), rates and vols as fractions;
``T == 0`` or ``sigma == 0`` give the discounted intrinsic value on the forward, and
``T < 0``, ``sigma < 0``, ``S <= 0``, ``K <= 0`` or NaN give NaN.
"""

from __future__ import annotations

import numpy as np

from engine.pricing._inputs import (
    ArrayLike,
    FloatArray,
    RightLike,
    as_float,
    broadcast,
    is_call_array,
)
from engine.pricing.black76 import _black76_core


def bsm(S: ArrayLike, K: ArrayLike, T: ArrayLike, r: ArrayLike, q: ArrayLike,
        sigma: ArrayLike, right: RightLike) -> FloatArray:
    """Black-Scholes-Merton price in points of a European call ("CE") or put ("PE").

    ``call = S e^{-qT} N(d1) - K e^{-rT} N(d2)``, ``d1 = (ln(S/K) + (r - q + sigma^2/2) T)
    / (sigma sqrt(T))``; computed as Black-76 on the forward ``F = S e^{(r-q)T}``.

    Args:
        S: spot price, points.
        K: strike, points.
        T: time to expiry, years (365-day).
        r: risk-free rate, continuously compounded per year.
        q: continuous dividend yield per year.
        sigma: volatility per year.
        right: "CE"/"PE" or an array of them.

    Returns:
        Prices, float64 array of the broadcast shape; NaN for impossible elements.
    """
    s, k, t, rr, qq, vol, c = broadcast(
        S=as_float("S", S), K=as_float("K", K), T=as_float("T", T), r=as_float("r", r),
        q=as_float("q", q), sigma=as_float("sigma", sigma), right=is_call_array(right))
    with np.errstate(over="ignore", invalid="ignore"):
        fwd = s * np.exp((rr - qq) * t)
    return _black76_core(fwd, k, t, rr, vol, c)
