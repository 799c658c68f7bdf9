"""ADX against a loop written from Wilder's text; trend / range / choppy on built series."""

from __future__ import annotations

import numpy as np
import pytest

from engine.structure.regime import (
    MarketRegime,
    RegimeThresholds,
    VolState,
    adx,
    market_regime,
    vol_state,
)
from engine.structure.types import Bars, StructureInputError
from tests.unit.structure._series import bars_from_closes, bounce, daily_stamps


def _adx_loop(h: np.ndarray, lo: np.ndarray, c: np.ndarray, n: int) -> np.ndarray:
    """Wilder's ADX with running sums (the textbook form): ratios equal the averaged form."""
    size = c.size
    tr = np.full(size, np.nan)
    pdm = np.zeros(size)
    mdm = np.zeros(size)
    for t in range(1, size):
        tr[t] = max(h[t], c[t - 1]) - min(lo[t], c[t - 1])
        up, down = h[t] - h[t - 1], lo[t - 1] - lo[t]
        pdm[t] = up if up > down and up > 0 else 0.0
        mdm[t] = down if down > up and down > 0 else 0.0
    out = np.full(size, np.nan)
    s_tr, s_p, s_m = tr[1:n + 1].sum(), pdm[1:n + 1].sum(), mdm[1:n + 1].sum()
    dxs = []
    for t in range(n, size):
        if t > n:
            s_tr = s_tr - s_tr / n + tr[t]
            s_p = s_p - s_p / n + pdm[t]
            s_m = s_m - s_m / n + mdm[t]
        pdi, mdi = 100 * s_p / s_tr, 100 * s_m / s_tr
        dxs.append(0.0 if pdi + mdi == 0 else 100 * abs(pdi - mdi) / (pdi + mdi))
        if len(dxs) == n:
            out[t] = np.mean(dxs)
        elif len(dxs) > n:
            out[t] = (out[t - 1] * (n - 1) + dxs[-1]) / n
    return out


def test_adx_matches_the_textbook_loop() -> None:
    rng = np.random.default_rng(3)
    c = 100 + np.cumsum(rng.normal(0, 1, 80))
    h = c + rng.uniform(0.2, 2, 80)
    lo = c - rng.uniform(0.2, 2, 80)
    ours = adx(h, lo, c, 14)
    ref = _adx_loop(h, lo, c, 14)
    assert np.isnan(ours[:27]).all()  # first ADX at bar 2n - 1 = 27
    np.testing.assert_allclose(ours[27:], ref[27:], rtol=1e-10)


def test_steady_uptrend_has_adx_100_and_is_a_trend() -> None:
    # every bar 1 point higher: +DM = 1, -DM = 0 on every bar -> DX = 100 -> ADX = 100
    bars = bars_from_closes(100 + np.arange(60.0), wick=0.5)
    assert adx(bars.high, bars.low, bars.close)[-1] == pytest.approx(100.0)
    reading = market_regime(bars)
    assert reading.regime is MarketRegime.TREND_UP
    # SMA20 rises 1 per bar; ATR = 1 + 2 * 0.5 wick = 2 -> slope 0.5 ATR/bar
    assert reading.slope_atr_per_bar == pytest.approx(0.5)
    down = bars_from_closes(200 - np.arange(60.0), wick=0.5)
    assert market_regime(down).regime is MarketRegime.TREND_DOWN


def test_bounce_between_100_and_110_is_a_range() -> None:
    reading = market_regime(bars_from_closes(bounce(8), wick=0.5))
    # 20-bar range 99.5..110.5 = 11 against ATR 3 (2-point moves + 1 of wicks): 3.67 ATR wide
    assert reading.regime is MarketRegime.RANGE
    assert reading.width_atr == pytest.approx(11 / 3, rel=1e-6)
    assert reading.adx < 25


def test_whipsaw_is_choppy() -> None:
    # closes alternate 100 / 106 with wide wicks: each bar spans the whole range
    closes = np.tile([100.0, 106.0], 30)
    reading = market_regime(bars_from_closes(closes, wick=1.0))
    assert reading.regime is MarketRegime.CHOPPY
    assert reading.width_atr < 3


def test_regime_needs_enough_bars() -> None:
    assert RegimeThresholds().min_bars == 29
    with pytest.raises(StructureInputError, match="at least 29"):
        market_regime(bars_from_closes(bounce(1), wick=0.5))


def _bars_with_ranges(ranges: np.ndarray) -> Bars:
    c = np.full(ranges.size, 100.0)
    return Bars.from_arrays(daily_stamps(ranges.size), c, c + ranges / 2, c - ranges / 2, c)


def test_vol_state_from_atr_percentile() -> None:
    calm_then_wild = np.concatenate([np.full(60, 1.0), np.full(5, 10.0)])
    assert vol_state(_bars_with_ranges(calm_then_wild)) is VolState.HIGH
    wild_then_calm = np.concatenate([np.full(60, 10.0), np.full(30, 1.0)])
    assert vol_state(_bars_with_ranges(wild_then_calm)) is VolState.LOW
    # too little history for a percentile: NORMAL
    assert vol_state(_bars_with_ranges(np.full(10, 1.0))) is VolState.NORMAL
    # ATR percentile ~0.6 of the rising ATR history is neither: with thresholds 0.99 / 0.01
    # the calm-then-wild series (percentile 1.0 at the end) is HIGH, and NORMAL at 1.01 / 0.0
    assert vol_state(_bars_with_ranges(calm_then_wild), high_at=1.01, low_at=0.0) is VolState.NORMAL
