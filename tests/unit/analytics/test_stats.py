"""Analytics statistics against independent references: scipy.stats, hand arithmetic, Monte Carlo."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats as sps

from engine.analytics.stats import (
    EULER_GAMMA,
    deflated_sharpe_ratio,
    expected_max_sharpe,
    paired_bootstrap_ci,
    paired_permutation_test,
    probabilistic_sharpe_ratio,
    probability_of_backtest_overfitting,
    sharpe_difference,
    sharpe_ratio,
)
from engine.errors import PosbtError


def _pairs(n: int, shift: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    b = rng.normal(1000.0, 5000.0, n)  # a trade's P&L in INR: wide, like option selling
    a = b + rng.normal(shift, 2000.0, n)
    return a, b


def test_bootstrap_matches_scipy_on_the_same_data_and_seed() -> None:
    a, b = _pairs(40, 500.0, 1)
    ours = paired_bootstrap_ci(a, b, n_resamples=2000, confidence=0.9, seed=7)
    ref = sps.bootstrap((a, b), lambda x, y, axis: np.mean(x - y, axis=axis), paired=True,
                        vectorized=True, n_resamples=2000, confidence_level=0.9,
                        method="percentile", rng=np.random.default_rng(7))
    assert ours.low == pytest.approx(ref.confidence_interval.low, rel=1e-12)
    assert ours.high == pytest.approx(ref.confidence_interval.high, rel=1e-12)
    assert ours.mean_diff == pytest.approx(float(np.mean(a - b)), rel=1e-12)
    assert ours.low < ours.mean_diff < ours.high


def test_bootstrap_by_hand_resampling() -> None:
    # the same resampling written out: 3 pairs, B = 5 resamples of 3 indices each
    a, b = np.array([10.0, 20.0, 60.0]), np.array([0.0, 10.0, 30.0])  # d = 10, 10, 30
    idx = np.random.default_rng(3).integers(0, 3, (5, 3))
    d = np.array([10.0, 10.0, 30.0])
    means = sorted(d[row].mean() for row in idx)
    # 90%: quantiles 0.05 and 0.95 of 5 sorted values, linear: position 0.2 and 3.8
    low = means[0] + 0.2 * (means[1] - means[0])
    high = means[3] + 0.8 * (means[4] - means[3])
    ci = paired_bootstrap_ci(a, b, n_resamples=5, confidence=0.9, seed=3)
    assert (ci.low, ci.high) == pytest.approx((low, high))


def test_exact_permutation_matches_scipy_and_enumeration() -> None:
    a, b = _pairs(10, 1500.0, 2)  # 2**10 = 1024 sign patterns <= 9999: exact
    ours = paired_permutation_test(a, b)
    ref = sps.permutation_test((a, b), lambda x, y, axis: np.mean(x - y, axis=axis),
                               permutation_type="samples", vectorized=True,
                               alternative="two-sided", n_resamples=9999)
    assert ours.exact
    assert ours.p_value == pytest.approx(ref.pvalue, rel=1e-12)
    d = a - b
    t = d.mean()
    null = [np.mean(np.array(s) * d) for s in itertools.product((1, -1), repeat=10)]
    p = 2 * min(sum(x <= t + 1e-9 for x in null), sum(x >= t - 1e-9 for x in null)) / 1024
    assert ours.p_value == pytest.approx(min(1.0, p))


def test_monte_carlo_permutation_agrees_with_scipy_within_its_noise() -> None:
    a, b = _pairs(60, 800.0, 4)
    ours = paired_permutation_test(a, b, n_resamples=20000, seed=1)
    ref = sps.permutation_test((a, b), lambda x, y, axis: np.mean(x - y, axis=axis),
                               permutation_type="samples", vectorized=True,
                               n_resamples=20000, rng=np.random.default_rng(11))
    assert not ours.exact
    # two independent Monte Carlo estimates of p: each has sd sqrt(p(1-p)/B) (x2 two-sided)
    sd = 2 * math.sqrt(ref.pvalue * (1 - ref.pvalue) / 20000) + 1e-4
    assert abs(ours.p_value - ref.pvalue) < 5 * sd
    # no difference at all: p = 1 (every sign pattern gives 0 = t)
    flat = paired_permutation_test(b, b)
    assert flat.p_value == 1.0


def test_memmel_standard_error_against_its_formula_and_monte_carlo() -> None:
    a, b = _pairs(500, 300.0, 5)
    res = sharpe_difference(a, b)
    sa, sb = a.mean() / a.std(ddof=1), b.mean() / b.std(ddof=1)
    rho = np.corrcoef(a, b)[0, 1]
    var = (2 - 2 * rho + 0.5 * (sa**2 + sb**2 - 2 * sa * sb * rho**2)) / 500
    assert res.diff == pytest.approx(sa - sb)
    assert res.std_error == pytest.approx(math.sqrt(var))
    assert res.p_value == pytest.approx(2 * sps.norm.sf(abs((sa - sb) / math.sqrt(var))))
    # Monte Carlo: bivariate normal, SR_a = 0.1, SR_b = 0.05, rho = 0.6, T = 250
    rng = np.random.default_rng(9)
    cov = [[1.0, 0.6], [0.6, 1.0]]
    diffs = []
    for _ in range(3000):
        x = rng.multivariate_normal([0.1, 0.05], cov, 250)
        diffs.append(sharpe_ratio(x[:, 0]) - sharpe_ratio(x[:, 1]))
    # formula: (2 - 1.2 + 0.5 (0.01 + 0.0025 - 2 * 0.005 * 0.36)) / 250 = 0.80445 / 250
    expected_se = math.sqrt(0.80445 / 250)  # 0.05673
    assert float(np.std(diffs)) == pytest.approx(expected_se, rel=0.05)


def test_expected_max_sharpe_and_psr_by_hand() -> None:
    # N = 100 trials, V[SR] = 0.001: Phi^-1(0.99) = 2.3263, Phi^-1(1 - 1/(100 e)) = 2.6800
    z1, z2 = sps.norm.ppf(0.99), sps.norm.ppf(1 - 1 / (100 * math.e))
    assert z1 == pytest.approx(2.3263, abs=1e-4)
    expected = math.sqrt(0.001) * ((1 - EULER_GAMMA) * z1 + EULER_GAMMA * z2)
    assert expected_max_sharpe(100, 0.001) == pytest.approx(expected)
    assert expected_max_sharpe(1, 0.5) == 0.0
    # PSR of SR 0.1 vs 0 over T = 101 normal returns: Phi(0.1 * 10 / sqrt(1 + 0.5 * 0.01))
    assert probabilistic_sharpe_ratio(0.1, 0.0, 101, 0.0, 3.0) == pytest.approx(
        sps.norm.cdf(1.0 / math.sqrt(1.005)))


def _noise(t: int, n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 1.0, (t, n))


def test_noise_strategies_pbo_near_half_and_dsr_rejects_the_best() -> None:
    m = _noise(1000, 50, 21)
    # V[SR] of noise ~ 1/T = 0.001; SR_0 ~ sqrt(0.001) (0.4228 * 2.054 + 0.5772 * 2.4596)
    # = 0.0316 * 2.288 = 0.072: the best noise Sharpe is about that, so the DSR is near 0.5
    dsr = deflated_sharpe_ratio(m)
    assert dsr.expected_max_sharpe == pytest.approx(0.072, abs=0.015)
    assert dsr.dsr < 0.95
    # the undeflated PSR of the same best column against 0 looks "significant"
    assert probabilistic_sharpe_ratio(dsr.sharpe, 0.0, 1000, 0.0, 3.0) > 0.95
    pbo = probability_of_backtest_overfitting(m, n_groups=10)  # C(10, 5) = 252 splits
    assert pbo.n_splits == 252
    assert 0.3 < pbo.pbo < 0.7


def test_planted_strong_strategy_is_kept() -> None:
    m = _noise(1000, 50, 22)
    m[:, 17] += 0.3  # SR 0.3 per period, the others ~0 +- 0.032
    # it raises V[SR] to ~ 0.001 + 0.3^2 / 50 = 0.0028 (sd 0.053): SR_0 ~ 0.053 * 2.288 = 0.12;
    # z = (0.3 - 0.12) sqrt(999) / sqrt(1 + 0.5 * 0.09) = 5.6 -> DSR = Phi(5.6) ~ 1
    dsr = deflated_sharpe_ratio(m)
    assert dsr.best_index == 17
    assert dsr.expected_max_sharpe == pytest.approx(0.12, abs=0.03)
    assert dsr.dsr > 0.999
    pbo = probability_of_backtest_overfitting(m, n_groups=10)
    # in each half of 500 rows the planted SR (0.3, sd 0.045) beats the noise's max (~0.1):
    # it is chosen in sample and ranks top out of sample in (nearly) every split
    assert pbo.pbo < 0.05


def test_pbo_logit_by_hand_on_a_tiny_matrix() -> None:
    # 4 rows, 2 groups of 2 rows, 3 strategies; C(2, 1) = 2 splits
    m = np.array([[1.0, 0.0, 2.0], [3.0, 1.0, 0.0], [0.0, 2.0, 1.0], [0.0, 3.0, 1.2]])
    # split 1: IS rows 0-1: SR = 2/1.414, 0.5/0.707, 1/1.414 -> strategy 0 (1.414 vs 0.707,
    # 0.707); OOS rows 2-3: SR 0 (const 0), 2.5/0.707, 1.1/0.141 -> rank of 0 = 1 -> w = 1/4
    # split 2: IS rows 2-3: strategy 2 (7.78); OOS rows 0-1: SR 1.414, 0.707, 0.707 -> strategy
    # 2 ties with 1 at ranks 1.5 -> w = 1.5/4
    res = probability_of_backtest_overfitting(m, n_groups=2)
    assert res.logits == pytest.approx([math.log(0.25 / 0.75), math.log(0.375 / 0.625)])
    assert res.pbo == 1.0


@pytest.mark.parametrize(("call", "text"), [
    (lambda: paired_bootstrap_ci([1, 2, 3], [1, 2]), "differ in length"),
    (lambda: paired_bootstrap_ci([1, np.nan], [1, 2]), "missing"),
    (lambda: paired_bootstrap_ci([1, 2], [1, 2], confidence=1.5), "confidence"),
    (lambda: paired_permutation_test([1, 2], [0, 1], n_resamples=0), "n_resamples"),
    (lambda: sharpe_difference([1, 1, 1], [1, 2, 3]), "vary"),
    (lambda: probability_of_backtest_overfitting(np.zeros((10, 3)), n_groups=3), "even"),
    (lambda: probability_of_backtest_overfitting(np.zeros((10, 3)), n_groups=16), "rows"),
    (lambda: probability_of_backtest_overfitting(np.zeros(10)), "N >= 2"),
    (lambda: deflated_sharpe_ratio(np.zeros((2, 3))), "T >= 3"),
    (lambda: expected_max_sharpe(0, 1.0), "at least 1"),
])
def test_bad_input_is_a_clear_error(call, text: str) -> None:
    with pytest.raises(PosbtError, match=text):
        call()


def test_pbo_equals_the_split_by_split_definition_with_ties_and_flat_columns() -> None:
    """The PBO's logits against the definition written out: each split's rows stacked, the
    Sharpes by numpy (ddof=1, 0 for a flat column), the OOS rank by scipy.stats.rankdata."""
    def sharpes(x: np.ndarray) -> np.ndarray:
        sd = x.std(axis=0, ddof=1)
        return np.divide(x.mean(axis=0), sd, out=np.zeros(x.shape[1]), where=sd > 0)

    rng = np.random.default_rng(3)
    m = rng.normal(size=(100, 7))
    m[:, 1] = m[:, 0]  # two variants with the same P&L: tied ranks
    m[:, 2] = 5.0      # a flat column: Sharpe 0
    m[:, 3] = 0.0      # a variant that never traded
    groups = [m[g * 12:(g + 1) * 12] for g in range(8)]  # 100 // 8 = 12 rows; 4 dropped
    want = []
    for ins in itertools.combinations(range(8), 4):
        is_rows = np.vstack([groups[g] for g in ins])
        oos_rows = np.vstack([groups[g] for g in range(8) if g not in ins])
        best = int(np.argmax(sharpes(is_rows)))
        w = float(sps.rankdata(sharpes(oos_rows))[best]) / (7 + 1)
        want.append(math.log(w / (1 - w)))
    got = probability_of_backtest_overfitting(m, n_groups=8)
    assert got.n_splits == math.comb(8, 4) == 70
    np.testing.assert_allclose(got.logits, want, atol=1e-12)
    assert got.pbo == pytest.approx(np.mean(np.array(want) <= 0))
