"""One leg of a strategy (a LegParameter row) and its optional behaviours (config stage).

A leg says which option (right, side, strike selection, expiry selection), how many
lots, and its role; TimeframeOverride, ConditionalActivation, DynamicSizing and
VolatilityScaling are the plan's extra LegParameter columns, each a small model.
"""

from __future__ import annotations

from typing import ClassVar

from engine.config.enums import (
    ActivationCondition,
    ExpiryMethod,
    PositionRole,
    PositionType,
    Right,
    Side,
    SizingMode,
    StrikeMethod,
    VolScalingMetric,
)
from engine.config.meta import Group, param
from engine.config.models.base import ConfigModel


class TimeframeOverride(ConfigModel):
    """Leg-level replacement of the strategy's DTE / position type."""

    group: ClassVar[Group] = Group.LEG

    dte: int | None = param(None, excel="TimeframeOverride", unit="calendar days", ge=0,
                            le=400, desc="Target DTE of this leg instead of the strategy's")
    position_type: PositionType | None = param(None, excel="TimeframeOverrideType",
                                               desc="Expiry kind of this leg (blank: same)")


class ConditionalActivation(ConfigModel):
    """A leg that is only opened while a condition holds."""

    group: ClassVar[Group] = Group.LEG

    condition: ActivationCondition = param(ActivationCondition.ALWAYS,
                                           excel="ConditionalActivation",
                                           desc="When the leg is opened")
    threshold: float | None = param(None, excel="ActivationThreshold",
                                    unit="IVP fraction or VIX", ge=0,
                                    desc="Value the condition compares with")


class DynamicSizing(ConfigModel):
    """Lots chosen from market conditions."""

    group: ClassVar[Group] = Group.LEG

    mode: SizingMode = param(SizingMode.FIXED, excel="DynamicSizing", desc="Sizing rule")
    min_lots: int = param(1, excel="SizingMinLots", unit="lots", ge=1, le=10000,
                          desc="Fewest lots")
    max_lots: int = param(1, excel="SizingMaxLots", unit="lots", ge=1, le=10000,
                          desc="Most lots")
    capital_fraction: float = param(0.1, excel="SizingCapitalFrac", unit="fraction of capital",
                                    gt=0, le=1, desc="Capital used by CAPITAL_PCT sizing")


class VolatilityScaling(ConfigModel):
    """Scale the leg's size by IVP / IVR / ATR percentile."""

    group: ClassVar[Group] = Group.LEG

    metric: VolScalingMetric = param(VolScalingMetric.NONE, excel="VolatilityScaling",
                                     desc="Metric that scales the size")
    low_threshold: float = param(0.3, excel="VolScaleLow", unit="fraction 0-1", ge=0, le=1,
                                 desc="Below this the low factor applies")
    high_threshold: float = param(0.7, excel="VolScaleHigh", unit="fraction 0-1", ge=0, le=1,
                                  desc="Above this the high factor applies")
    low_factor: float = param(1.0, excel="VolScaleLowFactor", unit="x", ge=0, le=10,
                              desc="Size multiplier when the metric is low")
    high_factor: float = param(1.0, excel="VolScaleHighFactor", unit="x", ge=0, le=10,
                               desc="Size multiplier when the metric is high")


class LegConfig(ConfigModel):
    """One option leg."""

    group: ClassVar[Group] = Group.LEG

    leg_id: str = param(excel="LegID", desc="Leg identifier, unique within the strategy")
    right: Right = param(excel="Right", desc="CE or PE")
    side: Side = param(excel="Side", desc="BUY or SELL")
    lots: int | None = param(None, excel="LegLots", unit="lots", ge=1, le=10000,
                             desc="Lots (blank: the strategy's Lots)")
    strike_method: StrikeMethod = param(StrikeMethod.ATM, excel="StrikeMethod",
                                        desc="Strike selection")
    strike_value: float = param(0.0, excel="StrikeValue", unit="depends on StrikeMethod",
                                desc="Steps, points, premium, delta or fraction OTM")
    expiry_method: ExpiryMethod = param(ExpiryMethod.DTE, excel="ExpiryMethod",
                                        desc="How the expiry is chosen")
    expiry_value: int | None = param(None, excel="ExpiryValue", unit="days or index", ge=0,
                                     le=400, desc="DTE or 0-based expiry index "
                                     "(blank: the strategy's ShortLegDTE / index 0)")
    position_role: PositionRole = param(PositionRole.PRIMARY, excel="PositionRole",
                                        desc="Part the leg plays")
    timeframe_override: TimeframeOverride = param(default_factory=TimeframeOverride,
                                                  excel="TimeframeOverrideGroup",
                                                  desc="DTE override")
    conditional_activation: ConditionalActivation = param(
        default_factory=ConditionalActivation, excel="ConditionalActivationGroup",
        desc="Activation rule")
    dynamic_sizing: DynamicSizing = param(default_factory=DynamicSizing,
                                          excel="DynamicSizingGroup", desc="Sizing rule")
    volatility_scaling: VolatilityScaling = param(default_factory=VolatilityScaling,
                                                  excel="VolatilityScalingGroup",
                                                  desc="Vol scaling rule")
