"""PIVOT method: floor pivots of the previous period and swing-high/low (fractal) pivots.

Structure stage, after ``Bars.before(at)``. Floor pivots come from the previous *complete*
period's high H, low L and close C (daily, weekly or monthly periods built from daily bars):

    CLASSIC    P = (H+L+C)/3; R1 = 2P-L; S1 = 2P-H; R2 = P+(H-L); S2 = P-(H-L);
               R3 = H+2(P-L); S3 = L-2(H-P)
    FIBONACCI  P = (H+L+C)/3; R/S k = P +/- f_k (H-L), f = 0.382, 0.618, 1.000
    CAMARILLA  P = (H+L+C)/3; R/S k = C +/- (H-L) * 1.1/d_k, d = 12, 6, 4, 2 (R1..R4)
    WOODIE     P = (H+L+2C)/4; R1 = 2P-L; S1 = 2P-H; R2 = P+(H-L); S2 = P-(H-L);
               R3 = H+2(P-L); S3 = L-2(H-P)   (the close-weighted variant, no next open)

Swing pivots (fractal rule): bar i is a swing high when ``high[i]`` is strictly above the
``left`` highs before it and at least as high as the ``right`` highs after it (the first
of equal highs wins); swing lows mirror it. A swing is only known ``right`` bars later, so
with bars cut at ``at`` a swing needs ``right`` bars after it inside the cut.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from engine.structure.kinds import PivotTimeframe, PivotType
from engine.structure.types import Bars, BoolArray, FloatArray, SRKind, SRLevel, StructureInputError

# Strength of each floor line: the pivot itself and the first lines are the most watched.
_LINE_STRENGTH = {"P": 1.0, "1": 0.9, "2": 0.75, "3": 0.6, "4": 0.5}
_FIB = (0.382, 0.618, 1.0)
_CAMARILLA_DIV = (12.0, 6.0, 4.0, 2.0)


@dataclass(frozen=True)
class PeriodHLC:
    """High, low, close (and open) of one completed period."""

    open: float
    high: float
    low: float
    close: float


def floor_pivots(hlc: PeriodHLC, pivot_type: PivotType) -> dict[str, float]:
    """The floor-pivot lines (``P``, ``R1``.., ``S1``..) of ``pivot_type`` from one period."""
    h, lo, c = hlc.high, hlc.low, hlc.close
    rng = h - lo
    p = (h + lo + 2.0 * c) / 4.0 if pivot_type is PivotType.WOODIE else (h + lo + c) / 3.0
    if pivot_type in (PivotType.CLASSIC, PivotType.WOODIE):
        return {"P": p, "R1": 2 * p - lo, "S1": 2 * p - h, "R2": p + rng, "S2": p - rng,
                "R3": h + 2 * (p - lo), "S3": lo - 2 * (h - p)}
    if pivot_type is PivotType.FIBONACCI:
        lines = {"P": p}
        for k, f in enumerate(_FIB, start=1):
            lines[f"R{k}"] = p + f * rng
            lines[f"S{k}"] = p - f * rng
        return lines
    if pivot_type is PivotType.CAMARILLA:
        lines = {"P": p}
        for k, d in enumerate(_CAMARILLA_DIV, start=1):
            lines[f"R{k}"] = c + rng * 1.1 / d
            lines[f"S{k}"] = c - rng * 1.1 / d
        return lines
    raise StructureInputError(f"{pivot_type} is not a floor pivot type", place="PivotType")


def _period_keys(days: np.ndarray, timeframe: PivotTimeframe) -> np.ndarray:
    """An integer per bar that is equal within one period (day, ISO-ish week, month)."""
    d = days.astype("datetime64[D]").astype(np.int64)
    if timeframe is PivotTimeframe.DAILY:
        return d
    if timeframe is PivotTimeframe.WEEKLY:
        return (d + 3) // 7  # 1970-01-01 was a Thursday: +3 makes weeks start on Monday
    return days.astype("datetime64[M]").astype(np.int64)


def previous_period(daily: Bars, timeframe: PivotTimeframe, day: np.datetime64) -> PeriodHLC:
    """H/L/C of the last complete ``timeframe`` period before the period holding ``day``."""
    keys = _period_keys(daily.dates(), timeframe)
    current = _period_keys(np.array([day], dtype="datetime64[D]"), timeframe)[0]
    earlier = keys < current
    if not earlier.any():
        raise StructureInputError(f"no complete {timeframe.value.lower()} period before {day}",
                                  place="PivotTimeframe")
    last = keys[earlier][-1]
    sel = keys == last
    return PeriodHLC(open=float(daily.open[sel][0]), high=float(daily.high[sel].max()),
                     low=float(daily.low[sel].min()), close=float(daily.close[sel][-1]))


def floor_levels(daily: Bars, pivot_type: PivotType, timeframe: PivotTimeframe,
                 day: np.datetime64) -> list[SRLevel]:
    """Floor pivots for ``day`` from the previous complete period of ``daily`` bars."""
    lines = floor_pivots(previous_period(daily, timeframe, day), pivot_type)
    out = []
    for label, value in lines.items():
        kind = SRKind.PIVOT if label == "P" else (
            SRKind.RESISTANCE if label.startswith("R") else SRKind.SUPPORT)
        out.append(SRLevel(level=float(value), kind=kind, strength=_LINE_STRENGTH[label[-1]],
                           method="PIVOT", label=f"{pivot_type.value} {label}"))
    return out


def swing_points(high: FloatArray, low: FloatArray, left: int,
                 right: int) -> tuple[BoolArray, BoolArray]:
    """Boolean masks of swing highs and swing lows under the fractal rule (see module doc)."""
    n = high.size
    is_high = np.zeros(n, dtype=bool)
    is_low = np.zeros(n, dtype=bool)
    if left < 1 or right < 1:
        raise StructureInputError("left and right bars must be >= 1", place="PivotLeftBars")
    if n < left + right + 1:
        return is_high, is_low
    centre = slice(left, n - right)
    win_left_h = sliding_window_view(high[:-1], left)[: n - left - right]
    win_right_h = sliding_window_view(high[left + 1:], right)
    win_left_l = sliding_window_view(low[:-1], left)[: n - left - right]
    win_right_l = sliding_window_view(low[left + 1:], right)
    is_high[centre] = (high[centre] > win_left_h.max(axis=1)) & (
        high[centre] >= win_right_h.max(axis=1))
    is_low[centre] = (low[centre] < win_left_l.min(axis=1)) & (
        low[centre] <= win_right_l.min(axis=1))
    return is_high, is_low


def swing_levels(bars: Bars, left: int, right: int, reference_pts: float) -> list[SRLevel]:
    """One level per swing high/low; above ``reference_pts`` it is RESISTANCE, else SUPPORT.

    Strength is 0.5 here (one turning point); ``composite.merge_levels`` raises it when
    several swings sit together.
    """
    is_high, is_low = swing_points(bars.high, bars.low, left, right)
    prices = np.concatenate([bars.high[is_high], bars.low[is_low]])
    labels = ["swing high"] * int(is_high.sum()) + ["swing low"] * int(is_low.sum())
    return [SRLevel(level=float(p), kind=SRKind.RESISTANCE if p > reference_pts else SRKind.SUPPORT,
                    strength=0.5, method="PIVOT", label=lab)
            for p, lab in zip(prices, labels, strict=True)]
