"""Breakeven probabilities by calculation method: THEORETICAL, MONTE_CARLO, EMPIRICAL, HYBRID
(breakeven stage).

Before: a band ``[lower, upper]`` (``ironfly.py`` or ``curve.py``; the levels are the zeros
of the P&L at the horizon, a function of spot at the horizon under the stated IV
assumption, so they are the same under every method). After: the report and the CLI.

What the method changes is the model of the spot path that turns the band into
probabilities (touch each breakeven, stay within, finish within = probability of profit at
the horizon):

* ``THEORETICAL`` / ``BLACK_SCHOLES``: GBM closed forms (``probability.py``), exact numbers.
* ``MONTE_CARLO``: bridge-corrected GBM paths with the given vol, seeded, with 95% intervals.
* ``EMPIRICAL`` / ``HISTORICAL``: the frequencies over every window of the same horizon in a
  daily close series (``horizon_trading_days``: ``round(t_years * 252)`` trading days).
* ``HYBRID``: ``w * THEORETICAL + (1 - w) * EMPIRICAL`` for each probability, ``w =
  hybrid_weight`` (0.5 by default); the interval is the empirical one scaled by ``1 - w``. When
  the history is too short the theoretical numbers are returned with the reason.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from engine.breakeven.kinds import BECalcMethod, ProbabilityMethod
from engine.breakeven.montecarlo import (
    BandProbabilities,
    Estimate,
    historical_band_probabilities,
    horizon_trading_days,
    mc_band_probabilities,
)
from engine.breakeven.probability import (
    check_inputs,
    finish_within_probability,
    stay_within_probability,
    touch_probability,
)
from engine.errors import PosbtError

_BY_PROBABILITY_METHOD = {
    ProbabilityMethod.BLACK_SCHOLES: BECalcMethod.THEORETICAL,
    ProbabilityMethod.MONTE_CARLO: BECalcMethod.MONTE_CARLO,
    ProbabilityMethod.HISTORICAL: BECalcMethod.EMPIRICAL,
}


def closed_form_band_probabilities(spot: float, lower: float, upper: float, sigma: float,
                                   t_years: float, r: float = 0.0, q: float = 0.0
                                   ) -> BandProbabilities:
    """All four band probabilities from the GBM closed forms."""
    check_inputs(spot, sigma, t_years)
    return BandProbabilities(
        touch_lower=Estimate.exact(touch_probability(spot, lower, sigma, t_years, r, q)),
        touch_upper=Estimate.exact(touch_probability(spot, upper, sigma, t_years, r, q)),
        stay_within=Estimate.exact(stay_within_probability(spot, lower, upper, sigma, t_years, r, q)),
        finish_within=Estimate.exact(
            finish_within_probability(spot, lower, upper, sigma, t_years, r, q)),
        method="THEORETICAL")


def band_probabilities(spot: float, lower: float, upper: float, t_years: float, *,
                       method: BECalcMethod | ProbabilityMethod = BECalcMethod.THEORETICAL,
                       sigma: float = math.nan, r: float = 0.0, q: float = 0.0,
                       closes: npt.ArrayLike | None = None, n_paths: int = 100_000,
                       seed: int | np.random.Generator = 0,
                       hybrid_weight: float = 0.5) -> BandProbabilities:
    """Probabilities for the band by ``method`` (module docstring).

    ``sigma`` is needed by THEORETICAL, MONTE_CARLO and HYBRID; ``closes`` (daily closes,
    oldest first) by EMPIRICAL and HYBRID.
    """
    kind = _BY_PROBABILITY_METHOD[method] if isinstance(method, ProbabilityMethod) else method
    if math.isnan(lower) or math.isnan(upper):
        raise PosbtError("no breakeven band (the position has no profitable range)",
                         place="breakevens")
    if kind is BECalcMethod.THEORETICAL:
        return closed_form_band_probabilities(spot, lower, upper, sigma, t_years, r, q)
    if kind is BECalcMethod.MONTE_CARLO:
        return mc_band_probabilities(spot, lower, upper, sigma, t_years, r, q,
                                     n_paths=n_paths, seed=seed)
    if closes is None:
        raise PosbtError(f"{kind.value} needs a daily close series", place="closes")
    empirical = historical_band_probabilities(closes, spot, lower, upper,
                                              horizon_trading_days(t_years))
    if kind is BECalcMethod.EMPIRICAL:
        return replace(empirical, method="EMPIRICAL")
    if not 0.0 <= hybrid_weight <= 1.0:
        raise PosbtError(f"must be in [0, 1], got {hybrid_weight}", place="hybrid_weight")
    theory = closed_form_band_probabilities(spot, lower, upper, sigma, t_years, r, q)
    if empirical.reason:
        return replace(theory, method="HYBRID",
                       reason=f"theoretical only: {empirical.reason}")
    w = hybrid_weight
    return BandProbabilities(
        touch_lower=_blend(theory.touch_lower, empirical.touch_lower, w),
        touch_upper=_blend(theory.touch_upper, empirical.touch_upper, w),
        stay_within=_blend(theory.stay_within, empirical.stay_within, w),
        finish_within=_blend(theory.finish_within, empirical.finish_within, w),
        method="HYBRID", n_samples=empirical.n_samples)

def _blend(theory: Estimate, empirical: Estimate, w: float) -> Estimate:
    value = w * theory.value + (1 - w) * empirical.value
    half = (1 - w) * (empirical.high - empirical.low) / 2.0
    return Estimate(value, max(value - half, 0.0), min(value + half, 1.0))
