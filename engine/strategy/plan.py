"""The strategy plan (strategy stage): what the simulation needs to know of one strategy.

A plan is built from a validated configuration (``engine.config``) by ``engine.strategy.from_config``
and is what the entry, exit and selection rules read. It holds typed values only: times as
``datetime.time``, fractions as floats in [0, 1], points and rupees named as such.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from engine.config.enums import CostPreset, FillModel, SlippageKind
from engine.domain.structures import PositionRole, Right, Side
from engine.strategy.adjustments.rules import AdjustmentPolicy
from engine.strategy.breakevens import BreakevenPlan
from engine.strategy.choices import ExpiryMethod, ExpiryRule, StrikeMethod, StrikeRule
from engine.strategy.limits import RiskLimits
from engine.strategy.sizing import Sizing
from engine.strategy.sr import SRPlan
from engine.strategy.volfilter import VolGate
from engine.volatility import Regime

__all__ = ["CostSpec", "EntryRules", "ExitRules", "ExpiryMethod", "ExpiryRule", "FillSpec", "LegSpec",
           "StrategyPlan", "StrikeMethod", "StrikeRule", "VixBand"]


@dataclass(frozen=True)
class FillSpec:
    """How fills are priced: the model, its slippage (in ``slippage_kind`` units) and the tick.

    ``engine.execution.models.fill_model`` turns it into the fill model the simulation uses.
    """

    model: FillModel = FillModel.CLOSE
    slippage: float = 0.0
    slippage_kind: SlippageKind = SlippageKind.POINTS
    tick_pts: float = 0.05


@dataclass(frozen=True)
class CostSpec:
    """Which cost model and its parameters; ``engine.execution.models.cost_model`` builds it.

    INDIA: the shipped date-ranged statutory rates of the contract's ``exchange`` (NSE or BSE),
    ``brokerage_per_order_inr`` overriding the table's brokerage when given. CUSTOM:
    ``brokerage_per_order_inr`` per order, ``turnover_frac`` (exchange charge) of turnover,
    STT on the sell premium, GST on brokerage and exchange charge, stamp duty on buys.
    NONE: frictionless.
    """

    preset: CostPreset = CostPreset.INDIA
    brokerage_per_order_inr: float | None = None
    turnover_frac: float = 0.0
    stt_sell_frac: float = 0.0
    gst_frac: float = 0.0
    stamp_buy_frac: float = 0.0
    exchange: str = "NSE"


@dataclass(frozen=True)
class LegSpec:
    """One leg of the structure to open: what to trade and how to pick it."""

    leg_id: str
    right: Right
    side: Side
    strike: StrikeRule
    expiry: ExpiryRule
    lots: int = 1
    role: PositionRole = PositionRole.PRIMARY
    strike_anchor: str | None = None  # leg_id whose strike this leg reuses, offset by strike.value pts
    sizing: Sizing = field(default_factory=Sizing)  # DynamicSizing, VolatilityScaling, activation


@dataclass(frozen=True)
class VixBand:
    """A VIX range and the premium window it sets (REFERENCE: up to four bands)."""

    vix_low: float
    vix_high: float
    premium_min_pts: float | None = None
    premium_max_pts: float | None = None


@dataclass(frozen=True)
class EntryRules:
    """When a new position may be opened."""

    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # 0 = Monday
    window_start: dt.time = dt.time(9, 20)
    window_end: dt.time = dt.time(15, 0)
    vix_range: tuple[float, float] | None = None
    vix_bands: tuple[VixBand, ...] = ()
    min_premium_pts: float | None = None  # net premium of the structure per unit
    max_premium_pts: float | None = None
    reentry_same_day: bool = False
    max_reentries: int = 0                 # extra entries per day after the first
    reentry_cooldown_minutes: int = 0
    skip_expiry_day: bool = False          # no entries on a listed expiry day of the symbol
    min_dte: int = 0                       # front leg's calendar days to expiry at entry
    max_dte: int = 10_000
    max_gap_frac: float | None = None      # skip days opening this far from the previous close
    min_oi: int = 0                        # every leg's open interest at entry
    min_volume: int = 0                    # every leg's bar volume at entry
    max_spread_frac: float | None = None   # every leg's (ask - bid) / mid at entry, when quoted
    event_blackout: bool = False
    event_days_before: int = 1
    event_days_after: int = 0
    roll_period: Literal["WEEKLY", "BIWEEKLY", "MONTHLY"] | None = None  # one new position per period
    custom_dtes: tuple[int, ...] = ()      # CUSTOM roll: enter only when the front DTE is listed
    nearest_strike_fallback: bool = False  # no quote at the chosen strike: nearest quoted strike
    weeklies_required: bool = False        # WEEKLY strategy without FallbackToMonthly
    max_open_positions: int = 1            # positions open at once, at most one per expiry cycle


@dataclass(frozen=True)
class ExitRules:
    """When an open position is closed. Fractions are of the entry's net premium."""

    profit_target_frac: float | None = None
    trailing_activation_frac: float | None = None  # trail starts once P&L reaches this
    trailing_stop_frac: float | None = None        # exit when P&L falls this far from its peak
    stop_loss_frac: float | None = None
    max_loss_inr: float | None = None              # close when the position loses this much
    exit_time: dt.time | None = None               # on the exit day, this time
    days_before_expiry: int | None = None          # exit day = front expiry - N trading days
    max_abs_delta: float | None = None             # position delta, index units (per unit x qty)
    max_abs_gamma: float | None = None
    max_abs_vega_inr: float | None = None          # rupees per vol point
    exit_on_sr_break: bool = False                 # spot broke an S/R level (strategy.sr)
    be_close_on_approach: bool = False             # BEApproachAction CLOSE
    be_close_on_breach: bool = False               # BEBreachAction CLOSE
    vol_expansion_frac: float | None = None        # IV rose this much over the IV at entry
    vol_contraction_frac: float | None = None      # IV fell this much under the IV at entry
    ivp_above: float | None = None                 # previous day's IVP above this
    ivp_below: float | None = None                 # previous day's IVP below this
    profit_target_pts: float | None = None  # per unit of one structure lot
    stop_loss_pts: float | None = None
    max_holding_days: int | None = None    # calendar days since entry
    max_vix: float | None = None           # close positions above this VIX
    max_atm_iv: float | None = None        # close positions above this IV (first primary leg)
    exit_on_event_day: bool = False        # close at the first bar of an event day
    iv_crush_protection: bool = False  # long-vega positions: cut before events and on a crush
    iv_crush_drop_frac: float = 0.2    # IV fall since entry that counts as a crush
    stop_recovery: Literal["NONE", "REENTER", "REDUCE"] = "NONE"
    recovery_wait_minutes: int = 60
    max_recovery_attempts: int = 0
    max_quote_age_minutes: float | None = None  # staleness (None: 30 min intraday, 1 bar at 1d)


