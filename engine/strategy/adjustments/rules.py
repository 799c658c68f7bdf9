"""Adjustment rules as the engine reads them (strategy stage): typed, unit-named, config-free.

Built from the validated config by ``engine.strategy.from_config``; read by ``triggers`` (when a
rule fires), ``actions`` (what it trades) and the simulation loop (records and constraints).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from engine.config.enums import AdjustmentType, TriggerKind
from engine.domain.structures import Right
from engine.strategy.choices import StrikeMethod, StrikeRule

AdjAction = AdjustmentType  # the built-in types (one module each in this package, registered by kind)
Trig = TriggerKind  # trigger conditions (REFERENCE: ANDed unless the rule says ANY)


@dataclass(frozen=True)
class TriggerSpec:
    """The trigger of a rule; None fields are not part of it."""

    kinds: frozenset[Trig] = frozenset()
    any_of: bool = False
    price_move_frac: float | None = None     # of the reference spot
    price_move_pts: float | None = None
    time_decay_frac: float | None = None     # P&L captured as a share of the entry premium
    greek: str | None = None                 # delta | gamma | theta | vega
    greek_inr: float | None = None
    ivp_level: float | None = None
    ivr_level: float | None = None
    atr_level: float | None = None
    cross_above: bool = True
    iv_change_frac: float | None = None      # |IV / IV at entry - 1|
    be_type: str | None = None               # APPROACH | BREACH | DISTANCE | PROBABILITY
    be_distance_pts: float | None = None
    sr_proximity_pts: float | None = None
    ivp_drop: float | None = None            # VOLATILITY: IVP fell this much since entry
    ivp_rise: float | None = None


@dataclass(frozen=True)
class AdjRule:
    """One adjustment rule with its trigger, constraints and action parameters."""

    rule_id: str
    action: str                              # an AdjAction, or a registered plug-in type's kind
    trigger: TriggerSpec = field(default_factory=TriggerSpec)
    priority: int = 100
    target_strike: StrikeRule = field(default_factory=lambda: StrikeRule(StrikeMethod.ATM))
    max_debit_frac: float | None = None      # of |entry premium|
    max_debit_pts: float | None = None       # per unit of the adjustment
    min_credit_frac: float | None = None
    be_improvement_pts: float | None = None
    max_times: int = 1
    cooldown_minutes: int = 0
    start_time: dt.time = dt.time(9, 15)
    end_time: dt.time = dt.time(15, 30)
    blackout_weekdays: frozenset[int] = frozenset()
    vol_blackout_ivp: tuple[float, float] | None = None
    roll_steps: int = 1
    roll_long_leg: bool = False
    new_dte: int = 7
    scalp_frac: float = 0.5
    parts: int = 4
    part_lots: int = 1
    second_offset_steps: int = 2
    second_right: Right | None = None
    hedge_with_future: bool = False
    target_delta_inr: float = 0.0
    delta_band_inr: float = 0.0
    rebalance_minutes: int = 60


@dataclass(frozen=True)
class AdjustmentPolicy:
    """Strategy-wide adjustment settings."""

    rules: tuple[AdjRule, ...] = ()
    max_adjustments: int = 5
    cooldown_minutes: int = 0                # between any two adjustments of a position
    exits_first: bool = True                 # an exit on the same bar wins over an adjustment
