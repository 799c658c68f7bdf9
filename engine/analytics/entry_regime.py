"""The volatility regime at a trade's entry bar (analytics stage): one reading shared by the
regime table of a sweep's sensitivity and by attribution.

The regime is the strategy's regime bands on the VIX at the entry bar, or on the IV
percentile of the volatility snapshot as of the bar (daily history strictly before the entry
day, the chain and VIX stamped at or before the bar: no lookahead), read with the plan's own
volatility parameters (:func:`engine.volatility.snapshot.regime_at`). ``UNKNOWN`` where the
store cannot say (no VIX, too little history).
"""

from __future__ import annotations

import datetime as dt

from engine.data.store import Store
from engine.strategy.plan import StrategyPlan
from engine.volatility import SnapshotCache, VolSnapshot
from engine.volatility.snapshot import regime_at

UNKNOWN_REGIME = "UNKNOWN"


def entry_regime(store: Store, plan: StrategyPlan, entry_ts: dt.datetime,
                 cache: SnapshotCache[VolSnapshot],
                 memo: dict[tuple[object, ...], str] | None = None) -> str:
    """The regime label (``LOW`` ... ``EXTREME``, or ``UNKNOWN``) at ``entry_ts`` for
    ``plan``. ``cache`` holds the snapshots an IVP basis computes (share it with any
    snapshot read of the same bars); ``memo``, when given, keeps each answer by (symbol, bar,
    lookback, parameters), for the variants of a sweep that enter at the same bars."""
    gate = plan.vol_gate
    key = (plan.symbol, entry_ts, gate.lookback, gate.params)
    if memo is not None and key in memo:
        return memo[key]
    regime = regime_at(store, plan.symbol, entry_ts, gate.lookback, params=gate.params,
                       cache=cache)
    label = regime.value if regime is not None else UNKNOWN_REGIME
    if memo is not None:
        memo[key] = label
    return label
