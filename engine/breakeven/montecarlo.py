"""Path-based probabilities: bridge-corrected Monte Carlo and historical windows (breakeven stage).

Companion of ``probability.py`` (closed forms). Both answer, for a band ``[lower, upper]``
around spot over a horizon: P(touch lower), P(touch upper), P(stay within), P(finish within),
each as an ``Estimate`` with a 95% confidence interval.

Monte Carlo: GBM log paths ``X`` on ``n_steps`` equal steps, vectorised over paths, from a
seeded ``numpy.random.Generator``. A discretely monitored path misses touches between its
points, so each step is corrected with the Brownian-bridge probability of not crossing
given both end points (exact for GBM, since the bridge does not depend on the drift):
one barrier ``1 - exp(-2 (b - x_i)(b - x_{i+1}) / (sigma^2 dt))``; two barriers the
image series ``sum_k exp(-2 k w (k w - (x_{i+1} - x_i)) / s2) - exp(-2 (b + k w - x_i)
(b + k w - x_{i+1}) / s2)``, ``s2 = sigma^2 dt``, ``k = -2..2``. The estimator averages the
per-path conditional probabilities (no uniforms drawn), so it is unbiased for any step
count; more steps only matter for pathwise quantities.

Historical: every window of ``h`` trading days of a daily close series gives one path of
relative moves, applied to today's spot. Windows overlap, so the binomial interval shown
understates the true uncertainty; fewer than ``MIN_HISTORY_WINDOWS`` windows give NaN with a
reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine.breakeven.probability import check_inputs, drift
from engine.errors import PosbtError

FloatArray = npt.NDArray[np.float64]
Z95 = 1.959963984540054
MIN_HISTORY_WINDOWS = 20
TRADING_DAYS_PER_YEAR = 252.0


@dataclass(frozen=True)
class Estimate:
    """A probability with its 95% interval (``low == high == value`` for closed forms)."""

    value: float
    low: float
    high: float

    @classmethod
    def exact(cls, value: float) -> Estimate:
        """A closed-form number (no sampling error)."""
        return cls(value, value, value)

    @classmethod
    def from_samples(cls, samples: FloatArray) -> Estimate:
        """Mean of per-path values with mean +/- 1.96 standard errors, clipped to [0, 1]."""
        if samples.size == 0:
            return cls(math.nan, math.nan, math.nan)
        mean = float(samples.mean())
        half = Z95 * float(samples.std(ddof=1)) / math.sqrt(samples.size) if samples.size > 1 else 0.0
        return cls(mean, max(mean - half, 0.0), min(mean + half, 1.0))

    @property
    def stderr(self) -> float:
        """Standard error implied by the interval (0 for closed forms)."""
        return (self.high - self.low) / (2.0 * Z95)


@dataclass(frozen=True)
class BandProbabilities:
    """Probabilities for a breakeven band over one horizon, from one model."""

    touch_lower: Estimate
    touch_upper: Estimate
    stay_within: Estimate
    finish_within: Estimate
    method: str
    n_samples: int = 0
    reason: str = ""


def _log_band(spot: float, lower: float, upper: float) -> tuple[float, float]:
    a = math.log(lower / spot) if math.isfinite(lower) and lower > 0 else -math.inf
    b = math.log(upper / spot) if math.isfinite(upper) else math.inf
    if not a < 0.0 < b:
        raise PosbtError(f"spot {spot} is not strictly inside the band [{lower}, {upper}]",
                         place="breakevens")
    return a, b


def _no_cross_one(dist0: FloatArray, dist1: FloatArray, s2: float) -> FloatArray:
    """Bridge probability of not reaching a barrier; distances are positive inside."""
    with np.errstate(over="ignore", under="ignore"):
        p = 1.0 - np.exp(-2.0 * dist0 * dist1 / s2)
    return np.where((dist0 > 0) & (dist1 > 0), p, 0.0)


def _no_cross_two(x0: FloatArray, x1: FloatArray, a: float, b: float, s2: float) -> FloatArray:
    """Bridge probability of staying inside (a, b) between two inside points."""
    w = b - a
    total = np.zeros_like(x0)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        for k in range(-2, 3):
            total += np.exp(-2.0 * k * w * (k * w - (x1 - x0)) / s2)
            total -= np.exp(-2.0 * (b + k * w - x0) * (b + k * w - x1) / s2)
    inside = (x0 > a) & (x0 < b) & (x1 > a) & (x1 < b)
    return np.where(inside, np.clip(total, 0.0, 1.0), 0.0)


def mc_band_probabilities(spot: float, lower: float, upper: float, sigma: float, t_years: float,
                          r: float = 0.0, q: float = 0.0, *, n_paths: int = 100_000,
                          n_steps: int = 4, seed: int | np.random.Generator = 0
                          ) -> BandProbabilities:
    """Bridge-corrected Monte Carlo of touching / staying within ``[lower, upper]`` (GBM).

    ``lower`` may be ``-inf`` (or <= 0) and ``upper`` ``+inf`` for a one-sided band.
    ``seed`` is an int or a ``numpy.random.Generator``; equal seeds give equal results.
    """
    check_inputs(spot, sigma, t_years)
    if n_paths < 2 or n_steps < 1:
        raise PosbtError(f"need n_paths >= 2 and n_steps >= 1, got {n_paths}, {n_steps}",
                         place="n_paths")
    a, b = _log_band(spot, lower, upper)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    dt = t_years / n_steps
    s2 = sigma * sigma * dt
    mu, sd = drift(r, q, sigma) * dt, math.sqrt(s2)
    x = np.zeros(n_paths)
    surv_up = np.ones(n_paths)
    surv_dn = np.ones(n_paths)
    surv_both = np.ones(n_paths)
    for _ in range(n_steps):
        x1 = x + mu + sd * rng.standard_normal(n_paths)
        if math.isfinite(b):
            surv_up *= _no_cross_one(b - x, b - x1, s2)
        if math.isfinite(a):
            surv_dn *= _no_cross_one(x - a, x1 - a, s2)
        if math.isfinite(a) and math.isfinite(b):
            surv_both *= _no_cross_two(x, x1, a, b, s2)
        x = x1
    if not math.isfinite(a):
        surv_both = surv_up
    elif not math.isfinite(b):
        surv_both = surv_dn
    finish = ((x > a) & (x < b)).astype(np.float64)
    return BandProbabilities(
        touch_lower=Estimate.from_samples(1.0 - surv_dn),
        touch_upper=Estimate.from_samples(1.0 - surv_up),
        stay_within=Estimate.from_samples(surv_both),
        finish_within=Estimate.from_samples(finish),
        method="MONTE_CARLO", n_samples=n_paths)


def horizon_trading_days(t_years: float) -> int:
    """Trading days in a horizon of ``t_years`` calendar years: ``round(t * 252)``, at least 1."""
    return max(1, round(t_years * TRADING_DAYS_PER_YEAR))


def historical_band_probabilities(closes: npt.ArrayLike, spot: float, lower: float, upper: float,
                                  horizon_days: int) -> BandProbabilities:
    """Touch / stay / finish frequencies over every ``horizon_days`` window of ``closes``.

    A window touches the upper breakeven when its highest close relative to its first close
    reaches ``upper / spot`` (daily closes only: intraday touches are not seen).
    """
    arr = np.asarray(closes, dtype=np.float64)
    if arr.ndim != 1 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise PosbtError("closes must be a 1-D series of positive finite prices", place="closes")
    if horizon_days < 1:
        raise PosbtError(f"horizon must be at least one day, got {horizon_days}", place="horizon_days")
    a, b = _log_band(spot, lower, upper)
    n_windows = arr.size - horizon_days
    if n_windows < MIN_HISTORY_WINDOWS:
        nan = Estimate(math.nan, math.nan, math.nan)
        return BandProbabilities(nan, nan, nan, nan, "HISTORICAL", max(n_windows, 0),
                                 f"{arr.size} closes give {max(n_windows, 0)} windows of "
                                 f"{horizon_days} days; need {MIN_HISTORY_WINDOWS}")
    logs = np.log(arr)
    windows = np.lib.stride_tricks.sliding_window_view(logs, horizon_days + 1)
    moves = windows[:, 1:] - windows[:, :1]
    hit_up = (moves.max(axis=1) >= b).astype(np.float64)
    hit_dn = (moves.min(axis=1) <= a).astype(np.float64)
    last = moves[:, -1]
    return BandProbabilities(
        touch_lower=Estimate.from_samples(hit_dn),
        touch_upper=Estimate.from_samples(hit_up),
        stay_within=Estimate.from_samples((1.0 - hit_up) * (1.0 - hit_dn)),
        finish_within=Estimate.from_samples(((last > a) & (last < b)).astype(np.float64)),
        method="HISTORICAL", n_samples=int(moves.shape[0]))
