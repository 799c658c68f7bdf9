"""Index paths and the VIX of the synthetic market: stylized facts, exactness, determinism."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from scipy import integrate

from engine.data.synthetic.clock import (
    OVERNIGHT_SHARE,
    STEPS_PER_DAY,
    TRADING_DAYS_PER_YEAR,
    bar_close_points,
    bar_timestamps,
    day_fraction_at_points,
    step_years,
    trading_years,
)
from engine.data.synthetic.paths import ar1, rebased, simulate_index
from engine.data.synthetic.spec import DEFAULT_SYMBOLS, SymbolSpec, default_symbol_spec
from engine.data.synthetic.vix import (
    VIX_TENOR_YEARS,
    expected_integrated_variance,
    vix_from_log_var,
)
from engine.errors import PosbtError

NIFTY = DEFAULT_SYMBOLS["NIFTY"]
N_DAYS = 1200  # daily stylized facts need a long sample; one path is ~0.2 s


@pytest.fixture(scope="module")
def long_path() -> tuple[np.ndarray, np.ndarray]:
    """Daily log returns (close to close) and the daily-close VIX of a 1200-day path."""
    path = simulate_index(NIFTY, N_DAYS, seed=11, rate=0.065)
    closes = np.concatenate(([np.log(NIFTY.spot0)], path.log_spot[:, -1]))
    vix = vix_from_log_var(path.log_var[:, -1], NIFTY)
    return np.diff(closes), vix


def _acf(x: np.ndarray, lag: int) -> float:
    # reference: the sample autocorrelation, computed with pandas
    import pandas as pd

    return float(pd.Series(x).autocorr(lag))


def test_abs_returns_cluster_but_returns_do_not(long_path: tuple[np.ndarray, np.ndarray]) -> None:
    r, _ = long_path
    acf_r = np.mean([abs(_acf(r, k)) for k in range(1, 11)])
    acf_abs = np.mean([_acf(np.abs(r), k) for k in range(1, 11)])
    # volatility clustering: |r| autocorrelation well above that of r (near zero)
    assert acf_abs > 0.04
    assert acf_abs > 2.0 * acf_r


def test_minute_returns_cluster_too() -> None:
    p = simulate_index(NIFTY, 40, seed=2, rate=0.065)
    m = np.diff(p.log_spot, axis=1)[:, 1:].ravel()  # session minutes, no overnight gaps
    acf_r = np.mean([abs(_acf(m, k)) for k in range(1, 6)])
    acf_abs = np.mean([_acf(np.abs(m), k) for k in range(1, 6)])
    assert acf_abs > 0.02
    assert acf_abs > 4 * acf_r


def test_returns_and_vix_changes_move_opposite(long_path: tuple[np.ndarray, np.ndarray]) -> None:
    r, vix = long_path
    corr = np.corrcoef(r[1:], np.diff(vix))[0, 1]
    assert corr < -0.4  # leverage effect (rho = -0.6) plus down jumps lifting volatility


def test_vix_above_subsequent_realised_vol_on_most_days(
        long_path: tuple[np.ndarray, np.ndarray]) -> None:
    r, vix = long_path
    # realised vol over the 20 days after day i, annualised with sqrt(252), in vol points
    rv = np.array([r[i + 1:i + 21].std(ddof=1) * np.sqrt(252.0) * 100 for i in range(len(r) - 21)])
    share = float(np.mean(vix[: rv.size] > rv))
    assert share > 0.65


def test_daily_moves_are_index_like(long_path: tuple[np.ndarray, np.ndarray]) -> None:
    r, vix = long_path
    assert 0.09 < r.std() * np.sqrt(252) < 0.22  # NIFTY-like annual vol
    assert 9.0 < float(np.median(vix)) < 22.0
    kurt = float(((r - r.mean()) ** 4).mean() / r.var() ** 2)
    assert kurt > 4.0  # fat tails from stochastic volatility and jumps


def test_same_seed_same_path_other_seed_other_path() -> None:
    a = simulate_index(NIFTY, 5, seed=3, rate=0.065)
    b = simulate_index(NIFTY, 5, seed=3, rate=0.065)
    c = simulate_index(NIFTY, 5, seed=4, rate=0.065)
    np.testing.assert_array_equal(a.log_spot, b.log_spot)
    np.testing.assert_array_equal(a.log_high, b.log_high)
    assert not np.array_equal(a.log_spot, c.log_spot)


def test_minute_extremes_bracket_open_and_close() -> None:
    p = simulate_index(NIFTY, 3, seed=5, rate=0.065)
    start, end = p.log_spot[:, :-1], p.log_spot[:, 1:]
    assert np.all(p.log_high >= np.maximum(start, end))
    assert np.all(p.log_low <= np.minimum(start, end))
    assert p.log_spot.shape == (3, STEPS_PER_DAY)


def test_symbols_share_a_market_factor() -> None:
    n, bank = simulate_index(NIFTY, 200, 9, 0.065), simulate_index(
        DEFAULT_SYMBOLS["BANKNIFTY"], 200, 9, 0.065)
    rn, rb = np.diff(n.log_spot[:, -1]), np.diff(bank.log_spot[:, -1])
    assert np.corrcoef(rn, rb)[0, 1] > 0.5


def test_ar1_matches_a_plain_loop() -> None:
    rng = np.random.default_rng(0)
    a = rng.uniform(0.5, 1.0, 10_000)
    u = rng.standard_normal(10_000)
    ref = np.empty_like(u)
    y = 0.3
    for t in range(u.size):  # the recursion written out
        y = a[t] * y + u[t]
        ref[t] = y
    np.testing.assert_allclose(ar1(0.3, a, u), ref, rtol=1e-9, atol=1e-9)


def test_expected_variance_matches_quadrature() -> None:
    spec = NIFTY
    x0, tau = np.log(0.2**2), 0.25

    def mean_var(s: float) -> float:  # E[v_s] of the log-OU, written independently
        m = spec.theta_logvar + (x0 - spec.theta_logvar) * np.exp(-spec.kappa_per_year * s)
        v = spec.vol_of_logvar**2 / (2 * spec.kappa_per_year) * (
            1 - np.exp(-2 * spec.kappa_per_year * s))
        return float(np.exp(m + v / 2))

    ref = integrate.quad(mean_var, 0.0, tau)[0] + spec.jump_variance_per_year * tau
    got = expected_integrated_variance(np.array(x0), tau, spec)
    assert float(got) == pytest.approx(ref, rel=1e-9)
    # VIX from the same state: 100 * sqrt(1.3 * E[var over 30d] / (30/365))
    e30 = integrate.quad(mean_var, 0.0, VIX_TENOR_YEARS)[0] + spec.jump_variance_per_year * (
        VIX_TENOR_YEARS)
    assert float(vix_from_log_var(np.array(x0), spec)) == pytest.approx(
        100 * np.sqrt(1.3 * e30 / VIX_TENOR_YEARS), rel=1e-9)


def test_trading_clock() -> None:
    # a day's steps sum to 1/252 trading years; the overnight gap is 12% of it
    assert step_years().sum() == pytest.approx(1 / TRADING_DAYS_PER_YEAR)
    assert day_fraction_at_points()[0] == pytest.approx(OVERNIGHT_SHARE)
    assert day_fraction_at_points()[-1] == 1.0
    # from 15:30 of day 2 to the close of day 4: exactly 2 trading days
    assert float(trading_years(2, 375, 4)) == pytest.approx(2 / 252)
    assert float(trading_years(4, 375, 4)) == 0.0
    np.testing.assert_array_equal(bar_close_points(15)[:2], [15, 30])
    # bars are stamped at their close: 375 one-minute bars 09:16..15:30, 75 five-minute
    one = bar_timestamps([dt.date(2025, 1, 1)], bar_close_points(1))[0]
    assert one.size == 375
    assert str(one[0]) == "2025-01-01T09:16" and str(one[-1]) == "2025-01-01T15:30"
    five = bar_timestamps([dt.date(2025, 1, 1)], bar_close_points(5))[0]
    assert five.size == 75 and str(five[0]) == "2025-01-01T09:20"
    daily = bar_timestamps([dt.date(2025, 1, 1)], bar_close_points(1440))[0]
    assert [str(x) for x in daily] == ["2025-01-01T15:30"]
    with pytest.raises(ValueError, match="divide"):
        bar_close_points(7)


def test_bad_parameters_are_refused_with_their_place() -> None:
    with pytest.raises(PosbtError, match=r"SymbolSpec\(X\).*butterfly"):
        SymbolSpec("X", spot0=100.0, vol_median=0.2, ssvi_rho=-0.5, ssvi_eta=1.5)
    with pytest.raises(PosbtError, match="spot0"):
        dataclasses.replace(NIFTY, spot0=-1.0)
    with pytest.raises(ValueError, match="n_days"):
        simulate_index(NIFTY, 0, 1, 0.065)
    other = default_symbol_spec("finnifty")
    assert other.symbol == "FINNIFTY" and other.vol_median == NIFTY.vol_median


def test_rebased_path_opens_the_window_at_spot0() -> None:
    p = simulate_index(NIFTY, 10, seed=1, rate=0.065)
    q = rebased(p, 4, 22000.0)
    assert float(np.exp(q.log_spot[3, -1])) == pytest.approx(22000.0)  # close before day 4
    np.testing.assert_allclose(np.diff(q.log_spot, axis=1), np.diff(p.log_spot, axis=1),
                               atol=1e-12)  # same returns
    assert rebased(p, 0, 22000.0).prev_close == pytest.approx(22000.0)
