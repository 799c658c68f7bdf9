"""Closed sets used by the configuration models (config stage).

Every enum is a ``StrEnum`` so that its value is what the workbook cell and the YAML
file hold (``"IRON_FLY"``), and the template's data-validation lists come from here.
"""

from __future__ import annotations

from enum import StrEnum

# one definition of each, in the package whose kernels use it; re-exported for the config models
from engine.breakeven.kinds import BEApproachAction as BEApproachAction
from engine.breakeven.kinds import BEBreachAction as BEBreachAction
from engine.breakeven.kinds import BEBufferType as BEBufferType
from engine.breakeven.kinds import BECalcMethod as BECalcMethod
from engine.breakeven.kinds import CalendarBEMethod as CalendarBEMethod
from engine.breakeven.kinds import IronFlyBEWings as IronFlyBEWings
from engine.breakeven.kinds import ProbabilityMethod as ProbabilityMethod
from engine.breakeven.kinds import RecalcFrequency as RecalcFrequency
from engine.domain.structures import PositionRole as PositionRole
from engine.domain.structures import Right as Right
from engine.domain.structures import Side as Side
from engine.structure.kinds import MLModel as MLModel
from engine.structure.kinds import PivotTimeframe as PivotTimeframe
from engine.structure.kinds import PivotType as PivotType
from engine.structure.kinds import SRMethod as SRMethod


class PositionType(StrEnum):
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"
    CUSTOM = "CUSTOM"


class StrategySubtype(StrEnum):
    CALENDAR_SPREAD = "CALENDAR_SPREAD"
    IRON_FLY = "IRON_FLY"
    CUSTOM = "CUSTOM"


class RollFrequency(StrEnum):
    WEEKLY = "WEEKLY"
    BIWEEKLY = "BIWEEKLY"
    MONTHLY = "MONTHLY"
    CUSTOM = "CUSTOM"


class Symbol(StrEnum):
    NIFTY = "NIFTY"
    BANKNIFTY = "BANKNIFTY"
    FINNIFTY = "FINNIFTY"
    SENSEX = "SENSEX"


class BarInterval(StrEnum):
    M1 = "1m"
    M3 = "3m"
    M5 = "5m"
    M15 = "15m"
    M30 = "30m"
    H1 = "1h"
    D1 = "1d"


class Weekday(StrEnum):
    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"


class StrikeMethod(StrEnum):
    """How a leg's strike is chosen; the value's unit depends on the method."""

    ATM = "ATM"
    ATM_OFFSET = "ATM_OFFSET"  # value: strike steps, + is OTM-for-calls direction (up)
    ATM_OFFSET_PTS = "ATM_OFFSET_PTS"  # value: index points from ATM (up is +)
    CLOSEST_PREMIUM = "CLOSEST_PREMIUM"  # value: premium in points
    DELTA = "DELTA"  # value: absolute delta, 0..1
    PERCENT_OTM = "PERCENT_OTM"  # value: fraction of spot
    SR_BASED = "SR_BASED"  # value: offset in points from the nearest S/R level


class ExpiryMethod(StrEnum):
    DTE = "DTE"
    WEEKLY_INDEX = "WEEKLY_INDEX"
    MONTHLY_INDEX = "MONTHLY_INDEX"


class TermStructureType(StrEnum):
    CONTANGO = "CONTANGO"
    BACKWARDATION = "BACKWARDATION"
    FLAT = "FLAT"
    ANY = "ANY"


class VolRegime(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    EXTREME = "EXTREME"
    ANY = "ANY"


class RegimeBasis(StrEnum):
    """What the volatility-regime bands classify: the VIX close or the ATM IV percentile."""

    VIX = "VIX"
    IVP = "IVP"


class HvEstimator(StrEnum):
    CLOSE_TO_CLOSE = "CLOSE_TO_CLOSE"
    PARKINSON = "PARKINSON"
    GARMAN_KLASS = "GARMAN_KLASS"
    ROGERS_SATCHELL = "ROGERS_SATCHELL"
    YANG_ZHANG = "YANG_ZHANG"


class AdjustmentType(StrEnum):
    ROLL_UP = "ROLL_UP"
    ROLL_DOWN = "ROLL_DOWN"
    ROLL_DIAGONAL = "ROLL_DIAGONAL"
    REVERSE_BUY = "REVERSE_BUY"
    DOUBLE_CALENDAR = "DOUBLE_CALENDAR"
    DYNAMIC_HEDGE = "DYNAMIC_HEDGE"


class TriggerKind(StrEnum):
    PRICE_MOVE = "PRICE_MOVE"
    TIME_DECAY = "TIME_DECAY"
    GREEK = "GREEK"
    SR_HIT = "SR_HIT"
    IVP_CROSS = "IVP_CROSS"
    IVR_CROSS = "IVR_CROSS"
    ATR_CROSS = "ATR_CROSS"
    IV_CHANGE = "IV_CHANGE"
    BREAKEVEN = "BREAKEVEN"
    VOLATILITY = "VOLATILITY"


class TriggerLogic(StrEnum):
    ALL = "ALL"
    ANY = "ANY"


class CrossDirection(StrEnum):
    ABOVE = "ABOVE"
    BELOW = "BELOW"


class Greek(StrEnum):
    DELTA = "DELTA"
    GAMMA = "GAMMA"
    THETA = "THETA"
    VEGA = "VEGA"


class BETriggerType(StrEnum):
    APPROACH = "APPROACH"
    BREACH = "BREACH"
    DISTANCE = "DISTANCE"
    PROBABILITY = "PROBABILITY"


class HedgeInstrument(StrEnum):
    OPTION = "OPTION"
    FUTURE = "FUTURE"


class FillModel(StrEnum):
    CLOSE = "CLOSE"
    MID = "MID"
    BID_ASK = "BID_ASK"
    NEXT_OPEN = "NEXT_OPEN"


class SlippageKind(StrEnum):
    POINTS = "POINTS"
    PERCENT = "PERCENT"
    TICKS = "TICKS"


class CostPreset(StrEnum):
    INDIA = "INDIA"
    CUSTOM = "CUSTOM"
    NONE = "NONE"


class StopRecovery(StrEnum):
    NONE = "NONE"
    REENTER = "REENTER"
    REDUCE = "REDUCE"


class SizingMode(StrEnum):
    FIXED = "FIXED"
    VIX_SCALED = "VIX_SCALED"
    CAPITAL_PCT = "CAPITAL_PCT"


class VolScalingMetric(StrEnum):
    NONE = "NONE"
    IVP = "IVP"
    IVR = "IVR"
    ATR_PERCENTILE = "ATR_PERCENTILE"


class ActivationCondition(StrEnum):
    ALWAYS = "ALWAYS"
    IVP_ABOVE = "IVP_ABOVE"
    IVP_BELOW = "IVP_BELOW"
    VIX_ABOVE = "VIX_ABOVE"
    VIX_BELOW = "VIX_BELOW"
    ON_ADJUSTMENT = "ON_ADJUSTMENT"
