"""``StrategyConfig``: one strategy, everything the engine needs to run it (config stage).

Built by ``model_validate`` on the merged dict (Global defaults -> Strategy -> Leg ->
runtime overrides -> volatility overrides). Cross-field checks live in
:mod:`engine.config.checks`; this model checks types and ranges only.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import model_validator

from engine.config.builders import expand_legs
from engine.config.enums import (
    PositionType,
    Right,
    RollFrequency,
    StrategySubtype,
)
from engine.config.meta import Group, param
from engine.config.models.adjustments import AdjustmentRule
from engine.config.models.base import ConfigModel, CsvTuple
from engine.config.models.breakeven import BreakevenConfig
from engine.config.models.costs import BacktestWindow, CostsConfig, PerformanceConfig
from engine.config.models.entry import EntryRules
from engine.config.models.exits import ExitRules
from engine.config.models.legs import LegConfig
from engine.config.models.risk import GreekLimits, PositionLimits, VolatilityLimits
from engine.config.models.structure import MarketStructureConfig
from engine.config.models.volatility import VixConfig, VolatilityFilterConfig

_TF = Group.TIMEFRAME
# Plan keys that sit at the strategy's top level in YAML but belong to a nested model.
_MOVED_KEYS: dict[str, str] = {
    "track_metrics": "performance",
    "parameter_optimization": "performance",
}


def _number_rules(rules: Any) -> Any:
    """Give rules without a rule_id the id ``R<n>`` (1-based position), as the plan omits it."""
    if not isinstance(rules, list | tuple):
        return () if rules is None else rules
    out: list[Any] = []
    for n, rule in enumerate(rules, start=1):
        if isinstance(rule, dict) and "rule_id" not in rule:
            rule = {"rule_id": f"R{n}", **rule}
        out.append(rule)
    return out


class StrategyConfig(ConfigModel):
    """One positional strategy."""

    group: ClassVar[Group] = Group.IDENTITY

    strategy_name: str = param(excel="StrategyName", desc="Unique strategy name")
    description: str = param("", excel="Description", desc="Free text")
    enabled: bool = param(True, excel="Enabled", desc="Run this strategy")
    position_type: PositionType = param(PositionType.WEEKLY, excel="PositionType",
                                        desc="Expiry kind of the short leg")
    strategy_subtype: StrategySubtype = param(StrategySubtype.CUSTOM, excel="StrategySubtype",
                                              desc="Structure; CUSTOM means legs from "
                                              "LegParameter")
    short_leg_dte: int = param(7, excel="ShortLegDTE", unit="calendar days", ge=0, le=400,
                               group=_TF, desc="Target DTE of the short leg(s)")
    long_leg_dte: int | None = param(None, excel="LongLegDTE", unit="calendar days", ge=0,
                                     le=400, group=_TF,
                                     desc="Target DTE of the long leg (calendars)")
    roll_frequency: RollFrequency = param(RollFrequency.WEEKLY, excel="RollFrequency",
                                          group=_TF, desc="How often the cycle restarts")
    custom_dte_list: CsvTuple[int] = param((), excel="CustomDTEList", unit="day list",
                                           group=_TF, desc="DTEs of a CUSTOM roll cycle")
    fallback_to_monthly: bool = param(False, excel="FallbackToMonthly", group=_TF,
                                      desc="Use monthlies when weeklies stop being listed")
    wing_width_pts: float | None = param(None, excel="WingWidthPts", unit="points", gt=0,
                                         group=_TF, desc="Iron fly wing distance from centre")
    wing_steps: int = param(4, excel="WingSteps", unit="strike steps", ge=1, le=100,
                            group=_TF, desc="Iron fly wing in steps when WingWidthPts blank")
    calendar_right: Right = param(Right.CE, excel="CalendarRight", group=_TF,
                                  desc="Right of a built calendar")
    max_adjustments: int = param(5, excel="MaxAdjustments", unit="count", ge=0, le=100,
                                 group=Group.ADJUSTMENT, desc="Adjustments per position")
    adjustment_cooldown_minutes: int = param(30, excel="AdjustmentCooldown", unit="minutes",
                                             ge=0, group=Group.ADJUSTMENT,
                                             aliases=("adjustment_cooldown",),
                                             desc="Wait between any two adjustments")
    exits_before_adjustments: bool = param(True, excel="ExitsBeforeAdjustments",
                                           group=Group.ADJUSTMENT,
                                           desc="On a bar where an exit and an adjustment are "
                                                "both due, the exit wins")
    backtest: BacktestWindow = param(default_factory=BacktestWindow, excel="Backtest",
                                     desc="Backtest window")
    vix_config: VixConfig = param(default_factory=VixConfig, excel="VixConfig",
                                  desc="VIX bands")
    entry_rules: EntryRules = param(default_factory=EntryRules, excel="EntryRules",
                                    desc="Entry rules")
    volatility_filter: VolatilityFilterConfig = param(default_factory=VolatilityFilterConfig,
                                                      excel="VolatilityFilter",
                                                      desc="Volatility filter")
    market_structure: MarketStructureConfig = param(
        default_factory=MarketStructureConfig, excel="MarketStructure",
        aliases=("market_structure_filter",), desc="Support/resistance")
    exit_rules: ExitRules = param(default_factory=ExitRules, excel="ExitRules",
                                  desc="Exit rules")
    position_limits: PositionLimits = param(default_factory=PositionLimits,
                                            excel="PositionLimits", desc="Position limits")
    greek_limits: GreekLimits = param(default_factory=GreekLimits, excel="GreekLimits",
                                      desc="Greek limits")
    volatility_limits: VolatilityLimits = param(default_factory=VolatilityLimits,
                                                excel="VolatilityLimits",
                                                desc="Volatility limits")
    breakeven_config: BreakevenConfig = param(default_factory=BreakevenConfig,
                                              excel="Breakeven", desc="Breakeven config")
    costs: CostsConfig = param(default_factory=CostsConfig, excel="Costs", desc="Costs")
    performance: PerformanceConfig = param(default_factory=PerformanceConfig,
                                           excel="Performance", desc="Tracking")
    legs: tuple[LegConfig, ...] = param((), excel="Legs", desc="Legs (LegParameter sheet)")
    adjustment_rules: tuple[AdjustmentRule, ...] = param(
        (), excel="AdjustmentRulesList", desc="Rules (AdjustmentRules sheet)")

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for key, target in _MOVED_KEYS.items():
            if key in data:
                nested = dict(data.get(target) or {})
                nested.setdefault(key, data.pop(key))
                data[target] = nested
        built = expand_legs(data)
        if built is not None:
            data["legs"] = built
        data["adjustment_rules"] = _number_rules(data.get("adjustment_rules"))
        return data

    def leg(self, leg_id: str) -> LegConfig:
        """The leg called ``leg_id`` (KeyError when absent)."""
        for leg in self.legs:
            if leg.leg_id == leg_id:
                return leg
        raise KeyError(leg_id)
