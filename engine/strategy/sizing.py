"""Leg sizing and activation at entry (strategy stage): DynamicSizing, VolatilityScaling and
ConditionalActivation of LegParameter.

Pure functions of the values known at the entry bar (VIX at the bar, the previous day's IVP / IVR /
ATR percentile, capital and the margin per lot). Rules:

- FIXED: the leg's lots.
- VIX_SCALED: from SizingMaxLots at VIX <= 10 down to SizingMinLots at VIX >= 30, linearly between,
  rounded (fewer lots when volatility is high).
- CAPITAL_PCT: floor(SizingCapitalFrac x capital / margin per lot), clamped to [min, max] lots.
- VolatilityScaling: the metric below VolScaleLow multiplies the lots by VolScaleLowFactor, above
  VolScaleHigh by VolScaleHighFactor, in between by 1; rounded; 0 lots means the leg is not opened.
- ConditionalActivation: ALWAYS; IVP_ABOVE / IVP_BELOW / VIX_ABOVE / VIX_BELOW compare with the
  threshold; ON_ADJUSTMENT legs are never opened at entry. An unknown metric (NaN) does not activate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

SizingMode = Literal["FIXED", "VIX_SCALED", "CAPITAL_PCT"]
ScaleMetric = Literal["NONE", "IVP", "IVR", "ATR_PERCENTILE"]
Condition = Literal["ALWAYS", "IVP_ABOVE", "IVP_BELOW", "VIX_ABOVE", "VIX_BELOW", "ON_ADJUSTMENT"]

VIX_LOW, VIX_HIGH = 10.0, 30.0


@dataclass(frozen=True)
class Sizing:
    """How a leg's lots are set at entry."""

    mode: SizingMode = "FIXED"
    min_lots: int = 1
    max_lots: int = 1
    capital_frac: float = 0.1
    metric: ScaleMetric = "NONE"
    low_threshold: float = 0.3
    high_threshold: float = 0.7
    low_factor: float = 1.0
    high_factor: float = 1.0
    condition: Condition = "ALWAYS"
    condition_threshold: float | None = None

    @property
    def is_default(self) -> bool:
        """True when sizing leaves the leg's lots alone and the leg is always opened."""
        return (self.mode == "FIXED" and self.metric == "NONE" and self.condition == "ALWAYS")


@dataclass(frozen=True)
class EntryValues:
    """What sizing may look at, as of the entry bar."""

    vix: float = float("nan")
    ivp: float = float("nan")
    ivr: float = float("nan")
    atr_pct: float = float("nan")
    capital_inr: float = 0.0
    margin_per_lot_inr: float = float("nan")


def is_active(s: Sizing, v: EntryValues) -> bool:
    """Whether the leg is opened at entry."""
    if s.condition == "ALWAYS":
        return True
    if s.condition == "ON_ADJUSTMENT" or s.condition_threshold is None:
        return False
    value = v.ivp if s.condition.startswith("IVP") else v.vix
    if not math.isfinite(value):
        return False
    return value > s.condition_threshold if s.condition.endswith("ABOVE") else \
        value < s.condition_threshold


def base_lots(s: Sizing, lots: int, v: EntryValues) -> int:
    """Lots from the sizing mode, before volatility scaling."""
    if s.mode == "FIXED":
        return lots
    if s.mode == "VIX_SCALED":
        if not math.isfinite(v.vix):
            return s.min_lots
        frac = min(max((v.vix - VIX_LOW) / (VIX_HIGH - VIX_LOW), 0.0), 1.0)
        return round(s.max_lots - (s.max_lots - s.min_lots) * frac)
    if not math.isfinite(v.margin_per_lot_inr) or v.margin_per_lot_inr <= 0:
        return s.min_lots
    n = math.floor(s.capital_frac * v.capital_inr / v.margin_per_lot_inr)
    return min(max(n, s.min_lots), s.max_lots)


def scale_factor(s: Sizing, v: EntryValues) -> float:
    """The volatility-scaling multiplier (1 when off or the metric is unknown)."""
    if s.metric == "NONE":
        return 1.0
    value = {"IVP": v.ivp, "IVR": v.ivr, "ATR_PERCENTILE": v.atr_pct}[s.metric]
    if not math.isfinite(value):
        return 1.0
    if value < s.low_threshold:
        return s.low_factor
    if value > s.high_threshold:
        return s.high_factor
    return 1.0


def sized_lots(s: Sizing, lots: int, v: EntryValues) -> int:
    """Final lots of the leg at entry; 0 means the leg is not opened."""
    if not is_active(s, v):
        return 0
    return max(round(base_lots(s, lots, v) * scale_factor(s, v)), 0)
