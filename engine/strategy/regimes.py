"""Volatility-regime override configs at entry (strategy stage).

A strategy may carry one override config per volatility regime (YAML ``volatility_overrides:
{HIGH: {...}}``, the workbook's VolatilityOverrides sheet; ``engine.config.loader`` validates
each merged on top of the strategy). Each becomes a full ``StrategyPlan`` held in the base plan's
``regime_plans``. At each entry the regime of that moment (``RegimeBands`` of the base plan: the
VIX at the bar, or the IV percentile of the entry's volatility snapshot) selects the plan the
entry opens and manages the position with: its legs, strikes, sizing, entry premium and
volatility gates, exits, adjustments and risk limits. What is decided before any entry stays
the base plan's: the timeline and bar interval, the entry window / weekdays / VIX range mask,
the roll period, and the daily metrics series.
"""

from __future__ import annotations

import datetime as dt
import math

from engine.data.store import Store
from engine.strategy.plan import StrategyPlan
from engine.volatility import Regime, RegimeBands, SnapshotCache, VolSnapshot, volatility_regime
from engine.volatility.snapshot import volatility_snapshot


def entry_regime(bands: RegimeBands, vix: float, snapshot_regime: Regime | None) -> Regime | None:
    """The regime at an entry bar: VIX bands on the bar's VIX, or the snapshot's IVP regime."""
    if bands.basis == "VIX":
        return volatility_regime(vix, bands) if math.isfinite(vix) else None
    return snapshot_regime


def plan_for_regime(plan: StrategyPlan, regime: Regime | None) -> StrategyPlan:
    """The override plan of ``regime`` when the strategy has one, else ``plan`` itself."""
    if regime is None:
        return plan
    return next((p for r, p in plan.regime_plans if r is regime), plan)


def entry_plan(plan: StrategyPlan, store: Store, at: dt.datetime, vix: float,
               cache: SnapshotCache[VolSnapshot] | None, log: list[str]) -> StrategyPlan:
    """The plan an entry at ``at`` uses: the override plan of the regime then in force (a log
    line says so), else ``plan``. Without overrides nothing is computed."""
    if not plan.regime_plans:
        return plan
    bands = plan.vol_gate.params.regime_bands
    snap_regime = None
    if bands.basis != "VIX":
        snap_regime = volatility_snapshot(store, plan.symbol, at, plan.vol_gate.lookback,
                                          params=plan.vol_gate.params, cache=cache).regime
    regime = entry_regime(bands, vix, snap_regime)
    chosen = plan_for_regime(plan, regime)
    if chosen is not plan and regime is not None:
        log.append(f"{at}: volatility regime {regime.value}: the entry uses the "
                   f"{regime.value} override config")
    return chosen
