"""Breakeven configuration: every field of the plan's BreakevenConfig (config stage).

Buffers, distances and improvements are index points unless the buffer type says
otherwise; probabilities are fractions in [0, 1].
"""

from __future__ import annotations

from typing import ClassVar

from engine.config.enums import (
    BEApproachAction,
    BEBreachAction,
    BEBufferType,
    BECalcMethod,
    CalendarBEMethod,
    IronFlyBEWings,
    ProbabilityMethod,
    RecalcFrequency,
)
from engine.config.meta import Group, param
from engine.config.models.base import ConfigModel, Dynamic


class BreakevenConfig(ConfigModel):
    """How breakevens are computed, watched and acted on."""

    group: ClassVar[Group] = Group.BREAKEVEN

    enabled: bool = param(True, excel="BEEnabled", desc="Compute breakevens")
    calculation_method: BECalcMethod = param(BECalcMethod.THEORETICAL, excel="BECalcMethod",
                                             desc="How breakevens are computed")
    include_commissions: bool = param(True, excel="BEIncludeCommissions",
                                      desc="Costs move breakevens inwards")
    include_slippage: bool = param(True, excel="BEIncludeSlippage",
                                   desc="Slippage moves breakevens inwards")
    time_decay_factor: bool = param(True, excel="BETimeDecay",
                                    desc="Use T+N lines, not only expiry payoff")
    volatility_smile_adjustment: bool = param(True, excel="BESmileAdjustment",
                                              desc="Price legs on the smile, not ATM IV")
    upper_target: float | Dynamic = param("DYNAMIC", excel="BEUpperTarget",
                                          unit="points or DYNAMIC",
                                          desc="Wanted upper breakeven")
    lower_target: float | Dynamic = param("DYNAMIC", excel="BELowerTarget",
                                          unit="points or DYNAMIC",
                                          desc="Wanted lower breakeven")
    target_be_width: float | None = param(None, excel="TargetBEWidth", unit="points", gt=0,
                                          desc="Wanted distance between breakevens (iron fly)")
    be_buffer: float = param(50.0, excel="BEBuffer", unit="points, % or ATR (BufferType)",
                             ge=0, desc="Margin kept from a breakeven")
    be_buffer_type: BEBufferType = param(BEBufferType.FIXED, excel="BEBufferType",
                                         desc="Unit of BEBuffer")
    recalc_frequency: RecalcFrequency = param(
        RecalcFrequency.HOURLY, excel="BERecalcFrequency",
        desc="How often a calendar's breakevens are recomputed (MINUTE costs ~10 s a year "
             "at 1-minute bars)")
    track_be_distance: bool = param(True, excel="TrackBEDistance",
                                    desc="Record spot's distance to the breakevens")
    be_distance_alert: float = param(50.0, excel="BEDistanceAlert", unit="points", ge=0,
                                     desc="Distance that raises an approach event")
    be_approach_action: BEApproachAction = param(BEApproachAction.ALERT,
                                                 excel="BEApproachAction",
                                                 desc="Action on approaching a breakeven")
    be_breach_action: BEBreachAction = param(BEBreachAction.HOLD, excel="BEBreachAction",
                                             desc="Action on crossing a breakeven")
    calculate_probability: bool = param(True, excel="BECalcProbability",
                                        aliases=("use_probability",),
                                        desc="Compute probabilities of touch")
    probability_method: ProbabilityMethod = param(ProbabilityMethod.BLACK_SCHOLES,
                                                  excel="BEProbabilityMethod",
                                                  desc="Model of the probability of touch")
    probability_threshold: float = param(0.3, excel="BEProbabilityThreshold",
                                         unit="fraction 0-1", ge=0, le=1,
                                         desc="P(touch) that triggers the approach action")
    calendar_be_method: CalendarBEMethod = param(CalendarBEMethod.T0, excel="CalendarBEMethod",
                                                 desc="Calendar breakeven line")
    iron_fly_be_wings: IronFlyBEWings = param(IronFlyBEWings.INCLUDE, excel="IronFlyBEWings",
                                              desc="Whether wings enter the fly's breakevens")
    optimize_for_be: bool = param(True, excel="OptimizeForBE",
                                  desc="Choose wings for the target breakeven width")
    be_improvement_target: float = param(50.0, excel="BEImprovementTarget", unit="points",
                                         ge=0, desc="Breakeven gain adjustments aim for")
    maintain_be_in_adjustments: bool = param(True, excel="MaintainBEInAdjustments",
                                             desc="Reject adjustments that worsen breakevens")
    save_be_timeseries: bool = param(True, excel="SaveBETimeseries",
                                     desc="Write the BT_Breakevens sheet")
    generate_be_visualization: bool = param(True, excel="BEVisualization",
                                            desc="Chart the breakevens")
    be_success_tracking: bool = param(True, excel="BESuccessTracking",
                                      desc="Count positions that stayed within breakevens")
