"""Implied volatility under Black-76, a numba kernel over arrays (pricing stage).

Inputs are option prices from the store (bar closes) with the forward from
``forward.py`` and ``T`` from ``time.py``; outputs feed ``chain.py`` (OTM-side chain
IVs), enrichment and the volatility analytics.

Method. Each price is reduced to the undiscounted time value ``p e^{rT} - intrinsic``,
which by put-call parity is the price of the out-of-the-money option at the same
strike, and normalised by ``sqrt(F K)``: ``beta = b(x, s)`` with ``x = -|ln(F/K)|``,
``s = sigma sqrt(T)`` and ``b(x, s) = e^{x/2} N(x/s + s/2) - e^{-x/2} N(x/s - s/2)``,
increasing in ``s`` from 0 to ``e^{x/2}``, convex below the inflection point
``s_c = sqrt(2|x|)`` and concave above it (Jaeckel, "Let's be rational", 2015).
Below ``b(x, s_c)`` Halley's method runs on ``ln b(s) - ln beta`` (nearly linear there),
above it on ``b(s) - beta``; every step is kept inside a bracket that shrinks with each
evaluation, and a step that leaves it is replaced by bisection, so the solver always
converges. Tolerance: ``|ds| <= 1e-14 s`` or a zero residual, at most 100 iterations.

Element-wise impossibilities never raise; they give NaN and a reason (``IVReason``):
NaN/inf or non-positive price, F, K, or non-finite r -> BAD_INPUT; ``T <= 0`` ->
EXPIRED; price at or below the discounted intrinsic value (no time value) ->
BELOW_INTRINSIC; price at or above the discounted bound (``e^{-rT} F`` for a call,
``e^{-rT} K`` for a put) -> ABOVE_BOUND.
"""

from __future__ import annotations

import math
from enum import IntEnum

import numba
import numpy as np
import numpy.typing as npt

from engine.pricing._inputs import (
    ArrayLike,
    FloatArray,
    RightLike,
    as_float,
    broadcast,
    is_call_array,
)


class IVReason(IntEnum):
    """Why an implied volatility is (or is not) available."""

    OK = 0
    BELOW_INTRINSIC = 1
    ABOVE_BOUND = 2
    EXPIRED = 3
    BAD_INPUT = 4
    NO_CONVERGENCE = 5


_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_MAX_ITER = 100
_REL_TOL = 1e-14


@numba.njit(cache=True)
def _ncdf(z: float) -> float:
    return 0.5 * math.erfc(-z / _SQRT2)


@numba.njit(cache=True)
def _b_and_vega(x: float, s: float) -> tuple[float, float]:
    """Normalised OTM Black price b(x, s) (x <= 0) and db/ds."""
    h = x / s
    d1 = h + 0.5 * s
    d2 = h - 0.5 * s
    ex = math.exp(0.5 * x)
    b = ex * _ncdf(d1) - _ncdf(d2) / ex
    vega = ex * _INV_SQRT_2PI * math.exp(-0.5 * d1 * d1)
    return b, vega


@numba.njit(cache=True)
def _solve_normalised(beta: float, x: float) -> tuple[float, int]:
    """Total std dev s with b(x, s) = beta for 0 < beta < e^{x/2}; (s, iterations)."""
    s_c = math.sqrt(-2.0 * x)
    b_c = 0.0
    if s_c > 0.0:
        b_c, _v = _b_and_vega(x, s_c)
    lo = 0.0
    hi = math.inf
    if beta < b_c:
        hi = s_c
        use_log = True
        ln_beta = math.log(beta)
        # small-s asymptotics: ln b ~ -x^2 / (2 s^2)
        s = -x / math.sqrt(-2.0 * ln_beta) if ln_beta < 0.0 else 0.5 * s_c
        if not (0.0 < s < hi):
            s = 0.5 * s_c
    else:
        lo = s_c
        use_log = False
        ln_beta = 0.0
        bmax = math.exp(0.5 * x)
        # ATM-style guess 2 N^{-1}((1 + beta/bmax)/2), via a few Newton steps on the cdf
        u = beta / bmax
        s = max(s_c, math.sqrt(2.0 * math.pi) * beta)
        if u > 0.8:
            s = max(s, -2.0 * _ninv_tail(0.5 * (1.0 - u)))
    for it in range(_MAX_ITER):
        b, v = _b_and_vega(x, s)
        if b > beta:
            hi = s if s < hi else hi
        elif b < beta:
            lo = s if s > lo else lo
        else:
            return s, it
        # second derivative of b in s: b'' = b' (x^2 / s^3 - s / 4)
        curv = x * x / (s * s * s) - 0.25 * s
        if use_log and b > 0.0:
            f = math.log(b) - ln_beta
            f1 = v / b
            f2 = v * curv / b - f1 * f1
        else:
            f = b - beta
            f1 = v
            f2 = v * curv
        step = math.nan
        if f1 > 0.0 and math.isfinite(f):
            newton = -f / f1
            denom = 1.0 + 0.5 * newton * f2 / f1
            step = newton / denom if denom > 0.5 else newton
        s_new = s + step
        if not (lo < s_new < hi) or not math.isfinite(s_new):
            s_new = 0.5 * (lo + hi) if math.isfinite(hi) else 2.0 * s
        if abs(s_new - s) <= _REL_TOL * s_new:
            return s_new, it + 1
        s = s_new
    return math.nan, _MAX_ITER


