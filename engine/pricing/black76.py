"""Black-76 prices of European options on a forward (pricing stage).

Indian index options are European and cash-settled; posbt prices them on the forward
(futures price, or the synthetic forward from put-call parity, see ``forward.py``).
Everything here is vectorised: arguments are scalars or arrays that broadcast
together. Inputs come from ``time.py`` (``t_years``) and the store; outputs feed
``greeks.py``, ``iv.py`` and the simulator.

Units: ``F``, ``K`` and the price are in index points; ``T`` in years (365-day year,
minutes to 15:30 IST on expiry day); ``r`` continuously compounded per year; ``sigma``
per year (0.16 = 16%).

Element-wise conventions (no exception for them):
    * ``T == 0`` or ``sigma == 0``: the discounted intrinsic value ``e^{-rT} max(±(F-K), 0)``;
    * ``T < 0``, ``sigma < 0``, ``F <= 0``, ``K <= 0`` or any NaN: NaN.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from engine.pricing._inputs import (
    ArrayLike,
    FloatArray,
    RightLike,
    as_float,
    broadcast,
    is_call_array,
)


def _black76_core(F: FloatArray, K: FloatArray, T: FloatArray, r: FloatArray,
                  sigma: FloatArray, is_call: np.ndarray) -> FloatArray:
    """Black-76 price on already broadcast float arrays (no validation)."""
    sign = np.where(is_call, 1.0, -1.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        disc = np.exp(-r * T)
        std = sigma * np.sqrt(T)
        d1 = (np.log(F / K) + 0.5 * std * std) / std
        d2 = d1 - std
        # rounding can leave a deep OTM price a hair below zero; a price is never negative
        price = np.maximum(disc * sign * (F * ndtr(sign * d1) - K * ndtr(sign * d2)), 0.0)
        intrinsic = disc * np.maximum(sign * (F - K), 0.0)
    degenerate = std == 0.0
    out = np.where(degenerate, intrinsic, price)
    bad = (T < 0) | (sigma < 0) | (F <= 0) | (K <= 0) | ~np.isfinite(out)
    return np.asarray(np.where(bad, np.nan, out), dtype=np.float64)


def black76(F: ArrayLike, K: ArrayLike, T: ArrayLike, r: ArrayLike, sigma: ArrayLike,
            right: RightLike) -> FloatArray:
    """Black-76 price in index points of a European call ("CE") or put ("PE").

    ``call = e^{-rT} (F N(d1) - K N(d2))``, ``put = e^{-rT} (K N(-d2) - F N(-d1))``,
    ``d1 = (ln(F/K) + sigma^2 T / 2) / (sigma sqrt(T))``, ``d2 = d1 - sigma sqrt(T)``.

    Args:
        F: forward price, points.
        K: strike, points.
        T: time to expiry, years (365-day).
        r: risk-free rate, continuously compounded per year (0.065 = 6.5%).
        sigma: volatility per year (0.16 = 16%).
        right: "CE"/"PE" or an array of them.

    Returns:
        A float64 array of the broadcast shape (0-d for all-scalar input); NaN where an
        element is impossible (see the module docstring). A shape mismatch is a
        ``ValueError`` naming the argument.
    """
    args = broadcast(F=as_float("F", F), K=as_float("K", K), T=as_float("T", T),
                     r=as_float("r", r), sigma=as_float("sigma", sigma),
                     right=is_call_array(right))
    f, k, t, rr, s, c = args
    return _black76_core(f, k, t, rr, s, c)
