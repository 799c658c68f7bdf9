"""Breakeven stage: breakevens of iron flies (closed form) and of any structure (grid + brentq),
calendar methods, probabilities of touching / staying within, the wing optimiser, the
breakeven band along a path, approach/breach vectors, success tracking and delta targets.

Before: pricing (``engine.pricing``) and structures (``engine.domain.structures``).
After: the simulator and risk engine (wired by the lead), results, and ``posbt breakeven``.
"""

from engine.breakeven.calendar import calendar_breakevens, iv_assumption
from engine.breakeven.curve import Band, structure_breakevens
from engine.breakeven.ironfly import (
    IronFlyBreakevens,
    costs_per_unit_pts,
    iron_fly_breakevens,
    wing_touch_probabilities,
)
from engine.breakeven.methods import band_probabilities, closed_form_band_probabilities
from engine.breakeven.monitor import (
    BandEvent,
    BandState,
    SuccessStats,
    adjustment_keeps_breakevens,
    band_states,
    breakeven_delta_targets,
    buffer_pts,
    distance_to_band,
    first_band_event,
    success_rate,
    success_stats,
)
from engine.breakeven.montecarlo import (
    BandProbabilities,
    Estimate,
    historical_band_probabilities,
    mc_band_probabilities,
)
from engine.breakeven.probability import (
    finish_within_probability,
    stay_within_probability,
    touch_probability,
)
from engine.breakeven.series import BandHorizon, BreakevenSeries, breakeven_series
from engine.breakeven.valuation import IVSurface, LegBook, flat_surface, leg_book
from engine.breakeven.wings import WingCandidate, WingChoice, optimise_wings

__all__ = [
    "Band",
    "BandEvent",
    "BandHorizon",
    "BandProbabilities",
    "BandState",
    "BreakevenSeries",
    "Estimate",
    "IVSurface",
    "IronFlyBreakevens",
    "LegBook",
    "SuccessStats",
    "WingCandidate",
    "WingChoice",
    "adjustment_keeps_breakevens",
    "band_probabilities",
    "band_states",
    "breakeven_delta_targets",
    "breakeven_series",
    "buffer_pts",
    "calendar_breakevens",
    "closed_form_band_probabilities",
    "costs_per_unit_pts",
    "distance_to_band",
    "finish_within_probability",
    "first_band_event",
    "flat_surface",
    "historical_band_probabilities",
    "iron_fly_breakevens",
    "iv_assumption",
    "leg_book",
    "mc_band_probabilities",
    "optimise_wings",
    "stay_within_probability",
    "structure_breakevens",
    "success_rate",
    "success_stats",
    "touch_probability",
    "wing_touch_probabilities",
]
