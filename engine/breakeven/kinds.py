"""Closed sets of the breakeven stage: calculation and probability methods, band buffers,
recalculation frequency, the actions on approach and breach, the calendar and iron-fly
breakeven conventions.

They live here, below config, so the kernels can name them; ``engine.config.enums`` re-exports
them for the config models.
"""

from __future__ import annotations

from enum import StrEnum


class BECalcMethod(StrEnum):
    THEORETICAL = "THEORETICAL"
    EMPIRICAL = "EMPIRICAL"
    MONTE_CARLO = "MONTE_CARLO"
    HYBRID = "HYBRID"


class BEBufferType(StrEnum):
    FIXED = "FIXED"
    PERCENTAGE = "PERCENTAGE"
    ATR_BASED = "ATR_BASED"


class RecalcFrequency(StrEnum):
    TICK = "TICK"
    MINUTE = "MINUTE"
    HOURLY = "HOURLY"
    DAILY = "DAILY"


class BEApproachAction(StrEnum):
    ADJUST = "ADJUST"
    HEDGE = "HEDGE"
    CLOSE = "CLOSE"
    ALERT = "ALERT"


class BEBreachAction(StrEnum):
    CLOSE = "CLOSE"
    ADJUST = "ADJUST"
    REVERSE = "REVERSE"
    HOLD = "HOLD"


class ProbabilityMethod(StrEnum):
    BLACK_SCHOLES = "BLACK_SCHOLES"
    MONTE_CARLO = "MONTE_CARLO"
    HISTORICAL = "HISTORICAL"


class CalendarBEMethod(StrEnum):
    T0 = "T+0"
    TN = "T+N"
    WEIGHTED = "WEIGHTED"
    OPTIMAL = "OPTIMAL"


class IronFlyBEWings(StrEnum):
    INCLUDE = "INCLUDE"
    EXCLUDE = "EXCLUDE"
    WEIGHTED = "WEIGHTED"
