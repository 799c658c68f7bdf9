"""What adjustment triggers see and keep (strategy stage): the segment view, the per-rule state
and the per-bar inputs of the SR_HIT and BREAKEVEN triggers.

The simulation builds a ``SegmentView`` and ``TriggerInputs`` for each stretch of an open
position between two events and keeps one ``RuleState`` per position and rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.strategy.features import BarFeatures

FloatArray = np.ndarray


@dataclass(frozen=True)
class SegmentView:
    """What rules see of a segment, per bar."""

    ts: np.ndarray                  # datetime64[us]
    spot: np.ndarray
    pnl_inr: np.ndarray
    greeks: dict[str, np.ndarray]   # delta, gamma, theta, vega in rupees per unit of the greek
    ref_spot: float                 # spot at entry or at the last applied adjustment
    premium_base_inr: float
    iv: np.ndarray                  # IV of the position's first primary leg (NaN unknown)
    iv_entry: float
    features: BarFeatures = field(default_factory=BarFeatures)   # ivp / ivr / atr_pct ... per bar
    ivp_entry: float = float("nan")
    be_lower: float | None = None
    be_upper: float | None = None
    sr_levels: np.ndarray | None = None


@dataclass
class RuleState:
    """Per position and rule: how often it fired, when, and its open reverse-buy tranches."""

    times: int = 0
    last_fire: np.datetime64 | None = None
    retry_after: np.datetime64 | None = None
    tranche_direction: int = 0               # +1 up (calls bought), -1 down
    tranches_bought: int = 0                 # levels used (bought, or skipped when unaffordable)
    failed_attempts: int = 0                 # trade attempts blocked (debit limit, no quote, ...)
    given_up: bool = False                   # too many blocked attempts: off for the position
    blocked_noted: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class TriggerInputs:
    """Per-bar inputs of the SR_HIT and BREAKEVEN triggers the ``SegmentView`` cannot carry."""

    lower: FloatArray | None = None
    upper: FloatArray | None = None
    touch_prob: FloatArray | None = None
    sr_distance: FloatArray | None = None
    sr_missing: str = "no support/resistance levels for SR_HIT (SRUseForAdjustment is off)"
    be_missing: str = "breakevens are off (BEEnabled)"
