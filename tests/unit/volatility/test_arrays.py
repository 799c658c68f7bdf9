"""Array APIs of engine.volatility against hand arithmetic, scipy and pandas."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import percentileofscore

from engine.volatility import (
    HVMethod,
    NanReason,
    Regime,
    RegimeBands,
    TermClass,
    atr,
    atr_percentile,
    constant_maturity_iv,
    forward_vol,
    hv,
    iv_crush,
    iv_hv_ratio,
    iv_percentile,
    iv_rank,
    ohlc_reason,
    percentile_reason,
    rolling_ivp,
    rolling_ivr,
    term_structure,
    true_range,
    volatility_regime,
)

HIST5 = [0.10, 0.12, 0.15, 0.20, 0.18]


def test_ivp_ivr_five_values_by_hand() -> None:
    # 0.10, 0.12, 0.15 are strictly below 0.16 -> IVP = 3 / 5 = 0.6
    assert iv_percentile(0.16, HIST5) == pytest.approx(0.6)
    # lo = 0.10, hi = 0.20 -> IVR = (0.16 - 0.10) / (0.20 - 0.10) = 0.6
    assert iv_rank(0.16, HIST5) == pytest.approx(0.6)
    # a tie is not "below": 0.10, 0.12 -> 2 / 5
    assert iv_percentile(0.15, HIST5) == pytest.approx(0.4)
    # current above every close: IVP 1, IVR 1 (hi is the current value itself)
    assert iv_percentile(0.30, HIST5) == 1.0
    assert iv_rank(0.30, HIST5) == 1.0
    # current below every close: lo is current -> IVR 0
    assert iv_rank(0.05, HIST5) == 0.0
    # flat history and current: hi == lo -> 0.5 by convention
    assert iv_rank(0.2, [0.2, 0.2, 0.2]) == 0.5


def test_ivp_matches_scipy_strict() -> None:
    rng = np.random.default_rng(3)
    hist = rng.uniform(0.08, 0.30, 252)
    for cur in (0.05, 0.12, hist[17], 0.2, 0.5):
        expected = percentileofscore(hist, cur, kind="strict") / 100.0
        assert iv_percentile(cur, hist, lookback=252) == pytest.approx(expected)


def test_short_history_nan_with_reason_and_min_history() -> None:
    assert math.isnan(iv_percentile(0.16, HIST5, lookback=10))
    assert percentile_reason(0.16, HIST5, lookback=10) is NanReason.SHORT_HISTORY
    # with min_history=3 it computes on the five that exist
    assert iv_percentile(0.16, HIST5, lookback=10, min_history=3) == pytest.approx(0.6)
    assert percentile_reason(0.16, HIST5, lookback=10, min_history=3) is None
    # lookback keeps the LAST N closes: [0.15, 0.20, 0.18] -> none below 0.14
    assert iv_percentile(0.14, HIST5, lookback=3) == 0.0


def test_bad_inputs_give_nan_not_exceptions() -> None:
    assert math.isnan(iv_percentile(float("nan"), HIST5))
    assert percentile_reason(float("nan"), HIST5) is NanReason.NAN_INPUT
    assert math.isnan(iv_rank(0.1, []))
    assert percentile_reason(0.1, []) is NanReason.EMPTY
    # NaNs in the history are dropped: [0.10, 0.20] valid -> 1 of 2 below 0.15
    assert iv_percentile(0.15, [0.10, float("nan"), 0.20]) == 0.5
    assert math.isnan(iv_percentile(0.15, [0.10, float("nan"), 0.20], lookback=3))


def test_rolling_ivp_ivr_against_loops_and_no_lookahead() -> None:
    rng = np.random.default_rng(5)
    x = rng.uniform(0.1, 0.3, 40)
    x[12] = np.nan
    n = 10
    got = rolling_ivp(x, n)
    got_r = rolling_ivr(x, n)
    s = pd.Series(x)
    lo = np.minimum(s.shift(1).rolling(n, min_periods=n).min().to_numpy(), x)
    hi = np.maximum(s.shift(1).rolling(n, min_periods=n).max().to_numpy(), x)
    for t in range(x.size):
        prev = x[max(0, t - n) : t]
        full = t >= n and np.isfinite(prev).all()
        if not full or not np.isfinite(x[t]):
            assert math.isnan(got[t]) and math.isnan(got_r[t])
            continue
        assert got[t] == pytest.approx(percentileofscore(prev, x[t], kind="strict") / 100)
        assert got_r[t] == pytest.approx((x[t] - lo[t]) / (hi[t] - lo[t]))
    # perturbing the future leaves the past unchanged
    y = x.copy()
    y[30:] = 9.9
    assert np.array_equal(rolling_ivp(y, n)[:30], got[:30], equal_nan=True)
    # min_history: element 5 uses the 5 values before it
    assert rolling_ivp(x, n, min_history=5)[5] == pytest.approx(
        np.mean(x[:5] < x[5]))
    assert rolling_ivp([], 5).size == 0 and rolling_ivr([], 5).size == 0


def test_wilder_atr_four_bars_by_hand() -> None:
    h, lo, c = [10, 12, 13, 12], [8, 9, 11, 9], [9, 11, 12, 10]
    # TR1 = max(12, 9) - min(9, 9) = 3; TR2 = max(13, 11) - min(11, 11) = 2
    # TR3 = max(12, 12) - min(9, 12) = 3
    tr = true_range(h, lo, c)
    assert math.isnan(tr[0]) and tr[1:].tolist() == [3, 2, 3]
    # period 2: seed ATR[2] = (3 + 2) / 2 = 2.5; ATR[3] = (2.5 * 1 + 3) / 2 = 2.75
    out = atr(h, lo, c, period=2)
    assert math.isnan(out[0]) and math.isnan(out[1])
    assert out[2:] == pytest.approx([2.5, 2.75])


def test_atr_long_series_against_a_plain_loop_and_percentile() -> None:
    rng = np.random.default_rng(8)
    c = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 80)))
    h = c * (1 + rng.uniform(0, 0.01, 80))
    lo = c * (1 - rng.uniform(0, 0.01, 80))
    n = 14
    tr = [np.nan] + [max(h[t], c[t - 1]) - min(lo[t], c[t - 1]) for t in range(1, 80)]
    ref = [np.nan] * 80
    ref[n] = sum(tr[1 : n + 1]) / n
    for t in range(n + 1, 80):
        ref[t] = (ref[t - 1] * (n - 1) + tr[t]) / n
    got = atr(h, lo, c, n)
    assert np.allclose(got, ref, equal_nan=True, rtol=1e-12)
    pct = atr_percentile(h, lo, c, n, lookback=20)
    t = 60
    assert pct[t] == pytest.approx(np.mean(np.asarray(ref[t - 20 : t]) < ref[t]))
    assert np.isnan(pct[n + 19])  # only 19 ATRs before it


def test_atr_bad_input() -> None:
    assert np.isnan(atr([1, 2], [1], [1, 2])).all()
    assert ohlc_reason([1, 2], [1], [1, 2]) is NanReason.SHAPE_MISMATCH
    assert ohlc_reason([], [], []) is NanReason.EMPTY
    assert ohlc_reason([0, -1], [1, 1], [1, 1]) is NanReason.BAD_PRICES
    assert ohlc_reason([2, 2], [1, 1], [1, 1]) is None
    assert np.isnan(atr([2, 2, 2], [1, 1, 1], [1.5, 1.5, 1.5], period=5)).all()
    assert true_range([], [], []).size == 0


def _ohlc(n: int = 60, seed: int = 11) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    c = 20000 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    o = c * np.exp(rng.normal(0, 0.004, n))
    h = np.maximum(o, c) * (1 + rng.uniform(0, 0.006, n))
    lo = np.minimum(o, c) * (1 - rng.uniform(0, 0.006, n))
    return o, h, lo, c


def test_hv_close_to_close_matches_pandas() -> None:
    o, h, lo, c = _ohlc()
    ref = np.log(pd.Series(c)).diff().rolling(20).std().to_numpy() * math.sqrt(252)
    got = hv(o, h, lo, c, 20, "close_to_close")
    assert np.allclose(got, ref, equal_nan=True, rtol=1e-10)
    assert np.isnan(got[19]) and np.isfinite(got[20])


def test_parkinson_two_bars_by_hand() -> None:
    # ln(H/L) = 0.02 and 0.04 -> mean of squares = (0.0004 + 0.0016) / 2 = 0.001
    # var/bar = 0.001 / (4 ln 2) = 3.6067e-4; annual = sqrt(0.0908890) = 0.301479
    h = np.exp([0.02, 0.04])
    lo = np.ones(2)
    got = hv([1, 1], h, lo, [1, 1], 2, HVMethod.PARKINSON)
    assert got[1] == pytest.approx(math.sqrt(0.001 / (4 * math.log(2)) * 252))
    assert got[1] == pytest.approx(0.301479, abs=1e-6)


def test_range_estimators_and_yang_zhang_against_pandas() -> None:
    o, h, lo, c = (pd.Series(a) for a in _ohlc())
    n = 10
    hl, co = np.log(h / lo), np.log(c / o)
    gk = (0.5 * hl**2 - (2 * math.log(2) - 1) * co**2).rolling(n).mean()
    rs = (np.log(h / c) * np.log(h / o) + np.log(lo / c) * np.log(lo / o)).rolling(n).mean()
    k = 0.34 / (1.34 + (n + 1) / (n - 1))
    on = np.log(o / c.shift(1)).rolling(n).var()
    yz = on + k * co.rolling(n).var() + (1 - k) * rs
    for method, ref in (("garman_klass", gk), ("rogers_satchell", rs), ("yang_zhang", yz)):
        got = hv(o, h, lo, c, n, method)
        assert np.allclose(got, np.sqrt(ref.to_numpy() * 252), equal_nan=True, rtol=1e-10)
    # intraday: bars_per_year scales the variance
    got = hv(o, h, lo, c, n, "parkinson", bars_per_year=252 * 75)
    assert got[-1] == pytest.approx(hv(o, h, lo, c, n, "parkinson")[-1] * math.sqrt(75))


def test_hv_bad_input() -> None:
    assert np.isnan(hv([1, 2], [1, 2], [1], [1, 2], 2)).all()
    assert np.isnan(hv([1, 2], [1, 2], [1, 2], [1, 2], 1)).all()
    assert np.isnan(hv([1.0] * 3, [1.0] * 3, [1.0] * 3, [1.0] * 3, 5)).all()
    with pytest.raises(ValueError):
        hv([1], [1], [1], [1], 2, "bogus")


def test_iv_hv_ratio() -> None:
    # 0.18 / 0.12 = 1.5; HV 0 or NaN -> NaN
    out = iv_hv_ratio([0.18, 0.18, 0.18], [0.12, 0.0, np.nan])
    assert out[0] == pytest.approx(1.5) and np.isnan(out[1:]).all()
    assert np.isnan(iv_hv_ratio([0.1, 0.2], [0.1, 0.2, 0.3])).all()


def test_constant_maturity_by_total_variance() -> None:
    # w1 = 0.2^2 * 0.1 = 0.004, w2 = 0.3^2 * 0.3 = 0.027
    # T = 0.2: w = 0.004 + (0.027 - 0.004) * 0.5 = 0.0155 -> iv = sqrt(0.0155 / 0.2) = 0.278388
    assert constant_maturity_iv([0.3, 0.1], [0.3, 0.2], 0.2) == pytest.approx(0.2783882181)
    # flat vol beyond the ends
    assert constant_maturity_iv([0.1, 0.3], [0.2, 0.3], 0.05) == 0.2
    assert constant_maturity_iv([0.1, 0.3], [0.2, 0.3], 0.5) == 0.3
    assert math.isnan(constant_maturity_iv([0.1], [np.nan], 0.2))
    assert math.isnan(constant_maturity_iv([0.1, 0.2], [0.2], 0.2))
    assert math.isnan(constant_maturity_iv([0.1], [0.2], 0.0))


def test_forward_vol_and_term_structure_by_hand() -> None:
    # (0.3^2 * 0.3 - 0.2^2 * 0.1) / (0.3 - 0.1) = 0.023 / 0.2 = 0.115 -> sqrt = 0.3391165
    assert float(forward_vol(0.2, 0.1, 0.3, 0.3)) == pytest.approx(math.sqrt(0.115))
    assert np.isnan(forward_vol(0.2, 0.3, 0.3, 0.1))  # T2 <= T1
    assert np.isnan(forward_vol(0.4, 0.2, 0.1, 0.3))  # negative forward variance
    assert np.isnan(forward_vol([0.1, 0.2], 0.1, [0.1, 0.2, 0.3], 0.3))
    # slope = (0.22 - 0.20) / 0.20 = 0.10
    slope, cls = term_structure(0.20, 0.22)
    assert slope == pytest.approx(0.10) and cls is TermClass.CONTANGO
    assert term_structure(0.20, 0.19)[1] is TermClass.BACKWARDATION  # -0.05
    assert term_structure(0.20, 0.202)[1] is TermClass.FLAT  # 0.01 within 0.02
    assert term_structure(0.20, 0.202, tolerance=0.005)[1] is TermClass.CONTANGO
    assert term_structure(float("nan"), 0.2)[1] is None


def test_regimes_and_crush() -> None:
    vix = RegimeBands()  # 12 / 20 / 30
    assert [volatility_regime(v, vix) for v in (11.0, 12.0, 25.0, 30.0)] == [
        Regime.LOW, Regime.MEDIUM, Regime.HIGH, Regime.EXTREME]
    assert volatility_regime(float("nan"), vix) is None
    ivp = RegimeBands.ivp(lookback=60)
    assert ivp.basis == "IVP" and volatility_regime(0.55, ivp) is Regime.HIGH
    with pytest.raises(ValueError):
        RegimeBands(20, 10, 30)
    with pytest.raises(ValueError):
        RegimeBands(lookback=0)
    # 0.15 <= 0.8 * 0.20 = 0.16 yes; 0.16 <= 0.12 no; 0.12 <= 0.8 * 0.16 = 0.128 yes
    assert iv_crush([0.20, 0.15, 0.16, 0.12], 0.2, 1).tolist() == [False, True, False, True]
    # over 2 bars: 0.16 <= 0.16 yes (t=2), 0.12 <= 0.12 yes (t=3)
    assert iv_crush([0.20, 0.15, 0.16, 0.12], 0.2, 2).tolist() == [False, False, True, True]
    assert not iv_crush([0.2, 0.1], 1.5, 1).any()
    assert not iv_crush([0.2, np.nan, 0.1], 0.2, 1).any()


def test_vectorised_daily_constant_maturity_matches_the_scalar_one() -> None:
    from engine.volatility.daily import _cm_rows, _pivot

    rng = np.random.default_rng(9)
    n_days = 30
    day = rng.integers(0, n_days, 200)
    t = rng.uniform(0.001, 0.3, 200)
    iv = rng.uniform(0.1, 0.3, 200)
    t_mat, iv_mat, count = _pivot(day, t, iv, n_days + 2)  # two days with no expiry
    for target in (0.0005, 7 / 365, 30 / 365, 60 / 365, 0.5):
        got = _cm_rows(t_mat, iv_mat, count, target)
        for d in range(n_days + 2):
            ref = constant_maturity_iv(t[day == d], iv[day == d], target)
            assert got[d] == pytest.approx(ref, nan_ok=True), (d, target)
