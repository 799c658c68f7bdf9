"""Adjustment rules: a tagged union on ``rule_type`` (alias ``type``), one model per type.

Config stage. Every rule shares the plan's AdjustmentRule fields (triggers, action
limits, constraints); each type adds its own. Trigger conditions are ANDed unless
``trigger_logic`` is ANY. The plan's shorthand ``trigger: PRICE_MOVE, threshold: 0.01``
becomes ``trigger_conditions: [PRICE_MOVE], price_move_threshold: 0.01``.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Discriminator, Tag, model_validator

from engine.config.enums import (
    AdjustmentType,
    BETriggerType,
    CrossDirection,
    Greek,
    HedgeInstrument,
    Right,
    StrikeMethod,
    TriggerKind,
    TriggerLogic,
    Weekday,
)
from engine.config.meta import Group, param
from engine.config.models.base import ConfigModel, CsvTuple, Dynamic, pair_alias

_FRAC = "fraction 0-1"

# Which field the plan's bare ``threshold`` fills, by the rule's (single) trigger.
THRESHOLD_FIELD: dict[TriggerKind, str] = {
    TriggerKind.PRICE_MOVE: "price_move_threshold",
    TriggerKind.TIME_DECAY: "time_decay_threshold",
    TriggerKind.GREEK: "greek_threshold_value",
    TriggerKind.SR_HIT: "sr_proximity_pts",
    TriggerKind.IVP_CROSS: "ivp_trigger",
    TriggerKind.IVR_CROSS: "ivr_trigger",
    TriggerKind.ATR_CROSS: "atr_trigger",
    TriggerKind.IV_CHANGE: "iv_change_trigger",
    TriggerKind.BREAKEVEN: "be_distance_trigger",
}


class VolatilityTrigger(ConfigModel):
    """Changes in volatility since entry that fire a rule (the plan's volatility_trigger)."""

    group: ClassVar[Group] = Group.ADJUSTMENT

    ivp_drop: float | None = param(None, excel="VolTrigIVPDrop", unit=_FRAC, ge=0, le=1,
                                   desc="Fire when IVP fell by this since entry (0.2 = 20 pts)")
    ivp_rise: float | None = param(None, excel="VolTrigIVPRise", unit=_FRAC, ge=0, le=1,
                                   desc="Fire when IVP rose by this since entry")
    ivr_drop: float | None = param(None, excel="VolTrigIVRDrop", unit=_FRAC, ge=0, le=1,
                                   desc="Fire when IVR fell by this since entry")
    ivr_rise: float | None = param(None, excel="VolTrigIVRRise", unit=_FRAC, ge=0, le=1,
                                   desc="Fire when IVR rose by this since entry")
    atr_percentile_rise: float | None = param(None, excel="VolTrigATRRise", unit=_FRAC, ge=0,
                                              le=1, desc="Fire when ATR percentile rose by this")


class AdjustmentRuleBase(ConfigModel):
    """Fields every adjustment rule has (the plan's AdjustmentRule)."""

    group: ClassVar[Group] = Group.ADJUSTMENT

    rule_id: str = param(excel="RuleID", desc="Rule identifier, unique within the strategy")
    enabled: bool = param(True, excel="RuleEnabled", desc="Rule takes part in the backtest")
    priority: int = param(100, excel="RulePriority", unit="rank", ge=0, le=1000,
                          desc="Lower fires first when several rules fire on one bar")
    trigger_conditions: CsvTuple[TriggerKind] = param(
        (), excel="TriggerConditions", aliases=("trigger",), unit="trigger list",
        desc="Conditions that fire the rule")
    trigger_logic: TriggerLogic = param(TriggerLogic.ALL, excel="TriggerLogic",
                                        desc="ALL: conditions ANDed; ANY: ORed")
    price_move_threshold: float | None = param(None, excel="PriceMoveThreshold",
                                               unit="fraction of spot", gt=0, le=1,
                                               desc="Spot move from entry that fires")
    price_move_threshold_pts: float | None = param(None, excel="PriceMoveThresholdPts",
                                                   unit="points", gt=0,
                                                   desc="Spot move from entry in points")
    time_decay_threshold: float | None = param(None, excel="TimeDecayThreshold",
                                               unit="fraction of entry credit", gt=0, le=1,
                                               desc="Fire once this share of credit decayed")
    greek_threshold_greek: Greek | None = param(None, excel="GreekThresholdGreek",
                                                desc="Greek watched by the GREEK trigger")
    greek_threshold_value: float | None = param(None, excel="GreekThresholdValue",
                                                unit="INR per unit of the greek", gt=0,
                                                desc="Position greek magnitude that fires")
    sr_proximity_required: bool = param(False, excel="SRProximityRequired",
                                        desc="Fire only when spot is near an S/R level")
    sr_proximity_pts: float | None = param(None, excel="RuleSRProximityPts", unit="points",
                                           ge=0, desc="SR_HIT distance to a level")
    volatility_trigger: VolatilityTrigger = param(default_factory=VolatilityTrigger,
                                                  excel="VolatilityTrigger",
                                                  desc="Volatility-change triggers")
    ivp_trigger: float | None = param(None, excel="IVPTrigger", unit=_FRAC, ge=0, le=1,
                                      desc="Fire when IVP crosses this")
    ivr_trigger: float | None = param(None, excel="IVRTrigger", unit=_FRAC, ge=0, le=1,
                                      desc="Fire when IVR crosses this")
    atr_trigger: float | None = param(None, excel="ATRTrigger", unit=_FRAC, ge=0, le=1,
                                      desc="Fire when ATR percentile crosses this")
    cross_direction: CrossDirection = param(CrossDirection.ABOVE, excel="CrossDirection",
                                            desc="Direction of IVP/IVR/ATR crossings")
    iv_change_trigger: float | None = param(None, excel="IVChangeTrigger",
                                            unit="fraction of entry IV", gt=0, le=5,
                                            desc="Fire on this relative ATM IV change")
    be_trigger_type: BETriggerType | None = param(None, excel="BETriggerType",
                                                  desc="Breakeven trigger kind")
    upper_be_trigger: float | Dynamic | None = param(None, excel="UpperBETrigger",
                                                     unit="points or DYNAMIC",
                                                     desc="Upper breakeven level that fires")
    lower_be_trigger: float | Dynamic | None = param(None, excel="LowerBETrigger",
                                                     unit="points or DYNAMIC",
                                                     desc="Lower breakeven level that fires")
    be_distance_trigger: float | None = param(None, excel="BEDistanceTrigger", unit="points",
                                              ge=0, desc="Fire when spot is this near a BE")
    be_probability_trigger: float | None = param(None, excel="BEProbabilityTrigger",
                                                 unit=_FRAC, ge=0, le=1,
                                                 desc="Fire when P(touch BE) exceeds this")
    target_strike_method: StrikeMethod = param(StrikeMethod.ATM, excel="TargetStrikeMethod",
                                               desc="Strike selection of the new leg(s)")
    target_strike_value: float = param(0.0, excel="TargetStrikeValue",
                                       unit="depends on method", desc="Value for the method")
    max_debit_allowed: float | None = param(
        None, excel="MaxDebitAllowed", unit="fraction of entry credit", ge=0, le=10,
        aliases=("max_debit", "max_debit_pct"), desc="Largest debit the adjustment may pay")
    max_debit_pts: float | None = param(None, excel="MaxDebitPts", unit="points", ge=0,
                                        desc="Largest debit in points")
    min_credit_required: float | None = param(None, excel="MinCreditRequired",
                                              unit="fraction of entry credit", ge=0, le=10,
                                              desc="Smallest credit the adjustment must take")
    volatility_adjusted_sizing: bool = param(False, excel="VolAdjustedSizing",
                                             desc="Scale adjustment size by IVP")
    be_improvement_required_pts: float | None = param(
        None, excel="BEImprovementRequired", unit="points", ge=0,
        aliases=("be_improvement_required",), desc="Minimum breakeven improvement")
    max_times_per_position: int = param(1, excel="MaxTimesPerPosition", unit="count", ge=0,
                                        le=100, desc="Times the rule may fire per position")
    cooldown_minutes: int = param(0, excel="RuleCooldown", unit="minutes", ge=0,
                                  desc="Wait after this rule fired before it fires again")
    allowed_start_time: time = param(time(9, 15), excel="RuleStartTime", unit="HH:MM IST",
                                     desc="Earliest time of day the rule may fire")
    allowed_end_time: time = param(time(15, 30), excel="RuleEndTime", unit="HH:MM IST",
                                   desc="Latest time of day the rule may fire")
    blackout_days: CsvTuple[Weekday] = param((), excel="BlackoutDays", unit="weekday list",
                                             desc="Weekdays the rule never fires")
    volatility_blackout_ivp_min: float | None = param(
        None, excel="VolBlackoutIVPMin", unit=_FRAC, ge=0, le=1,
        desc="No firing while IVP is at least this ...")
    volatility_blackout_ivp_max: float | None = param(
        None, excel="VolBlackoutIVPMax", unit=_FRAC, ge=0, le=1,
        desc="... and at most this")

    @model_validator(mode="before")
    @classmethod
    def _plan_shorthands(cls, data: Any) -> Any:
        data = pair_alias(data, "allowed_market_hours", "allowed_start_time", "allowed_end_time")
        data = pair_alias(data, "volatility_blackout", "volatility_blackout_ivp_min",
                          "volatility_blackout_ivp_max")
        if isinstance(data, dict) and "threshold" in data:
            data = dict(data)
            value = data.pop("threshold")
            trig = data.get("trigger", data.get("trigger_conditions"))
            kinds = [trig] if isinstance(trig, str) else list(trig or [])
            if len(kinds) != 1 or str(kinds[0]).upper() not in THRESHOLD_FIELD:
                raise ValueError("threshold needs exactly one trigger (PRICE_MOVE, ...) "
                                 f"to say what it measures, got trigger {trig!r}")
            data.setdefault(THRESHOLD_FIELD[TriggerKind(str(kinds[0]).upper())], value)
        return data


class RollUpRule(AdjustmentRuleBase):
    """Roll the short strike(s) up after a rally."""

    rule_type: Literal[AdjustmentType.ROLL_UP] = param(excel="RuleType", aliases=("type",),
                                                       desc="Adjustment type")
    roll_strike_steps: int = param(1, excel="RollStrikeSteps", unit="strike steps", ge=1,
                                   le=50, desc="Steps the rolled strike moves")
    roll_long_leg: bool = param(False, excel="RollLongLeg", desc="Roll the long leg too")


class RollDownRule(AdjustmentRuleBase):
    """Roll the short strike(s) down after a fall."""

    rule_type: Literal[AdjustmentType.ROLL_DOWN] = param(excel="RuleType", aliases=("type",),
                                                         desc="Adjustment type")
    roll_strike_steps: int = param(1, excel="RollStrikeSteps", unit="strike steps", ge=1,
                                   le=50, desc="Steps the rolled strike moves")
    roll_long_leg: bool = param(False, excel="RollLongLeg", desc="Roll the long leg too")


class RollDiagonalRule(AdjustmentRuleBase):
    """Roll to a different strike and expiry."""

    rule_type: Literal[AdjustmentType.ROLL_DIAGONAL] = param(excel="RuleType",
                                                             aliases=("type",),
                                                             desc="Adjustment type")
    roll_strike_steps: int = param(1, excel="RollStrikeSteps", unit="strike steps", ge=1,
                                   le=50, desc="Steps the rolled strike moves")
    new_dte: int = param(7, excel="DiagonalNewDTE", unit="calendar days", ge=0, le=400,
                         desc="Target DTE of the rolled leg")


class ReverseBuyRule(AdjustmentRuleBase):
    """Buy back against the move in parts, scalping the bought options."""

    rule_type: Literal[AdjustmentType.REVERSE_BUY] = param(excel="RuleType",
                                                           aliases=("type",),
                                                           desc="Adjustment type")
    scalping_threshold: float = param(0.5, excel="ScalpingThreshold",
                                      unit="fraction of bought premium", ge=0, le=10,
                                      desc="Gain on the bought leg that books the scalp")
    reverse_parts: int = param(4, excel="ReverseParts", unit="count", ge=1, le=10,
                               desc="Parts the reverse buy is split into")
    reverse_lots: int = param(1, excel="ReverseLots", unit="lots", ge=1, le=1000,
                              desc="Lots bought per part")


class DoubleCalendarRule(AdjustmentRuleBase):
    """Add a second calendar away from the first."""

    rule_type: Literal[AdjustmentType.DOUBLE_CALENDAR] = param(excel="RuleType",
                                                               aliases=("type",),
                                                               desc="Adjustment type")
    second_offset_steps: int = param(2, excel="SecondCalendarOffset", unit="strike steps",
                                     ge=1, le=50, desc="Distance of the second calendar")
    second_right: Right | None = param(None, excel="SecondCalendarRight",
                                       desc="Right of the second calendar (blank: same)")


class DynamicHedgeRule(AdjustmentRuleBase):
    """Bring position delta back inside a band."""

    rule_type: Literal[AdjustmentType.DYNAMIC_HEDGE] = param(excel="RuleType",
                                                             aliases=("type",),
                                                             desc="Adjustment type")
    hedge_instrument: HedgeInstrument = param(HedgeInstrument.OPTION, excel="HedgeInstrument",
                                              desc="What the hedge trades")
    target_delta: float = param(0.0, excel="HedgeTargetDelta", unit="INR per index point",
                                desc="Position delta the hedge aims at")
    delta_band: float = param(0.0, excel="HedgeDeltaBand", unit="INR per index point", ge=0,
                              desc="No hedge while |delta - target| is within this")
    rebalance_minutes: int = param(60, excel="HedgeRebalance", unit="minutes", ge=1,
                                   desc="Minimum time between hedges")


RULE_TYPES: dict[AdjustmentType, type[AdjustmentRuleBase]] = {
    AdjustmentType.ROLL_UP: RollUpRule,
    AdjustmentType.ROLL_DOWN: RollDownRule,
    AdjustmentType.ROLL_DIAGONAL: RollDiagonalRule,
    AdjustmentType.REVERSE_BUY: ReverseBuyRule,
    AdjustmentType.DOUBLE_CALENDAR: DoubleCalendarRule,
    AdjustmentType.DYNAMIC_HEDGE: DynamicHedgeRule,
}


def _rule_tag(data: Any) -> str | None:
    if isinstance(data, AdjustmentRuleBase):
        return str(data.rule_type)  # type: ignore[attr-defined]
    if isinstance(data, dict):
        raw = data.get("rule_type", data.get("type"))
        return str(raw).strip().upper() if raw is not None else None
    return None


AdjustmentRule = Annotated[
    Annotated[RollUpRule, Tag("ROLL_UP")]
    | Annotated[RollDownRule, Tag("ROLL_DOWN")]
    | Annotated[RollDiagonalRule, Tag("ROLL_DIAGONAL")]
    | Annotated[ReverseBuyRule, Tag("REVERSE_BUY")]
    | Annotated[DoubleCalendarRule, Tag("DOUBLE_CALENDAR")]
    | Annotated[DynamicHedgeRule, Tag("DYNAMIC_HEDGE")],
    Discriminator(_rule_tag, custom_error_type="rule_type",
                  custom_error_message="RuleType must be one of "
                  + ", ".join(t.value for t in AdjustmentType)),
]