@numba.njit(cache=True)
def _ninv_tail(p: float) -> float:
    """z with N(z) = p for small p (0 < p < 0.5): a rational start polished by Newton."""
    t = math.sqrt(-2.0 * math.log(p))
    z = -(t - (2.515517 + 0.802853 * t + 0.010328 * t * t)
          / (1.0 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t))
    for _ in range(3):
        err = _ncdf(z) - p
        z -= err / (_INV_SQRT_2PI * math.exp(-0.5 * z * z))
    return z


@numba.njit(cache=True)
def _iv_one(price: float, F: float, K: float, T: float, r: float,
            is_call: bool) -> tuple[float, int]:
    """(sigma, reason) for one option; reason codes as ``IVReason``."""
    if not (math.isfinite(price) and math.isfinite(F) and math.isfinite(K)
            and math.isfinite(r) and not math.isnan(T)):
        return math.nan, 4
    if price <= 0.0 or F <= 0.0 or K <= 0.0:
        return math.nan, 4
    if T <= 0.0:
        return math.nan, 3
    grow = math.exp(r * T)
    undisc = price * grow
    intrinsic = F - K if is_call else K - F
    if intrinsic < 0.0:
        intrinsic = 0.0
    bound = F if is_call else K
    if undisc >= bound:
        return math.nan, 2
    time_value = undisc - intrinsic
    if time_value <= 0.0:
        return math.nan, 1
    sqrt_fk = math.sqrt(F * K)
    x = -abs(math.log(F / K))
    beta = time_value / sqrt_fk
    if beta >= math.exp(0.5 * x):
        return math.nan, 2
    s, _it = _solve_normalised(beta, x)
    if math.isnan(s):
        return math.nan, 5
    return s / math.sqrt(T), 0


@numba.njit(cache=True)
def _iv_kernel(price: npt.NDArray[np.float64], F: npt.NDArray[np.float64],
               K: npt.NDArray[np.float64], T: npt.NDArray[np.float64],
               r: npt.NDArray[np.float64], is_call: npt.NDArray[np.bool_],
               out: npt.NDArray[np.float64], reason: npt.NDArray[np.int8]) -> None:
    for i in range(price.size):
        sigma, code = _iv_one(price[i], F[i], K[i], T[i], r[i], is_call[i])
        out[i] = sigma
        reason[i] = code


def implied_vol_with_reason(price: ArrayLike, F: ArrayLike, K: ArrayLike, T: ArrayLike,
                            r: ArrayLike, right: RightLike) -> tuple[FloatArray,
                                                                     npt.NDArray[np.int8]]:
    """Black-76 implied vol and, per element, the ``IVReason`` code (int8 array).

    Args:
        price: option price, points (discounted, as traded).
        F: forward, points.
        K: strike, points.
        T: time to expiry, years (365-day).
        r: risk-free rate, continuously compounded per year.
        right: "CE"/"PE" or an array of them.

    Returns:
        ``(iv, reason)``: iv per year (0.16 = 16%) with NaN where no IV exists, and the
        reason codes (``IVReason(reason[i])``). Shape mismatch is a ``ValueError``
        naming the argument; nothing element-wise raises.
    """
    arrays = broadcast(price=as_float("price", price), F=as_float("F", F), K=as_float("K", K),
                       T=as_float("T", T), r=as_float("r", r), right=is_call_array(right))
    shape = arrays[0].shape
    flat = [np.ascontiguousarray(a).reshape(-1) for a in arrays]
    out = np.empty(flat[0].size, dtype=np.float64)
    reason = np.empty(flat[0].size, dtype=np.int8)
    _iv_kernel(flat[0], flat[1], flat[2], flat[3], flat[4], flat[5], out, reason)
    return out.reshape(shape), reason.reshape(shape)


def implied_vol(price: ArrayLike, F: ArrayLike, K: ArrayLike, T: ArrayLike, r: ArrayLike,
                right: RightLike) -> FloatArray:
    """Black-76 implied vol per year; NaN where none exists (see ``implied_vol_with_reason``)."""
    return implied_vol_with_reason(price, F, K, T, r, right)[0]
