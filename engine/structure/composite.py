"""COMPOSITE and the finishing steps every method goes through: touches, merge, strength, bands.

Structure stage: detectors (pivots, volume, smc, ml, external) produce raw levels; this module
turns them into the final list, in this order:

1. ``merge_levels``: levels sorted by price chain into one group while the gap to the next one
   is below ``min_distance_between_levels_pts`` (single linkage). A group becomes one level
   at the strength-weighted mean price; its kind and label come from its strongest member,
   its method names every method in it (``PIVOT+VOLUME``). Its *confluence* strength is
   ``1 - prod(1 - w_m s_i)`` over members i (w_m = weight of the member's method: 1.0 for the
   primary, 0.6 for the secondary), so agreeing methods and repeated swings raise it, and it
   stays in [0, 1].
2. ``score_levels``: touches and last test from the bars (a touch is a bar whose [low, high]
   comes within ``tol_pts`` of the level; consecutive touching bars are one touch), then
   ``strength = confluence x (1 - r + r x test)`` with r = ``recent_test_weight`` and
   ``test = (1 - exp(-touches / 2)) x exp(-days since last test / 30)``.
3. ``with_bands``: half-width ``band_pts = k x ATR`` (k = 0.25; ``proximity_pts`` when ATR is
   unknown), times ``high_vol_level_expansion`` in a HIGH volatility state or
   ``low_vol_level_tightening`` in a LOW one, when ``volatility_weighted_levels`` is on.
4. ``select_levels``: drop levels weaker than ``level_strength_threshold``, keep the
   ``max_levels`` nearest on each side of the reference price.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date

import numpy as np

from engine.structure.params import StructureParams
from engine.structure.regime import VolState
from engine.structure.types import Bars, SRLevel, to_date

PRIMARY_WEIGHT = 1.0
SECONDARY_WEIGHT = 0.6
BAND_ATR_MULT = 0.25
TEST_HALF_LIFE_DAYS = 30.0


def _merge_group(group: Sequence[SRLevel], weights: Mapping[str, float]) -> SRLevel:
    if len(group) == 1 and weights.get(group[0].method, 1.0) == 1.0:
        return group[0]
    ws = np.array([max(weights.get(g.method, 1.0) * g.strength, 1e-12) for g in group])
    price = float(np.dot(ws, [g.level for g in group]) / ws.sum())
    conf = 1.0 - float(np.prod(1.0 - np.clip(ws, 0.0, 1.0)))
    best = group[int(np.argmax(ws))]
    methods = list(dict.fromkeys(m for g in group for m in g.method.split("+")))
    zones = [g.zone for g in group if g.zone is not None]
    zone = (min(z[0] for z in zones), max(z[1] for z in zones)) if zones else None
    labels = list(dict.fromkeys(g.label for g in group if g.label))
    label = ", ".join(labels[:3]) + (f" (+{len(labels) - 3})" if len(labels) > 3 else "")
    return best.with_(level=price, strength=min(conf, 1.0), method="+".join(methods),
                      label=label, zone=zone)


def merge_levels(levels: Sequence[SRLevel], min_distance_pts: float,
                 weights: Mapping[str, float] | None = None) -> list[SRLevel]:
    """Merge levels closer than ``min_distance_pts`` (see module doc, step 1)."""
    if not levels:
        return []
    w = dict(weights or {})
    ordered = sorted(levels, key=lambda lv: lv.level)
    groups: list[list[SRLevel]] = [[ordered[0]]]
    for lv in ordered[1:]:
        if lv.level - groups[-1][-1].level < min_distance_pts:
            groups[-1].append(lv)
        else:
            groups.append([lv])
    return [_merge_group(g, w) for g in groups]


def touch_stats(level: float, bars: Bars, tol_pts: float) -> tuple[int, date | None]:
    """(separate touches, date of the last touching bar) of ``level`` in ``bars``."""
    if len(bars) == 0:
        return 0, None
    touching = (bars.low - tol_pts <= level) & (bars.high + tol_pts >= level)
    starts = touching & ~np.concatenate([[False], touching[:-1]])
    if not touching.any():
        return 0, None
    last = int(np.flatnonzero(touching)[-1])
    return int(starts.sum()), to_date(bars.ts[last])


def score_levels(levels: Sequence[SRLevel], bars: Bars, on: date, tol_pts: float,
                 recent_test_weight: float) -> list[SRLevel]:
    """Touches, last test and final strength of each level (see module doc, step 2)."""
    out = []
    for lv in levels:
        touches, last = touch_stats(lv.level, bars, tol_pts)
        age_days = (on - last).days if last is not None else math.inf
        test = (1.0 - math.exp(-touches / 2.0)) * math.exp(-age_days / TEST_HALF_LIFE_DAYS)
        strength = lv.strength * (1.0 - recent_test_weight + recent_test_weight * test)
        out.append(lv.with_(touches=touches, last_tested=last,
                            strength=float(min(max(strength, 0.0), 1.0))))
    return out


def band_half_width_pts(atr_pts: float, state: VolState, cfg: StructureParams,
                        atr_mult: float = BAND_ATR_MULT) -> float:
    """Half-width of a level band (see module doc, step 3)."""
    base = atr_mult * atr_pts if math.isfinite(atr_pts) and atr_pts > 0 else cfg.proximity_pts
    if not cfg.volatility_weighted_levels:
        return float(base)
    if state is VolState.HIGH:
        return float(base * cfg.high_vol_level_expansion)
    if state is VolState.LOW:
        return float(base * cfg.low_vol_level_tightening)
    return float(base)


def with_bands(levels: Sequence[SRLevel], band_pts: float) -> list[SRLevel]:
    """Each level with ``band_pts`` as its band half-width."""
    return [lv.with_(band_pts=band_pts) for lv in levels]


def select_levels(levels: Sequence[SRLevel], reference_pts: float,
                  cfg: StructureParams) -> list[SRLevel]:
    """Strong enough levels, at most ``max_levels`` each side of the reference, sorted by price."""
    kept = [lv for lv in levels if lv.strength >= cfg.level_strength_threshold]
    below = sorted((lv for lv in kept if lv.level <= reference_pts), key=lambda lv: -lv.level)
    above = sorted((lv for lv in kept if lv.level > reference_pts), key=lambda lv: lv.level)
    return sorted(below[: cfg.max_levels] + above[: cfg.max_levels], key=lambda lv: lv.level)
