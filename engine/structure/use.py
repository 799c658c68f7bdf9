"""How the engine uses levels: nearest support/resistance, proximity, and causal S/R breaks.

Structure stage, consumed by ``strategy`` (the proximity entry filter, the SR_HIT adjustment
trigger, the S/R-break exit). All functions are pure; ``sr_break`` is vectorised and causal:
its answer at bar i depends on prices[0..i] only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from engine.structure.types import BoolArray, SRKind, SRLevel, StructureInputError

BreakSide = Literal["BELOW", "ABOVE"]


def nearest_levels(levels: Sequence[SRLevel],
                   price: float) -> tuple[SRLevel | None, SRLevel | None]:
    """(support, resistance): the highest level at or below ``price`` and the lowest above it."""
    support = max((lv for lv in levels if lv.level <= price), key=lambda lv: lv.level, default=None)
    resistance = min((lv for lv in levels if lv.level > price), key=lambda lv: lv.level,
                     default=None)
    return support, resistance


def proximity(price: float, levels: Sequence[SRLevel], band: float | None = None) -> bool:
    """True when ``price`` lies within ``band`` points of any level (each level's own
    ``band_pts`` when ``band`` is None)."""
    if band is not None and band < 0:
        raise StructureInputError(f"band must be >= 0, got {band}", place="SRProximityPts")
    return any(abs(price - lv.level) <= (lv.band_pts if band is None else band) for lv in levels)


def _side(level: SRLevel | float, first_price: float, side: BreakSide | None) -> BreakSide:
    if side is not None:
        return side
    if isinstance(level, SRLevel):
        if level.kind is SRKind.SUPPORT:
            return "BELOW"
        if level.kind is SRKind.RESISTANCE:
            return "ABOVE"
        value = level.level
    else:
        value = float(level)
    return "BELOW" if first_price >= value else "ABOVE"


def sr_break(prices: npt.ArrayLike, level: SRLevel | float, buffer: float, *,
             side: BreakSide | None = None, confirm_bars: int = 1) -> BoolArray:
    """Per bar: the level is broken on this bar.

    Broken BELOW at bar i when the last ``confirm_bars`` prices (bars i-confirm_bars+1..i) are
    all below ``level - buffer``; ABOVE mirrors it with ``level + buffer``. The side is
    ``side`` when given, else BELOW for a SUPPORT level and ABOVE for a RESISTANCE level,
    else the side the level would break from the first price (price at or above the level:
    it acts as support). The first True is the exit bar; NaN prices never break.
    """
    p = np.asarray(prices, dtype=np.float64).ravel()
    if confirm_bars < 1 or buffer < 0:
        raise StructureInputError("confirm_bars must be >= 1 and buffer >= 0",
                                  place="sr_break")
    if p.size == 0:
        return np.zeros(0, dtype=bool)
    value = level.level if isinstance(level, SRLevel) else float(level)
    direction = _side(level, float(p[0]), side)
    beyond = p < value - buffer if direction == "BELOW" else p > value + buffer
    if confirm_bars == 1:
        return np.asarray(beyond)
    run = np.convolve(beyond.astype(np.int64), np.ones(confirm_bars, dtype=np.int64))[: p.size]
    return np.asarray(run >= confirm_bars)
