"""Skew of one listed expiry: 25-delta risk reversal and moneyness skew (volatility stage).

Input: a ``Chain`` (``chain.py``) with IVs filled on the out-of-the-money side. Output:
numbers for entry filters and ``daily_features.rr25``.

Sign convention (both metrics): CALL minus PUT. Index options usually carry a put skew,
so both are negative in a normal market and rise towards zero or above when calls bid up.

    risk_reversal_25d = IV(25-delta OTM call) - IV(25-delta OTM put)
    moneyness_skew(x) = IV(call at K = F (1 + x)) - IV(put at K = F (1 - x))

Deltas are undiscounted forward deltas from each option's own IV, N(d1) for calls and
N(d1) - 1 for puts, d1 = (ln(F/K) + sigma^2 T / 2) / (sigma sqrt T), so the 25-delta
points do not depend on the rate. IVs are interpolated linearly in delta (or in strike
for moneyness) between listed OTM strikes; a target outside the listed range gives NaN.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
from scipy.special import ndtr

from engine.volatility.chain import Chain, expiry_forward
from engine.volatility.percentile import FloatArray


def _otm(chain: Chain, expiry: date, fwd: float, calls: bool) -> tuple[FloatArray, FloatArray]:
    """(strikes, IVs) of the OTM options of one side with a usable IV, strike ascending."""
    mask = chain.rows(expiry) & (chain.is_call == calls) & np.isfinite(chain.iv) & (chain.iv > 0)
    mask &= (chain.strike >= fwd) if calls else (chain.strike <= fwd)
    order = np.argsort(chain.strike[mask])
    return chain.strike[mask][order], chain.iv[mask][order]


def _interp_or_nan(x: float, xs: FloatArray, ys: FloatArray) -> float:
    if xs.size == 0 or x < xs.min() or x > xs.max():
        return float("nan")
    order = np.argsort(xs)
    return float(np.interp(x, xs[order], ys[order]))


def risk_reversal_25d(chain: Chain, expiry: date, rate: float, *,
                      target_delta: float = 0.25) -> float:
    """IV(25-delta call) - IV(25-delta put) of ``expiry``; NaN if either point is not listed."""
    t, fwd = expiry_forward(chain, expiry, rate)
    if t <= 0 or not math.isfinite(fwd):
        return float("nan")
    sides: list[float] = []
    for calls in (True, False):
        k, iv = _otm(chain, expiry, fwd, calls)
        std = iv * math.sqrt(t)
        d1 = (np.log(fwd / k) + 0.5 * std * std) / std
        abs_delta = ndtr(d1) if calls else 1.0 - ndtr(d1)
        sides.append(_interp_or_nan(target_delta, np.asarray(abs_delta), iv))
    return sides[0] - sides[1]


def moneyness_skew(chain: Chain, expiry: date, rate: float, *,
                   moneyness: float = 0.05) -> float:
    """IV of the call at F(1 + x) minus IV of the put at F(1 - x), x = ``moneyness``."""
    t, fwd = expiry_forward(chain, expiry, rate)
    if t <= 0 or not math.isfinite(fwd) or not moneyness > 0:
        return float("nan")
    k_call, iv_call = _otm(chain, expiry, fwd, True)
    k_put, iv_put = _otm(chain, expiry, fwd, False)
    return (_interp_or_nan(fwd * (1 + moneyness), k_call, iv_call)
            - _interp_or_nan(fwd * (1 - moneyness), k_put, iv_put))
