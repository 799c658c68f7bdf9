"""SMC method (smart-money concepts): break of structure, order blocks, fair value gaps, sweeps.

Structure stage, after ``Bars.before(at)``. Definitions used here, on bars i = 0..n-1:

* Swing high / low: the fractal rule of ``pivots.swing_points`` with ``swing_length`` bars on
  each side. A swing is *confirmed* ``swing_length`` bars after it.
* Break of structure (BOS): the first bar after a swing high's confirmation where
  ``bos_confirmation_bars`` consecutive closes are above the swing high (bullish); with 0
  confirmation bars a high above it is enough. Bearish mirrors it with closes below a swing
  low. The broken level flips polarity and is kept as a ``BOS`` level (an old high that
  broke becomes support).
* Order block (OB): for a bullish BOS at bar b breaking the swing high at bar s, the move
  that broke it starts at the lowest low m in s..b; the order block is the last bearish
  candle (close < open) at or before m, searched back at most ``order_block_lookback`` bars.
  Its zone is that candle's [low, high]. Bearish OBs mirror it (last bullish candle before
  the highest high). An OB is mitigated, and dropped, once a later close passes through
  its far side (below the zone for a bullish OB, above it for a bearish one).
* Fair value gap (FVG): a three-candle imbalance. Bullish at bar i when low[i] > high[i-2]:
  the zone (high[i-2], low[i]) was never traded in bar i-1's move. Bearish when
  high[i] < low[i-2]: zone (high[i], low[i-2]). Gaps smaller than ``fvg_min_size_pts`` are
  ignored, and a gap is dropped once later bars trade through all of it (filled).
* Liquidity sweep: a swing high that a later bar's high exceeds while that bar closes back
  below it (stops run, move rejected); lows mirror it. Marked when ``use_liquidity_sweeps``.

Only events inside the last ``order_block_lookback`` bars are reported. A level is the
middle of its zone (for OB and FVG: the "mean threshold"), its zone is kept on the level.
"""

from __future__ import annotations

import numpy as np

from engine.structure.params import SmcParams
from engine.structure.pivots import swing_points
from engine.structure.types import Bars, BoolArray, SRKind, SRLevel

_OB_STRENGTH = 0.8
_BOS_STRENGTH = 0.7
_SWEEP_STRENGTH = 0.6


def _beyond(close: np.ndarray, high_or_low: np.ndarray, level: float, up: bool,
            confirm: int) -> BoolArray:
    """Per bar: the break of ``level`` is confirmed on this bar (none when there is no bar
    after the swing: a swing confirmed on the last bar)."""
    if close.size == 0:
        return np.zeros(0, dtype=bool)
    if confirm == 0:
        return high_or_low > level if up else high_or_low < level
    past = close > level if up else close < level
    run = np.convolve(past.astype(np.int64), np.ones(confirm, dtype=np.int64))[: close.size]
    return np.asarray(run >= confirm)


def breaks_of_structure(bars: Bars, cfg: SmcParams) -> list[tuple[int, int, bool]]:
    """(swing bar s, break bar b, bullish) for every swing that was broken, in time order."""
    k = cfg.swing_length
    is_high, is_low = swing_points(bars.high, bars.low, k, k)
    found: list[tuple[int, int, bool]] = []
    for s, up in [(int(i), True) for i in np.flatnonzero(is_high)] + [
            (int(i), False) for i in np.flatnonzero(is_low)]:
        start = s + k + 1  # first bar after the swing is confirmed
        level = bars.high[s] if up else bars.low[s]
        ext = bars.high if up else bars.low
        hit = _beyond(bars.close[start:], ext[start:], float(level), up, cfg.bos_confirmation_bars)
        if hit.any():
            found.append((s, start + int(np.argmax(hit)), up))
    return sorted(found, key=lambda t: t[1])


def _order_block(bars: Bars, s: int, b: int, up: bool, lookback: int) -> int | None:
    """Index of the order-block candle for the break (s, b), or None."""
    seg = slice(s, b + 1)
    m = s + int(np.argmin(bars.low[seg]) if up else np.argmax(bars.high[seg]))
    opposite = bars.close < bars.open if up else bars.close > bars.open
    lo = max(0, m - lookback)
    cands = np.flatnonzero(opposite[lo: m + 1])
    return lo + int(cands[-1]) if cands.size else None


