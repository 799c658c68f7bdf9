"""Option greeks under Black-76 (on the forward) or BSM (on spot), vectorised (pricing stage).

Inputs are the same as for the prices (``black76.py``, ``bsm.py``) plus a volatility,
usually from ``iv.py``; outputs feed enrichment (``enrich.py``), greek limits and the
portfolio greeks of the simulator.

Units (posbt's convention; QuantLib differs, see REFERENCE.md):
    * ``delta``: dV/dF for Black-76 (points per point of forward), dV/dS for BSM;
    * ``gamma``: d2V/dF2 (or d2V/dS2), per point;
    * ``vega``: dV/dsigma per 1 vol point (sigma + 0.01), in points;
    * ``theta``: the change in value over one calendar day, dV/dt / 365, in points per day
      (negative for a long option in general); Black-76 holds the forward fixed,
      BSM holds spot fixed;
    * ``rho``: dV/dr per 1.0 of rate (per 100%); Black-76 holds the forward fixed, so
      ``rho = -T V``; BSM holds spot fixed.

Degenerate elements (``T == 0`` or ``sigma == 0``): delta is the discounted step
``e^{-rT} 1{ITM}`` (signed for puts), gamma and vega are 0, theta is ``r V / 365``
(only discounting moves the value), rho is the model's formula at zero vol. Impossible
elements (NaN, negative T or sigma, non-positive F/S or K) give NaN in every greek.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

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
from engine.pricing.black76 import _black76_core

DAYS_PER_YEAR = 365.0
_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


class PricingModel(StrEnum):
    """The option model behind the greeks."""

    BLACK76 = "black76"
    BSM = "bsm"


class Greeks(NamedTuple):
    """Price and greeks as arrays of one shape; units in the module docstring."""

    price: FloatArray
    delta: FloatArray
    gamma: FloatArray
    vega: FloatArray
    theta: FloatArray
    rho: FloatArray


def greeks(F: ArrayLike | None, K: ArrayLike, T: ArrayLike, r: ArrayLike, sigma: ArrayLike,
           right: RightLike, model: PricingModel | str = PricingModel.BLACK76,
           S: ArrayLike | None = None, q: ArrayLike = 0.0) -> Greeks:
    """Price, delta, gamma, vega (per vol point), theta (per calendar day) and rho.

    Args:
        F: forward, points (Black-76). For ``model="bsm"`` it may be None when ``S`` is
            given; when ``S`` is None, spot is taken as ``F e^{-(r-q)T}``.
        K: strike, points.
        T: time to expiry, years (365-day).
        r: risk-free rate, continuously compounded per year.
        sigma: volatility per year.
        right: "CE"/"PE" or an array of them.
        model: "black76" (greeks against the forward) or "bsm" (against spot).
        S: spot, points (BSM only).
        q: continuous dividend yield per year (BSM only).

    Returns:
        A ``Greeks`` tuple of float64 arrays of the broadcast shape.
    """
    try:
        kind = PricingModel(model)
    except ValueError:
        raise ValueError(f"model: expected 'black76' or 'bsm', got {model!r}") from None
    if kind is PricingModel.BLACK76:
        if F is None:
            raise ValueError("F: the forward is required for model='black76'")
        f, k, t, rr, vol, c = broadcast(
            F=as_float("F", F), K=as_float("K", K), T=as_float("T", T), r=as_float("r", r),
            sigma=as_float("sigma", sigma), right=is_call_array(right))
        return _greeks_core(f, k, t, rr, np.zeros_like(f), vol, c, spot=None)
    if S is None and F is None:
        raise ValueError("S: spot (or F) is required for model='bsm'")
    first = as_float("S", S) if S is not None else as_float("F", F)  # type: ignore[arg-type]
    x, k, t, rr, qq, vol, c = broadcast(
        S=first, K=as_float("K", K), T=as_float("T", T), r=as_float("r", r),
        q=as_float("q", q), sigma=as_float("sigma", sigma), right=is_call_array(right))
    with np.errstate(over="ignore", invalid="ignore"):
        if S is None:
            spot = x * np.exp(-(rr - qq) * t)
            fwd = x
        else:
            spot = x
            fwd = x * np.exp((rr - qq) * t)
    return _greeks_core(fwd, k, t, rr, qq, vol, c, spot=spot)


def _greeks_core(F: FloatArray, K: FloatArray, T: FloatArray, r: FloatArray, q: FloatArray,
                 sigma: FloatArray, is_call: np.ndarray, spot: FloatArray | None) -> Greeks:
    """Greeks on broadcast arrays; ``spot`` given means BSM (spot-based) greeks."""
    price = _black76_core(F, K, T, r, sigma, is_call)
    sign = np.where(is_call, 1.0, -1.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        disc = np.exp(-r * T)
        sqrt_t = np.sqrt(T)
        std = sigma * sqrt_t
        d1 = (np.log(F / K) + 0.5 * std * std) / std
        pdf = _INV_SQRT_2PI * np.exp(-0.5 * d1 * d1)
        live = std > 0.0
        step = np.where(sign * (F - K) > 0.0, 1.0, 0.0)
        delta_f = disc * sign * np.where(live, ndtr(sign * d1), step)
        gamma_f = np.where(live, disc * pdf / (F * std), 0.0)
        vega_1 = np.where(live, disc * F * pdf * sqrt_t, 0.0)
        decay = np.where(live, disc * F * pdf * sigma / (2.0 * sqrt_t), 0.0)
        if spot is None:
            theta_year = r * price - decay
            rho = -T * price
            delta, gamma = delta_f, gamma_f
        else:
            carry = np.exp((r - q) * T)
            delta = delta_f * carry
            gamma = gamma_f * carry * carry
            # spot fixed: dV/dT = -rV + (r - q) F dV/dF + decay term
            theta_year = r * price - (r - q) * F * delta_f - decay
            rho = T * (F * delta_f - price)
    bad = np.isnan(price)
    def clean(a: FloatArray) -> FloatArray:
        return np.asarray(np.where(bad, np.nan, a), dtype=np.float64)
    return Greeks(price=price, delta=clean(delta), gamma=clean(gamma),
                  vega=clean(vega_1 / 100.0), theta=clean(theta_year / DAYS_PER_YEAR),
                  rho=clean(rho))
