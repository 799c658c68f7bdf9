"""Probabilities of touching a breakeven and of staying between two (breakeven stage).

Comes after the breakeven levels (``ironfly``, ``curve``) and feeds the report, the CLI
and the approach trigger (``probability_threshold``). Three models:

* closed forms under GBM (``BLACK_SCHOLES``): ``X_t = ln(S_t/S_0) = nu t + sigma W_t``,
  ``nu = r - q - sigma^2/2``. One barrier at log distance ``b > 0``:
  ``P(max X >= b) = N((nu T - b)/(sigma sqrt T)) + exp(2 nu b/sigma^2) N((-nu T - b)/(sigma sqrt T))``,
  mirrored for a lower barrier. Two barriers ``a < 0 < b`` (width ``w = b - a``): the
  method-of-images series for the killed density, integrated in closed form (Girsanov for
  the drift), ``P(stay) = sum_k e^{theta c1_k} D(c1_k) - e^{theta c2_k} D(c2_k)`` with
  ``c1_k = 2 k w``, ``c2_k = 2 b - 2 k w``, ``theta = nu / sigma^2`` and
  ``D(c) = N((b - c - nu T)/s) - N((a - c - nu T)/s)``, ``s = sigma sqrt T``; k runs over
  -K..K until the terms vanish (K = 12 by default, far beyond double precision for any
  horizon where ``w`` is not many times ``s``).
* bridge-corrected Monte Carlo (``MONTE_CARLO``), in ``montecarlo.py``.
* historical paths (``HISTORICAL``): every window of ``h`` trading days in a daily close
  series, scaled to today's spot, in ``montecarlo.py``.

Time is in years (365-day, see ``engine.pricing.t_years``), vols and rates are fractions.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import log_ndtr, ndtr

from engine.errors import PosbtError

SERIES_TERMS = 12


def check_inputs(spot: float, sigma: float, t_years: float) -> None:
    """Raise a ``PosbtError`` naming the argument if spot, vol or time is unusable."""
    if not (math.isfinite(spot) and spot > 0):
        raise PosbtError(f"spot must be a positive number, got {spot}", place="spot")
    if not (math.isfinite(sigma) and sigma > 0):
        raise PosbtError(f"volatility must be positive, got {sigma}", place="sigma")
    if not (math.isfinite(t_years) and t_years > 0):
        raise PosbtError(f"time to the horizon must be positive, got {t_years} years",
                         place="t_years")


def drift(r: float, q: float, sigma: float) -> float:
    """Log drift per year of the index under the pricing measure: ``r - q - sigma^2/2``."""
    return r - q - 0.5 * sigma * sigma


def touch_probability(spot: float, barrier: float, sigma: float, t_years: float,
                      r: float = 0.0, q: float = 0.0) -> float:
    """P(the index touches ``barrier`` before ``t_years``) under GBM, closed form.

    An upper barrier (above spot) uses the first-passage formula of the module docstring;
    a lower barrier is its mirror image (``X -> -X``, ``nu -> -nu``). A barrier at spot is
    touched already (1.0); an infinite or NaN barrier (no breakeven on that side) is 0.0.
    """
    check_inputs(spot, sigma, t_years)
    if not math.isfinite(barrier) or barrier <= 0:
        return 0.0
    nu = drift(r, q, sigma)
    dist = math.log(barrier / spot)
    if dist < 0:  # lower barrier: mirror
        dist, nu = -dist, -nu
    if dist == 0:
        return 1.0
    s = sigma * math.sqrt(t_years)
    direct = float(ndtr((nu * t_years - dist) / s))
    # exp(2 nu b / sigma^2) can overflow where its N(.) factor underflows: add the logs
    log_reflected = 2.0 * nu * dist / sigma**2 + float(log_ndtr((-nu * t_years - dist) / s))
    return min(direct + math.exp(log_reflected), 1.0)


def finish_beyond_probability(spot: float, barrier: float, sigma: float, t_years: float,
                              r: float = 0.0, q: float = 0.0) -> float:
    """P(S_T beyond ``barrier``) under GBM: above it for an upper barrier, below for a lower."""
    check_inputs(spot, sigma, t_years)
    if not math.isfinite(barrier) or barrier <= 0:
        return 0.0
    nu = drift(r, q, sigma)
    z = (math.log(barrier / spot) - nu * t_years) / (sigma * math.sqrt(t_years))
    return float(ndtr(-z)) if barrier >= spot else float(ndtr(z))


def finish_within_probability(spot: float, lower: float, upper: float, sigma: float,
                              t_years: float, r: float = 0.0, q: float = 0.0) -> float:
    """P(lower < S_T < upper) under GBM (the probability of profit of a fly held to expiry)."""
    check_inputs(spot, sigma, t_years)
    _check_band(lower, upper)
    nu = drift(r, q, sigma)
    s = sigma * math.sqrt(t_years)
    hi = 1.0 if not math.isfinite(upper) else float(ndtr((math.log(upper / spot) - nu * t_years) / s))
    lo = 0.0 if not math.isfinite(lower) or lower <= 0 else float(
        ndtr((math.log(lower / spot) - nu * t_years) / s))
    return max(hi - lo, 0.0)


def stay_within_probability(spot: float, lower: float, upper: float, sigma: float,
                            t_years: float, r: float = 0.0, q: float = 0.0,
                            terms: int = SERIES_TERMS) -> float:
    """P(lower < S_t < upper for every t <= T) under GBM, by the two-barrier series.

    An infinite side reduces to one barrier (``1 - touch_probability``); spot outside the
    band gives 0.0. See the module docstring for the series.
    """
    check_inputs(spot, sigma, t_years)
    _check_band(lower, upper)
    if not (lower < spot < upper):
        return 0.0
    if not math.isfinite(upper) and (not math.isfinite(lower) or lower <= 0):
        return 1.0
    if not math.isfinite(upper):
        return 1.0 - touch_probability(spot, lower, sigma, t_years, r, q)
    if not math.isfinite(lower) or lower <= 0:
        return 1.0 - touch_probability(spot, upper, sigma, t_years, r, q)
    nu = drift(r, q, sigma)
    a, b = math.log(lower / spot), math.log(upper / spot)
    w = b - a
    s = sigma * math.sqrt(t_years)
    theta = nu / sigma**2
    k = np.arange(-terms, terms + 1, dtype=np.float64)

    def mass(c: np.ndarray) -> np.ndarray:
        # integral over (a, b) of e^{theta x} n(x - c) e^{-nu^2 T / (2 sigma^2)} dx
        with np.errstate(over="ignore", invalid="ignore"):
            d = ndtr((b - c - nu * t_years) / s) - ndtr((a - c - nu * t_years) / s)
            out = np.exp(theta * c) * d
        return np.where(d == 0.0, 0.0, out)

    total = float(np.sum(mass(2.0 * k * w)) - np.sum(mass(2.0 * b - 2.0 * k * w)))
    return min(max(total, 0.0), 1.0)


def _check_band(lower: float, upper: float) -> None:
    if math.isnan(lower) or math.isnan(upper):
        raise PosbtError("breakeven is NaN (the position has no profitable range)",
                         place="breakevens")
    if lower >= upper:
        raise PosbtError(f"lower breakeven {lower} is not below upper breakeven {upper}",
                         place="breakevens")
