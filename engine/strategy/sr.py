"""Support/resistance in the engine (strategy stage): levels per trading day for one run, the
entry proximity filter, per-bar distances for the SR_HIT adjustment trigger and the S/R-break
exit mask.

Levels come from ``engine.structure.levels_at`` with a cache owned by the run's ``SRProvider``.
The levels used on day D are computed from bars stamped strictly before D 00:00, so every bar of
D (and every decision on D) sees only earlier data: no lookahead, whatever the bar.

* Entry filter (``MarketStructureConfig.use_for_entry`` and ``EntrySRProximity``): an entry is
  taken only when spot is within ``SRProximityPts`` of a level of the day; otherwise it is
  skipped with the reason (nearest support and resistance).
* SR_HIT (``use_for_adjustment``): per bar, the distance from spot to the nearest level of that
  bar's day; the rule fires at ``RuleSRProximityPts`` (``SRProximityPts`` when blank).
* S/R break (``use_for_exit`` or ``ExitOnSRBreak``): on each day, support S is the highest level
  at or below the position's reference spot (entry or last adjustment) and resistance R the
  lowest above it. Broken on a bar whose spot is below ``S - SRBreakBufferPts`` (or above
  ``R + buffer``), on the side that hurts the position: both sides for a neutral position
  (|delta per unit| <= ``NEUTRAL_DELTA`` at the segment's first bar: iron flies, calendars),
  else only the side against its delta (long delta: the support break).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from engine.config.models.structure import MarketStructureConfig
from engine.data.store import Store
from engine.errors import DataMissingError
from engine.structure import LevelsCache, SRLevel, levels_at, sr_break

NEUTRAL_DELTA = 0.25  # |position delta per unit| at or below which both breaks hurt


@dataclass(frozen=True)
class SRPlan:
    """Where a strategy uses support/resistance; ``config`` None means not at all."""

    config: MarketStructureConfig | None = None
    entry_filter: bool = False        # use_for_entry and EntrySRProximity
    adjustments: bool = False         # use_for_adjustment: SR_HIT sees the levels
    exit_on_break: bool = False       # use_for_exit or ExitOnSRBreak
    break_buffer_pts: float = 10.0
    strikes: bool = False             # a leg or a rule picks strikes by SR_BASED

    @property
    def active(self) -> bool:
        """True when any use is on (levels must be computed)."""
        return self.config is not None and (self.entry_filter or self.adjustments
                                            or self.exit_on_break or self.strikes)


@dataclass
class SRProvider:
    """Levels of one symbol per trading day for one run (computed once per day, cached)."""

    store: Store
    symbol: str
    plan: SRPlan
    cache: LevelsCache = field(default_factory=LevelsCache)
    notes: list[str] = field(default_factory=list)
    _by_day: dict[dt.date, tuple[float, ...]] = field(default_factory=dict)

    def levels_on(self, day: dt.date) -> tuple[float, ...]:
        """Sorted level prices usable on ``day`` (empty, with a note, when none can be made)."""
        found = self._by_day.get(day)
        if found is not None:
            return found
        cfg = self.plan.config
        levels: list[SRLevel] = []
        if cfg is not None:
            try:
                levels = levels_at(self.store, self.symbol, dt.datetime.combine(day, dt.time()),
                                   cfg.params(), self.cache)
            except DataMissingError as exc:
                self.notes.append(f"{day}: no support/resistance levels ({exc.message})")
        out = tuple(sorted(lv.level for lv in levels))
        self._by_day[day] = out
        return out

    def entry_reason(self, at: dt.datetime, spot: float) -> str | None:
        """Why an entry at ``at`` is refused by the proximity filter, or None to allow it."""
        cfg = self.plan.config
        if not self.plan.entry_filter or cfg is None:
            return None
        prices = self.levels_on(at.date())
        if not prices:
            return f"S/R proximity: no levels for {at.date()}"
        band = cfg.proximity_pts
        nearest = min(prices, key=lambda x: abs(spot - x))
        if abs(spot - nearest) <= band:
            return None
        below = max((x for x in prices if x <= spot), default=None)
        above = min((x for x in prices if x > spot), default=None)
        return (f"S/R proximity: spot {spot:.2f} is {abs(spot - nearest):.2f} pts from the nearest "
                f"level (support {_fmt(below)}, resistance {_fmt(above)}), more than "
                f"SRProximityPts {band:g}")

    def entry_filter(self, ts: np.ndarray, close: np.ndarray, eligible: np.ndarray
                     ) -> tuple[np.ndarray, list[tuple[dt.datetime, str]]]:
        """The ``eligible`` bar indices that pass the proximity filter, and one (time, reason)
        per trading day that had eligible bars and none of them near a level."""
        if not self.plan.entry_filter or eligible.size == 0:
            return eligible, []
        cfg = self.plan.config
        assert cfg is not None
        dist = self.distance_pts(ts[eligible], close[eligible])
        near = dist <= cfg.proximity_pts
        days = ts[eligible].astype("datetime64[D]")
        skips: list[tuple[dt.datetime, str]] = []
        for day in np.unique(days[~near]):
            on_day = days == day
            if not near[on_day].any():
                first = int(eligible[np.argmax(on_day)])
                at = np.datetime64(ts[first], "us").astype(object)
                skips.append((at, self.entry_reason(at, float(close[first])) or ""))
        return eligible[near], skips

    def day_levels(self, ts: np.ndarray) -> list[tuple[slice, tuple[float, ...]]]:
        """(bar slice, levels) for each trading day in the sorted bar times ``ts``."""
        days = ts.astype("datetime64[D]")
        starts = np.flatnonzero(np.r_[True, days[1:] != days[:-1]]) if ts.size else np.array([], int)
        ends = np.r_[starts[1:], ts.size]
        return [(slice(int(a), int(b)), self.levels_on(days[a].astype(object)))
                for a, b in zip(starts, ends, strict=True)]

    def distance_pts(self, ts: np.ndarray, spot: np.ndarray) -> np.ndarray:
        """Per bar: |spot - nearest level of the bar's day| in points (inf without levels)."""
        out = np.full(spot.shape, np.inf)
        for rows, prices in self.day_levels(ts):
            if prices:
                lv = np.asarray(prices)
                out[rows] = np.min(np.abs(spot[rows, None] - lv[None, :]), axis=1)
        return out

    def break_mask(self, ts: np.ndarray, spot: np.ndarray, ref_spot: float,
                   delta_per_unit: float) -> np.ndarray:
        """Per bar: spot broke the nearest level beyond the buffer on a side that hurts."""
        out = np.zeros(spot.shape, dtype=bool)
        buffer = self.plan.break_buffer_pts
        down = delta_per_unit >= -NEUTRAL_DELTA  # long or neutral delta loses below support
        up = delta_per_unit <= NEUTRAL_DELTA
        for rows, prices in self.day_levels(ts):
            below = max((x for x in prices if x <= ref_spot), default=None)
            above = min((x for x in prices if x > ref_spot), default=None)
            if down and below is not None:
                out[rows] |= sr_break(spot[rows], below, buffer, side="BELOW")
            if up and above is not None:
                out[rows] |= sr_break(spot[rows], above, buffer, side="ABOVE")
        return out


def _fmt(x: float | None) -> str:
    return "none" if x is None else f"{x:.2f}"


__all__ = ["NEUTRAL_DELTA", "SRPlan", "SRProvider"]