@dataclass(frozen=True)
class StrategyPlan:
    """Everything the simulation needs to run one strategy."""

    name: str
    symbol: str
    legs: tuple[LegSpec, ...]
    start: dt.date
    end: dt.date
    bar_minutes: int = 5
    entry: EntryRules = field(default_factory=EntryRules)
    exits: ExitRules = field(default_factory=ExitRules)
    fill: FillSpec = field(default_factory=FillSpec)
    costs: CostSpec = field(default_factory=CostSpec)
    capital_inr: float = 1_000_000.0
    rate: float = 0.065
    strike_window_steps: int = 40  # chain slice loaded around spot at entry, in strike steps
    vix_symbol: str = "INDIAVIX"
    risk: RiskLimits = field(default_factory=RiskLimits)
    vol_gate: VolGate = field(default_factory=VolGate)
    adjustments: AdjustmentPolicy = field(default_factory=AdjustmentPolicy)
    jump_sigma: float = 10.0  # flag intraday leg quote moves beyond this many robust sigmas
    structure: SRPlan = field(default_factory=SRPlan)
    breakeven: BreakevenPlan = field(default_factory=BreakevenPlan)
    # VolatilityOverrides: the plan each regime's override config gives (engine.strategy.regimes)
    regime_plans: tuple[tuple[Regime, StrategyPlan], ...] = ()
