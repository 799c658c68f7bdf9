"""Touch / stay-within probabilities: closed forms against bridge-corrected Monte Carlo
(within 3 standard errors), the nu = 0 reflection identity, one-barrier limits, history."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from engine.breakeven import (
    band_probabilities,
    finish_within_probability,
    historical_band_probabilities,
    mc_band_probabilities,
    stay_within_probability,
    touch_probability,
)
from engine.breakeven.probability import finish_beyond_probability
from engine.config.enums import BECalcMethod, ProbabilityMethod
from engine.errors import PosbtError

S, SIGMA, T = 22000.0, 0.14, 7 / 365


def _within(mc_value: float, se: float, exact: float) -> bool:
    return abs(mc_value - exact) <= 3.0 * se + 1e-12


@pytest.mark.parametrize("r", [0.0, 0.065, -0.08])
def test_touch_closed_form_matches_bridge_mc(r: float) -> None:
    lower, upper = 21600.0, 22300.0
    mc = mc_band_probabilities(S, lower, upper, SIGMA, T, r, n_paths=40_000, n_steps=3, seed=7)
    up = touch_probability(S, upper, SIGMA, T, r)
    dn = touch_probability(S, lower, SIGMA, T, r)
    assert _within(mc.touch_upper.value, mc.touch_upper.stderr, up)
    assert _within(mc.touch_lower.value, mc.touch_lower.stderr, dn)
    stay = stay_within_probability(S, lower, upper, SIGMA, T, r)
    assert _within(mc.stay_within.value, mc.stay_within.stderr, stay)
    fin = finish_within_probability(S, lower, upper, SIGMA, T, r)
    assert _within(mc.finish_within.value, mc.finish_within.stderr, fin)


def test_zero_drift_is_twice_finish_beyond() -> None:
    # nu = r - q - sigma^2/2 = 0 when r = sigma^2 / 2: P(touch) = 2 P(S_T beyond barrier)
    r = SIGMA**2 / 2
    for barrier in (21500.0, 22400.0):
        p_touch = touch_probability(S, barrier, SIGMA, T, r)
        z = abs(math.log(barrier / S)) / (SIGMA * math.sqrt(T))
        assert p_touch == pytest.approx(2 * norm.sf(z), rel=1e-12)
        assert p_touch == pytest.approx(2 * finish_beyond_probability(S, barrier, SIGMA, T, r),
                                        rel=1e-12)


def test_nonzero_drift_differs_from_the_reflection_shortcut() -> None:
    # with r = 0.2 the upward drift makes the upper touch more likely than 2 x P(finish above)
    # is wrong in general: the closed form and the shortcut differ by more than 1e-3
    p = touch_probability(S, 22400, SIGMA, 30 / 365, 0.2)
    shortcut = 2 * finish_beyond_probability(S, 22400, SIGMA, 30 / 365, 0.2)
    assert abs(p - shortcut) > 1e-3


def test_barrier_edge_cases() -> None:
    assert touch_probability(S, S, SIGMA, T) == 1.0
    assert touch_probability(S, math.inf, SIGMA, T) == 0.0
    assert finish_beyond_probability(S, math.inf, SIGMA, T) == 0.0
    assert stay_within_probability(S, 22100, 22200, SIGMA, T) == 0.0  # spot outside the band


def test_stay_within_one_sided_limits() -> None:
    # an infinite side reduces to 1 - P(touch the other)
    assert stay_within_probability(S, -math.inf, 22300, SIGMA, T) == pytest.approx(
        1 - touch_probability(S, 22300, SIGMA, T))
    assert stay_within_probability(S, 21700, math.inf, SIGMA, T) == pytest.approx(
        1 - touch_probability(S, 21700, SIGMA, T))
    assert stay_within_probability(S, 0.0, math.inf, SIGMA, T) == 1.0
    # a very wide band barely differs from the one-sided answer (series vs single barrier)
    wide = stay_within_probability(S, 1000.0, 22300, SIGMA, T, 0.05)
    assert wide == pytest.approx(1 - touch_probability(S, 22300, SIGMA, T, 0.05), abs=1e-12)


def test_stay_within_matches_mc_on_a_long_horizon() -> None:
    # a horizon where the band is only ~1.5 sd wide, so the series' higher terms matter
    mc = mc_band_probabilities(S, 21000, 23000, 0.2, 0.25, 0.05, n_paths=40_000, n_steps=8, seed=3)
    exact = stay_within_probability(S, 21000, 23000, 0.2, 0.25, 0.05)
    assert _within(mc.stay_within.value, mc.stay_within.stderr, exact)


def test_mc_is_seeded_and_one_sided() -> None:
    a = mc_band_probabilities(S, -math.inf, 22300, SIGMA, T, n_paths=1000, seed=5)
    b = mc_band_probabilities(S, -math.inf, 22300, SIGMA, T, n_paths=1000,
                              seed=np.random.default_rng(5))
    assert a == b
    assert a.touch_lower.value == 0.0
    assert a.stay_within.value == pytest.approx(1 - a.touch_upper.value)


@pytest.mark.parametrize(("kwargs", "place"), [
    ({"sigma": -0.1}, "sigma"), ({"t_years": 0.0}, "t_years"), ({"t_years": -1.0}, "t_years"),
    ({"spot": math.nan}, "spot")])
def test_bad_inputs_name_the_argument(kwargs: dict[str, float], place: str) -> None:
    args = {"spot": S, "barrier": 22300.0, "sigma": SIGMA, "t_years": T} | kwargs
    with pytest.raises(PosbtError, match=place):
        touch_probability(**args)


def test_mc_rejects_spot_outside_band_and_bad_sizes() -> None:
    with pytest.raises(PosbtError, match="not strictly inside"):
        mc_band_probabilities(S, 22100, 22300, SIGMA, T, n_paths=100)
    with pytest.raises(PosbtError, match="n_paths"):
        mc_band_probabilities(S, 21000, 22300, SIGMA, T, n_paths=1)
    with pytest.raises(PosbtError, match="lower breakeven"):
        stay_within_probability(S, 22300, 21000, SIGMA, T)
    with pytest.raises(PosbtError, match="NaN"):
        finish_within_probability(S, math.nan, 21000, SIGMA, T)


def _zigzag() -> np.ndarray:
    # closes 100, 101, 102, 101, 100, 101, 102, ... (period 4), 41 closes
    return np.array([100, 101, 102, 101] * 10 + [100], dtype=float)


def test_historical_counts_windows_by_hand() -> None:
    # windows of 2 days: 41 closes -> 39 windows. Band for spot 100: [99.5, 101.5], i.e.
    # relative moves -0.5% and +1.5%. Window starts cycle 100, 101(up), 102, 101(down):
    #   start 100 -> 101, 102: +2%       touches upper     (starts 0,4,..,36: 10 windows)
    #   start 101 -> 102, 101: +0.99%, 0 stays inside     (starts 1,5,..,37: 10 windows)
    #   start 102 -> 101, 100: -0.98%    touches lower     (starts 2,6,..,38: 10 windows)
    #   start 101 -> 100, 101: -0.99%    touches lower     (starts 3,7,..,35:  9 windows)
    res = historical_band_probabilities(_zigzag(), 100.0, 99.5, 101.5, 2)
    assert res.n_samples == 39
    assert res.touch_upper.value == pytest.approx(10 / 39)
    assert res.touch_lower.value == pytest.approx(19 / 39)
    assert res.stay_within.value == pytest.approx(10 / 39)
    # finish within (last move in (-0.5%, +1.5%)): start 101(up) ends at 0% and start
    # 101(down) ends at 0% -> 19; starts at 100 end +2% and at 102 end -1.96% -> out
    assert res.finish_within.value == pytest.approx(19 / 39)


def test_historical_short_history_is_nan_with_reason() -> None:
    res = historical_band_probabilities(np.arange(100.0, 110.0), 100.0, 99, 101, 5)
    assert math.isnan(res.stay_within.value) and "need 20" in res.reason
    with pytest.raises(PosbtError, match="closes"):
        historical_band_probabilities([100.0, -1.0], 100.0, 99, 101, 1)
    with pytest.raises(PosbtError, match="horizon_days"):
        historical_band_probabilities(_zigzag(), 100.0, 99, 101, 0)


def test_methods_dispatch_and_hybrid_blend() -> None:
    closes = _zigzag()
    t = 2 / 252  # 2 trading days
    theo = band_probabilities(100.0, 99.5, 101.5, t, method=BECalcMethod.THEORETICAL, sigma=0.2)
    emp = band_probabilities(100.0, 99.5, 101.5, t, method=ProbabilityMethod.HISTORICAL,
                             closes=closes)
    hyb = band_probabilities(100.0, 99.5, 101.5, t, method=BECalcMethod.HYBRID, sigma=0.2,
                             closes=closes, hybrid_weight=0.25)
    assert emp.method == "EMPIRICAL" and theo.method == "THEORETICAL"
    # 0.25 * theory + 0.75 * empirical
    assert hyb.stay_within.value == pytest.approx(
        0.25 * theo.stay_within.value + 0.75 * emp.stay_within.value)
    mc = band_probabilities(100.0, 99.5, 101.5, t, method=ProbabilityMethod.MONTE_CARLO,
                            sigma=0.2, n_paths=2000)
    assert mc.method == "MONTE_CARLO" and mc.n_samples == 2000
    short = band_probabilities(100.0, 99.5, 101.5, t, method=BECalcMethod.HYBRID, sigma=0.2,
                               closes=closes[:10])
    assert short.reason.startswith("theoretical only")
    assert short.stay_within == theo.stay_within
    with pytest.raises(PosbtError, match="closes"):
        band_probabilities(100.0, 99.5, 101.5, t, method=BECalcMethod.EMPIRICAL)
    with pytest.raises(PosbtError, match="hybrid_weight"):
        band_probabilities(100.0, 99.5, 101.5, t, method=BECalcMethod.HYBRID, sigma=0.2,
                           closes=closes, hybrid_weight=2)
    with pytest.raises(PosbtError, match="no breakeven band"):
        band_probabilities(100.0, math.nan, 101.5, t, sigma=0.2)