def order_blocks(bars: Bars, cfg: SmcParams) -> list[SRLevel]:
    """Unmitigated order blocks of the breaks in the last ``order_block_lookback`` bars."""
    n = len(bars)
    out: list[SRLevel] = []
    for s, b, up in breaks_of_structure(bars, cfg):
        if b < n - cfg.order_block_lookback:
            continue
        j = _order_block(bars, s, b, up, cfg.order_block_lookback)
        if j is None:
            continue
        lo, hi = float(bars.low[j]), float(bars.high[j])
        later = bars.close[b + 1:]
        if (later < lo).any() if up else (later > hi).any():
            continue  # mitigated
        out.append(SRLevel((lo + hi) / 2, SRKind.OB, _OB_STRENGTH, "SMC",
                           label="bullish OB" if up else "bearish OB", zone=(lo, hi)))
    return out


def fair_value_gaps(bars: Bars, cfg: SmcParams) -> list[SRLevel]:
    """Unfilled fair value gaps at least ``fvg_min_size_pts`` wide, in the lookback window."""
    h, lo = bars.high, bars.low
    n = len(bars)
    out: list[SRLevel] = []
    for i in range(max(2, n - cfg.order_block_lookback), n):
        for up in (True, False):
            z_lo, z_hi = (h[i - 2], lo[i]) if up else (h[i], lo[i - 2])
            if z_hi - z_lo <= 0 or z_hi - z_lo < cfg.fvg_min_size_pts:
                continue
            filled = (lo[i + 1:] <= z_lo).any() if up else (h[i + 1:] >= z_hi).any()
            if filled:
                continue
            size = float(z_hi - z_lo)
            out.append(SRLevel(float(z_lo + z_hi) / 2, SRKind.FVG, 0.6, "SMC",
                               label="bullish FVG" if up else "bearish FVG",
                               zone=(float(z_lo), float(z_lo) + size)))
    return out


def bos_levels(bars: Bars, cfg: SmcParams) -> list[SRLevel]:
    """Broken swing levels (polarity flipped) whose break lies in the lookback window."""
    n = len(bars)
    out = []
    for s, b, up in breaks_of_structure(bars, cfg):
        if b >= n - cfg.order_block_lookback:
            level = float(bars.high[s] if up else bars.low[s])
            out.append(SRLevel(level, SRKind.BOS, _BOS_STRENGTH, "SMC",
                               label="bullish BOS" if up else "bearish BOS"))
    return out


def liquidity_sweeps(bars: Bars, cfg: SmcParams) -> list[SRLevel]:
    """Swing levels swept by a wick that closed back inside (see module doc)."""
    k = cfg.swing_length
    n = len(bars)
    is_high, is_low = swing_points(bars.high, bars.low, k, k)
    out = []
    for s in np.flatnonzero(is_high | is_low):
        up = bool(is_high[s])
        level = float(bars.high[s] if up else bars.low[s])
        after = slice(int(s) + k + 1, n)
        if up:
            swept = (bars.high[after] > level) & (bars.close[after] < level)
        else:
            swept = (bars.low[after] < level) & (bars.close[after] > level)
        first = int(np.argmax(swept)) + int(s) + k + 1 if swept.any() else -1
        if first >= max(0, n - cfg.order_block_lookback):
            out.append(SRLevel(level, SRKind.SWEEP, _SWEEP_STRENGTH, "SMC",
                               label="swept high" if up else "swept low"))
    return out


def smc_levels(bars: Bars, cfg: SmcParams) -> list[SRLevel]:
    """All SMC levels: order blocks, fair value gaps, BOS levels and (optionally) sweeps."""
    bars.require(3, "SMC")
    out = order_blocks(bars, cfg) + fair_value_gaps(bars, cfg) + bos_levels(bars, cfg)
    if cfg.use_liquidity_sweeps:
        out += liquidity_sweeps(bars, cfg)
    return out
