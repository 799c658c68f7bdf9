"""Market regime (trend / range / choppy) and the volatility state that sizes level bands.

Structure stage, after ``Bars.before(at)``; used by the entry rule's market-structure check
and by regime attribution in results. On bars t = 0..n-1 (daily by default):

    ADX (Wilder, n = 14): +DM_t = H_t - H_{t-1} when that exceeds L_{t-1} - L_t and is > 0,
        else 0; -DM_t mirrors it. TR, +DM, -DM are Wilder-averaged (seed = mean of the first
        n values, then x_t = (x_{t-1} (n-1) + v_t) / n); +DI = 100 +DM/TR, -DI = 100 -DM/TR,
        DX = 100 |+DI - -DI| / (+DI + -DI) (0 when both are 0); ADX = Wilder average of DX,
        seeded with the mean of the first n DX values, so the first ADX is at bar 2n - 1.
    MA slope: (SMA20_t - SMA20_{t-5}) / (5 ATR14_t), in ATRs per bar.
    Range width: (highest high - lowest low over the last 20 bars) / ATR14_t, in ATRs.

Classification (defaults in ``RegimeThresholds``):
    TREND_UP / TREND_DOWN  ADX >= 25 and |slope| >= 0.1 ATR per bar (sign gives the side);
    CHOPPY                 range width < 3 ATR (bars as wide as the whole range: whipsaw),
                           or ADX >= 25 with a flat MA (strong moves that cancel out);
    RANGE                  otherwise: weak direction inside a band at least 3 ATR wide.

Volatility state for bands: the ATR percentile (strictly-below rule, as IVP) of the last
ATR among up to 252 previous ones: >= 0.7 HIGH, <= 0.3 LOW, else NORMAL.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy.signal import lfilter

from engine.structure.types import Bars, FloatArray
from engine.volatility.atr import atr, atr_percentile, true_range


class MarketRegime(StrEnum):
    """Trend / range / choppy classification of recent bars."""

    TREND_UP = "TREND_UP"
    TREND_DOWN = "TREND_DOWN"
    RANGE = "RANGE"
    CHOPPY = "CHOPPY"


class VolState(StrEnum):
    """Volatility state that widens (HIGH) or tightens (LOW) level bands."""

    LOW = "LOW"
    NORMAL = "NORMAL"
    HIGH = "HIGH"


@dataclass(frozen=True)
class RegimeThresholds:
    """Periods and thresholds of ``market_regime`` (see module doc)."""

    adx_period: int = 14
    adx_trend: float = 25.0
    ma_period: int = 20
    slope_bars: int = 5
    slope_min_atr: float = 0.1
    width_bars: int = 20
    choppy_width_atr: float = 3.0

    @property
    def min_bars(self) -> int:
        """Bars needed for every input to exist at the last bar."""
        return max(2 * self.adx_period, self.ma_period + self.slope_bars, self.width_bars) + 1


@dataclass(frozen=True)
class RegimeReading:
    """The regime at the last bar and the numbers behind it."""

    regime: MarketRegime
    adx: float
    slope_atr_per_bar: float
    width_atr: float


def wilder_mean(values: FloatArray, n: int, start: int) -> FloatArray:
    """Wilder average of ``values[start:]``: seed mean at ``start + n - 1``, NaN before."""
    out = np.full(values.size, np.nan)
    if values.size < start + n:
        return out
    seed = float(np.mean(values[start: start + n]))
    out[start + n - 1] = seed
    rest = values[start + n:]
    if rest.size:
        a = (n - 1) / n
        out[start + n:], _ = lfilter([1.0 / n], [1.0, -a], rest, zi=[a * seed])
    return out


def adx(high: FloatArray, low: FloatArray, close: FloatArray, n: int = 14) -> FloatArray:
    """Wilder's ADX per bar (NaN before bar 2n - 1)."""
    up = np.concatenate([[np.nan], np.diff(high)])
    down = np.concatenate([[np.nan], -np.diff(low)])
    plus_dm = np.where((up > down) & (up > 0), up, 0.0)
    minus_dm = np.where((down > up) & (down > 0), down, 0.0)
    tr = true_range(high, low, close)
    tr_s, plus_s, minus_s = (wilder_mean(x, n, 1) for x in (tr, plus_dm, minus_dm))
    with np.errstate(invalid="ignore", divide="ignore"):
        plus_di = 100 * plus_s / tr_s
        minus_di = 100 * minus_s / tr_s
        total = plus_di + minus_di
        dx = np.where(total > 0, 100 * np.abs(plus_di - minus_di) / total, 0.0)
    dx[np.isnan(tr_s)] = np.nan
    return wilder_mean(dx, n, n)


def market_regime(bars: Bars, th: RegimeThresholds | None = None) -> RegimeReading:
    """Regime at the last of ``bars`` (see module doc for the rule)."""
    th = th or RegimeThresholds()
    bars.require(th.min_bars, "market regime")
    h, lo, c = bars.high, bars.low, bars.close
    adx_now = float(adx(h, lo, c, th.adx_period)[-1])
    atr_now = float(atr(h, lo, c, th.adx_period)[-1])
    sma = np.convolve(c, np.ones(th.ma_period) / th.ma_period, mode="valid")
    slope = float(sma[-1] - sma[-1 - th.slope_bars]) / (th.slope_bars * atr_now)
    width = float(h[-th.width_bars:].max() - lo[-th.width_bars:].min()) / atr_now
    if adx_now >= th.adx_trend and abs(slope) >= th.slope_min_atr:
        regime = MarketRegime.TREND_UP if slope > 0 else MarketRegime.TREND_DOWN
    elif width < th.choppy_width_atr or adx_now >= th.adx_trend:
        regime = MarketRegime.CHOPPY
    else:
        regime = MarketRegime.RANGE
    return RegimeReading(regime, adx_now, slope, width)


def vol_state(bars: Bars, period: int = 14, lookback: int = 252, min_history: int = 20,
              high_at: float = 0.7, low_at: float = 0.3) -> VolState:
    """HIGH / LOW / NORMAL from the ATR percentile of the last bar (NORMAL when unknown)."""
    pct = atr_percentile(bars.high, bars.low, bars.close, period, lookback,
                         min_history=min_history)
    last = float(pct[-1]) if pct.size else float("nan")
    if not np.isfinite(last):
        return VolState.NORMAL
    if last >= high_at:
        return VolState.HIGH
    return VolState.LOW if last <= low_at else VolState.NORMAL
