"""Watching a position against its breakevens: buffer, approach/breach vectors, actions,
success tracking, breakeven-based delta targets and the adjustment check (breakeven stage).

Before: a band per bar (``series.py``) or a fixed band (``ironfly.py``, ``curve.py``).
After: the simulator's trigger evaluation (first bar where an action fires), the risk
engine (delta targets) and results (success rates). The lead wires these into the engine.

Distance to the band: ``d = min(spot - lower, upper - spot)`` in points, positive inside.
State per bar: ``INSIDE`` when ``d > buffer``, ``APPROACH`` when ``0 <= d <= buffer``,
``BREACH`` when ``d < 0``, ``UNKNOWN`` when the band is NaN (no profitable range).
APPROACH fires ``be_approach_action`` (ADJUST / HEDGE / CLOSE / ALERT) and BREACH fires
``be_breach_action`` (CLOSE / ADJUST / REVERSE / HOLD).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from engine.breakeven.kinds import BEApproachAction, BEBreachAction, BEBufferType
from engine.breakeven.valuation import LegBook
from engine.errors import PosbtError
from engine.pricing import greeks

FloatArray = npt.NDArray[np.float64]


class BandState(IntEnum):
    """Where spot is relative to the breakeven band (stored as int8 in vectors)."""

    UNKNOWN = -1
    INSIDE = 0
    APPROACH = 1
    BREACH = 2


def buffer_pts(value: float, buffer_type: BEBufferType, spot: npt.ArrayLike,
               atr_pts: npt.ArrayLike | None = None) -> FloatArray:
    """The breakeven buffer in points per bar.

    FIXED: ``value`` points. PERCENTAGE: ``value`` percent of spot (``BEBuffer`` is declared
    in %, so 0.5 means 0.5% of spot). ATR_BASED: ``value`` times the ATR in points.
    """
    s = np.asarray(spot, dtype=np.float64)
    if not (math.isfinite(value) and value >= 0):
        raise PosbtError(f"buffer must be >= 0, got {value}", place="be_buffer")
    if buffer_type is BEBufferType.FIXED:
        return np.full(s.shape, value)
    if buffer_type is BEBufferType.PERCENTAGE:
        return np.asarray(s * value / 100.0, dtype=np.float64)
    if atr_pts is None:
        raise PosbtError("ATR_BASED buffer needs the ATR in points", place="be_buffer_type")
    atr = np.broadcast_to(np.asarray(atr_pts, dtype=np.float64), s.shape)
    return np.asarray(atr * value, dtype=np.float64)


def distance_to_band(spots: npt.ArrayLike, lower: npt.ArrayLike, upper: npt.ArrayLike) -> FloatArray:
    """Signed distance to the nearer breakeven, points (positive inside, NaN without a band)."""
    s = np.asarray(spots, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.asarray(np.minimum(s - np.asarray(lower, dtype=np.float64),
                                     np.asarray(upper, dtype=np.float64) - s), dtype=np.float64)


def band_states(spots: npt.ArrayLike, lower: npt.ArrayLike, upper: npt.ArrayLike,
                buffer: npt.ArrayLike) -> npt.NDArray[np.int8]:
    """``BandState`` per bar as int8 (see the module docstring)."""
    d = distance_to_band(spots, lower, upper)
    buf = np.broadcast_to(np.asarray(buffer, dtype=np.float64), d.shape)
    out = np.full(d.shape, BandState.INSIDE, dtype=np.int8)
    with np.errstate(invalid="ignore"):
        out[d <= buf] = BandState.APPROACH
        out[d < 0] = BandState.BREACH
    out[np.isnan(d)] = BandState.UNKNOWN
    return out


@dataclass(frozen=True)
class BandEvent:
    """The first bar at or after ``start`` where the band state asks for an action."""

    index: int
    state: BandState
    action: BEApproachAction | BEBreachAction


def first_band_event(states: npt.NDArray[np.int8], *, approach_action: BEApproachAction,
                     breach_action: BEBreachAction, start: int = 0) -> BandEvent | None:
    """First APPROACH or BREACH bar from ``start`` with its action; None if none.

    A breach answered with HOLD and an approach answered with ALERT still
    count as events (the simulator records them; neither changes the position).
    """
    hits = np.flatnonzero(states[start:] >= BandState.APPROACH)
    if hits.size == 0:
        return None
    i = int(hits[0]) + start
    state = BandState(int(states[i]))
    action: BEApproachAction | BEBreachAction = (
        breach_action if state is BandState.BREACH else approach_action)
    return BandEvent(i, state, action)


@dataclass(frozen=True)
class SuccessStats:
    """How often spot stayed inside the band."""

    fraction_of_time_inside: float
    stayed_inside: bool
    finished_inside: bool
    n_bars: int


def success_stats(spots: npt.ArrayLike, lower: npt.ArrayLike, upper: npt.ArrayLike) -> SuccessStats:
    """Fraction of bars with spot inside ``[lower, upper]`` and whether it never left."""
    d = distance_to_band(spots, lower, upper)
    if d.size == 0:
        raise PosbtError("no bars to track", place="success_stats")
    inside = d >= 0  # NaN compares False: a bar without a band is not a success
    return SuccessStats(float(inside.mean()), bool(inside.all()), bool(inside[-1]), int(d.size))


def success_rate(stats: list[SuccessStats]) -> float:
    """Fraction of positions whose spot never left the band (NaN for no positions)."""
    return float(np.mean([s.stayed_inside for s in stats])) if stats else math.nan


def breakeven_delta_targets(book: LegBook, *, valuation: dt.datetime, lower: float, upper: float,
                            buffer: float, r: float = 0.0, q: float = 0.0) -> tuple[float, float]:
    """Position delta per unit at ``lower + buffer`` and at ``upper - buffer``.

    These are the deltas the position shows when spot reaches the approach zone of each
    breakeven (leg IVs frozen, valued at ``valuation``). The risk engine can treat
    ``[delta_at_upper, delta_at_lower]`` (sorted) as the delta range that keeps spot clear of
    the buffer; multiply by the lot size for index units. An open side (inf) gives NaN.
    """
    out = []
    for level in (lower + buffer, upper - buffer):
        if not math.isfinite(level) or level <= 0:
            out.append(math.nan)
            continue
        g = greeks(None, book.strikes, book.t_left(valuation), r, book.ivs, book.rights,
                   model="bsm", S=level, q=q)
        out.append(float(g.delta @ book.signed_lots))
    return out[0], out[1]


def adjustment_keeps_breakevens(before: tuple[float, float], after: tuple[float, float], *,
                                maintain_breakevens: bool) -> tuple[bool, float]:
    """(accepted, width gain in points) of an adjustment moving the band ``before -> after``.

    With ``maintain_breakevens`` (MaintainBEInAdjustments) an adjustment that narrows the band is rejected;
    the gain is compared with ``be_improvement_target`` by the caller (it is returned).
    """
    gain = (after[1] - after[0]) - (before[1] - before[0])
    if math.isnan(gain):
        return (not maintain_breakevens, gain)
    return (gain >= 0 or not maintain_breakevens, gain)
