"""Daily volatility metrics on the run's timeline (simulation stage), without lookahead.

Each bar gets the previous trading day's IVP, IVR and ATR percentile from daily_features: a
bar on day d never sees day d's close. NaN where the table has no row (run ``posbt data
features``); rules that need them then record that they cannot be evaluated. The result is the
metrics part of the run's ``BarFeatures`` (engine.strategy.features).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from engine.data.store import Store
from engine.market import Timeline
from engine.strategy.features import METRICS, BarFeatures


def daily_metrics(store: Store, symbol: str, tl: Timeline) -> BarFeatures:
    """IVP, IVR and ATR percentile per timeline bar, from the latest trading day before the bar's."""
    first = tl.days[0].astype(dt.date) - dt.timedelta(days=15)
    last = tl.days[-1].astype(dt.date)
    t = store.query("daily_metrics", {"symbol": symbol, "date_from": first, "date_to": last})
    out: dict[str, np.ndarray] = {}
    days = np.array(t.column("trade_date").to_pylist(), dtype="datetime64[D]")
    idx = np.searchsorted(days, tl.days, side="left") - 1  # strictly before the bar's day
    for name in METRICS:
        values = np.asarray(t.column(name).to_numpy(zero_copy_only=False), dtype=float)
        series = np.full(len(tl), np.nan)
        ok = idx >= 0
        series[ok] = values[idx[ok]] if values.size else np.nan
        out[name] = series
    return BarFeatures(**out)
