"""Statistics that keep a sweep or an A/B test honest (analytics stage).

Pure functions over numpy arrays, no I/O:

* :func:`paired_bootstrap_ci` -- percentile bootstrap confidence interval of the mean of paired
  differences ``a - b`` (Efron & Tibshirani, *An Introduction to the Bootstrap*, 1993, ch. 13).
* :func:`paired_permutation_test` -- sign-flip permutation p-value of the mean difference
  (Good, *Permutation, Parametric and Bootstrap Tests of Hypotheses*, 2005): exact when
  ``2**n`` sign patterns fit in ``n_resamples``, else Monte Carlo with the ``(k + 1) / (B + 1)``
  correction (Phipson & Smyth, 2010), as :func:`scipy.stats.permutation_test` does.
* :func:`sharpe_difference` -- the difference of two Sharpe ratios with its standard error by
  Memmel's (2003) correction of Jobson & Korkie (1981).
* :func:`deflated_sharpe_ratio` -- the Deflated Sharpe Ratio (Bailey & Lopez de Prado, 2014).
* :func:`probability_of_backtest_overfitting` -- PBO by combinatorially symmetric
  cross-validation (Bailey, Borwein, Lopez de Prado & Zhu, 2015).

Sharpe ratios here are per period (mean / standard deviation of the per-period returns or
P&L, ``ddof=1``), never annualised: the DSR and the Memmel variance are stated per period.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats as sps

from engine.errors import PosbtError

EULER_GAMMA = 0.5772156649015329
FloatArray = NDArray[np.float64]


def _vector(x: ArrayLike, name: str, min_len: int = 2) -> FloatArray:
    arr = np.asarray(x, dtype=np.float64).ravel()
    if arr.size < min_len:
        raise PosbtError(f"{name} needs at least {min_len} values, got {arr.size}")
    if not np.all(np.isfinite(arr)):
        raise PosbtError(f"{name} holds a missing or infinite value")
    return arr


def _paired(a: ArrayLike, b: ArrayLike) -> FloatArray:
    x, y = _vector(a, "a"), _vector(b, "b")
    if x.size != y.size:
        raise PosbtError(f"paired samples differ in length: {x.size} and {y.size}")
    return x - y


@dataclass(frozen=True)
class BootstrapCI:
    """Mean of the paired differences and its percentile bootstrap interval."""

    mean_diff: float
    low: float
    high: float
    confidence: float
    n_resamples: int


def paired_bootstrap_ci(a: ArrayLike, b: ArrayLike, *, n_resamples: int = 9999,
                        confidence: float = 0.95, seed: int = 0) -> BootstrapCI:
    """Percentile bootstrap CI of ``mean(a - b)`` over pairs resampled with replacement.

    ``d = a - b``; each of the ``B = n_resamples`` resamples draws ``n`` pair indices uniformly
    with replacement (``numpy.random.default_rng(seed).integers(0, n, (B, n))``, the same draw
    as :func:`scipy.stats.bootstrap` makes for paired data); the interval is the
    ``(1 - c) / 2`` and ``(1 + c) / 2`` quantiles (linear interpolation) of the ``B`` resample
    means.
    """
    if not 0.0 < confidence < 1.0:
        raise PosbtError(f"confidence must be between 0 and 1, got {confidence}")
    if n_resamples < 1:
        raise PosbtError(f"n_resamples must be at least 1, got {n_resamples}")
    d = _paired(a, b)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, d.size, (n_resamples, d.size))
    means = d[idx].mean(axis=-1)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [alpha, 1.0 - alpha])
    return BootstrapCI(float(d.mean()), float(low), float(high), confidence, n_resamples)


@dataclass(frozen=True)
class PermutationResult:
    """Observed mean difference, its two-sided p-value and whether the test was exact."""

    mean_diff: float
    p_value: float
    exact: bool
    n_resamples: int


def paired_permutation_test(a: ArrayLike, b: ArrayLike, *, n_resamples: int = 9999,
                            seed: int = 0) -> PermutationResult:
    """Two-sided sign-flip permutation test of ``mean(a - b) = 0``.

    Under the null each pair's label is exchangeable, so each difference keeps or flips its
    sign with probability 1/2. With ``2**n <= n_resamples`` every sign pattern is enumerated
    (exact, ``p = 2 * min(#{T* <= t}, #{T* >= t}) / 2**n``); otherwise ``B`` random patterns
    give ``p = 2 * min(#{T* <= t} + 1, #{T* >= t} + 1) / (B + 1)``. ``p`` is capped at 1; ties
    within ``100 * eps * |t|`` count as equal.
    """
    if n_resamples < 1:
        raise PosbtError(f"n_resamples must be at least 1, got {n_resamples}")
    d = _paired(a, b)
    n = d.size
    observed = float(d.mean())
    exact = n < 63 and 2**n <= n_resamples
    if exact:
        signs = np.array(list(itertools.product((1.0, -1.0), repeat=n)))
        total = signs.shape[0]
        adjustment = 0
    else:
        rng = np.random.default_rng(seed)
        signs = rng.choice(np.array([1.0, -1.0]), size=(n_resamples, n))
        total = n_resamples
        adjustment = 1
    null = (signs * d).mean(axis=-1)
    gamma = abs(observed) * np.finfo(np.float64).eps * 100
    less = (np.count_nonzero(null <= observed + gamma) + adjustment) / (total + adjustment)
    greater = (np.count_nonzero(null >= observed - gamma) + adjustment) / (total + adjustment)
    p = min(1.0, 2.0 * min(less, greater))
    return PermutationResult(observed, float(p), exact, int(total))


def sharpe_ratio(x: ArrayLike) -> float:
    """Per-period Sharpe ratio ``mean / std`` (``ddof=1``); 0 for a constant series."""
    arr = _vector(x, "returns")
    sd = float(arr.std(ddof=1))
    return 0.0 if sd == 0.0 else float(arr.mean()) / sd


@dataclass(frozen=True)
class SharpeDifference:
    """``SR_a - SR_b`` with Memmel's standard error, z statistic and two-sided p-value."""

    sharpe_a: float
    sharpe_b: float
    diff: float
    std_error: float
    z: float
    p_value: float
    correlation: float
    n: int


def sharpe_difference(a: ArrayLike, b: ArrayLike) -> SharpeDifference:
    """Difference of the per-period Sharpe ratios of paired series ``a`` and ``b``.

    Jobson & Korkie (1981) with Memmel's (2003) correction, for ``T`` paired observations with
    correlation ``rho``::

        Var(SR_a - SR_b) = (1 / T) * [2 (1 - rho) + 1/2 (SR_a^2 + SR_b^2 - 2 SR_a SR_b rho^2)]

    ``z = (SR_a - SR_b) / sqrt(Var)``, ``p = 2 (1 - Phi(|z|))``. The formula assumes normal,
    serially independent returns (for heavy tails prefer the bootstrap of Ledoit & Wolf, 2008).
    """
    x, y = _vector(a, "a", 3), _vector(b, "b", 3)
    if x.size != y.size:
        raise PosbtError(f"paired samples differ in length: {x.size} and {y.size}")
    sr_a, sr_b = sharpe_ratio(x), sharpe_ratio(y)
    if x.std() == 0.0 or y.std() == 0.0:
        raise PosbtError("a Sharpe difference needs two series that vary")
    rho = float(np.corrcoef(x, y)[0, 1])
    t = x.size
    var = (2.0 * (1.0 - rho) + 0.5 * (sr_a**2 + sr_b**2 - 2.0 * sr_a * sr_b * rho**2)) / t
    se = math.sqrt(max(var, 0.0))
    diff = sr_a - sr_b
    z = diff / se if se > 0 else math.copysign(math.inf, diff) if diff else 0.0
    p = float(2.0 * sps.norm.sf(abs(z)))
    return SharpeDifference(sr_a, sr_b, diff, se, z, p, rho, t)


def expected_max_sharpe(n_trials: int, sharpe_variance: float) -> float:
    """Expected maximum of ``N`` independent trial Sharpe ratios under the null (SR = 0).

    Bailey & Lopez de Prado (2014), eq. for ``SR_0``::

        SR_0 = sqrt(V[SR]) * ((1 - g) Phi^-1(1 - 1/N) + g Phi^-1(1 - 1/(N e)))

    with ``g`` the Euler-Mascheroni constant. 0 for a single trial.
    """
    if n_trials < 1:
        raise PosbtError(f"the number of trials must be at least 1, got {n_trials}")
    if n_trials == 1:
        return 0.0
    g = EULER_GAMMA
    z1 = float(sps.norm.ppf(1.0 - 1.0 / n_trials))
    z2 = float(sps.norm.ppf(1.0 - 1.0 / (n_trials * math.e)))
    return math.sqrt(max(sharpe_variance, 0.0)) * ((1.0 - g) * z1 + g * z2)


def probabilistic_sharpe_ratio(sharpe: float, benchmark: float, n: int, skew: float,
                               kurtosis: float) -> float:
    """PSR: probability that the true per-period Sharpe exceeds ``benchmark``.

    Bailey & Lopez de Prado (2012)::

        PSR = Phi((SR - SR*) sqrt(T - 1) / sqrt(1 - g3 SR + (g4 - 1) / 4 SR^2))

    ``g3`` the skewness and ``g4`` the (non-excess) kurtosis of the returns (3 for normal).
    """
    if n < 2:
        raise PosbtError(f"the PSR needs at least 2 observations, got {n}")
    denom = 1.0 - skew * sharpe + (kurtosis - 1.0) / 4.0 * sharpe**2
    if denom <= 0:
        raise PosbtError("the PSR is undefined for these moments (1 - g3 SR + (g4-1)/4 SR^2 <= 0)")
    return float(sps.norm.cdf((sharpe - benchmark) * math.sqrt(n - 1) / math.sqrt(denom)))


@dataclass(frozen=True)
class DeflatedSharpe:
    """The best trial's Sharpe, the null's expected maximum ``SR_0`` and the DSR."""

    best_index: int
    sharpe: float
    expected_max_sharpe: float
    dsr: float
    n_trials: int
    n: int


def deflated_sharpe_ratio(returns: ArrayLike, *, n_trials: int | None = None,
                          sharpe_variance: float | None = None) -> DeflatedSharpe:
    """Deflated Sharpe Ratio of the best column of a ``T x N`` matrix of trial returns.

    Bailey & Lopez de Prado (2014): ``DSR = PSR(SR_0)`` of the best trial, where ``SR_0`` is
    :func:`expected_max_sharpe` for ``N`` trials and the variance ``V[SR]`` of the trials'
    Sharpe ratios (both taken from the matrix unless given). A DSR above 0.95 says the best
    trial's Sharpe is unlikely to be the luck of picking the maximum of ``N`` tries.
    """
    m = np.asarray(returns, dtype=np.float64)
    if m.ndim == 1:
        m = m[:, None]
    if m.ndim != 2 or m.shape[0] < 3:
        raise PosbtError("the DSR needs a T x N matrix of returns with T >= 3")
    if not np.all(np.isfinite(m)):
        raise PosbtError("the DSR's returns hold a missing or infinite value")
    sd = m.std(axis=0, ddof=1)
    srs = np.divide(m.mean(axis=0), sd, out=np.zeros(m.shape[1]), where=sd > 0)
    best = int(np.argmax(srs))
    trials = n_trials if n_trials is not None else m.shape[1]
    var = sharpe_variance if sharpe_variance is not None else (
        float(srs.var(ddof=1)) if srs.size > 1 else 0.0)
    sr0 = expected_max_sharpe(trials, var)
    col = m[:, best]
    skew = float(sps.skew(col)) if sd[best] > 0 else 0.0
    kurt = float(sps.kurtosis(col, fisher=False)) if sd[best] > 0 else 3.0
    dsr = probabilistic_sharpe_ratio(float(srs[best]), sr0, m.shape[0], skew, kurt)
    return DeflatedSharpe(best, float(srs[best]), sr0, dsr, trials, m.shape[0])


@dataclass(frozen=True)
class PBOResult:
    """PBO, the logits of each split and the splits' count."""

    pbo: float
    logits: FloatArray
    n_splits: int
    n_groups: int


def probability_of_backtest_overfitting(returns: ArrayLike, *, n_groups: int = 16,
                                        ) -> PBOResult:
    """PBO of choosing the best in-sample column of a ``T x N`` matrix (CSCV).

    Bailey et al. (2015): the ``T`` rows are cut into ``S = n_groups`` contiguous groups; for
    each of the ``C(S, S/2)`` ways to take half the groups as in-sample (IS, the rest
    out-of-sample, OOS), the column with the best IS Sharpe ``n*`` is ranked among the ``N``
    columns by OOS Sharpe (rank 1 worst .. N best), ``w = rank / (N + 1)`` and the logit
    ``l = ln(w / (1 - w))``. ``PBO = #{l <= 0} / C(S, S/2)``: how often the IS winner ends at
    or below the OOS median. Rows left over by ``T mod S`` are dropped from the end.
    """
    m = np.asarray(returns, dtype=np.float64)
    if m.ndim != 2 or m.shape[1] < 2:
        raise PosbtError("the PBO needs a T x N matrix of returns with N >= 2 columns")
    if n_groups < 2 or n_groups % 2:
        raise PosbtError(f"the PBO needs an even number of groups >= 2, got {n_groups}")
    if m.shape[0] < 2 * n_groups:
        raise PosbtError(f"the PBO needs at least {2 * n_groups} rows for {n_groups} groups, "
                         f"got {m.shape[0]}")
    if not np.all(np.isfinite(m)):
        raise PosbtError("the PBO's returns hold a missing or infinite value")
    size = m.shape[0] // n_groups
    g_rows = m[:n_groups * size].reshape(n_groups, size, m.shape[1])
    # per-group column sums and sums of squares: a split's Sharpe from S/2 groups' sums, so the
    # C(S, S/2) splits cost a matrix product each, not a stack of the rows (same numbers: the
    # mean and ddof=1 variance of the split's rows, up to rounding)
    g_sum, g_sq = g_rows.sum(axis=1), (g_rows * g_rows).sum(axis=1)
    n = m.shape[1]
    half = n_groups // 2
    combos = np.array(list(itertools.combinations(range(n_groups), half)), dtype=np.intp)
    logits = np.empty(len(combos))
    rows = half * size
    chunk = max(1, 2**22 // max(1, n))  # about 32 MiB of split x column values at a time
    for lo in range(0, len(combos), chunk):
        mask = np.zeros((min(chunk, len(combos) - lo), n_groups))
        np.put_along_axis(mask, combos[lo:lo + chunk], 1.0, axis=1)
        ins = _split_sharpes(mask @ g_sum, mask @ g_sq, rows)
        oos = _split_sharpes((1.0 - mask) @ g_sum, (1.0 - mask) @ g_sq, rows)
        best = np.argmax(ins, axis=1)
        x = oos[np.arange(len(best)), best][:, None]
        # scipy.stats.rankdata's mean rank of x among the OOS Sharpes (1 = worst)
        rank = (oos < x).sum(axis=1) + ((oos == x).sum(axis=1) + 1) / 2.0
        w = rank / (n + 1)
        logits[lo:lo + len(best)] = np.log(w / (1.0 - w))
    return PBOResult(float(np.mean(logits <= 0)), logits, logits.size, n_groups)


def _split_sharpes(total: FloatArray, sq: FloatArray, rows: int) -> FloatArray:
    """Mean / sd (ddof=1) per row of splits from column sums and sums of squares."""
    mean = total / rows
    var = (sq - total * mean) / (rows - 1)
    # a constant column's variance is rounding (about 1e-16 of its mean square): 0, as its sd
    flat = var <= 1e-12 * sq / rows
    sd = np.sqrt(np.where(flat, 0.0, var))
    out: FloatArray = np.divide(mean, sd, out=np.zeros_like(mean), where=~flat)
    return out
