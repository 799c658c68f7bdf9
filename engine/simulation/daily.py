"""Daily volatility metrics on the run's timeline (simulation stage), without lookahead.

Each bar gets the previous trading day's IVP, IVR and ATR percentile: a bar on day d never sees
day d's close. The series are the strategy's own: its IVPLookback, IVTenorDays and ATRPeriod,
the same definitions its entry filter uses, so exits, adjustment triggers and sizing agree with
the entry filter. With the table's parameters (252 days, 30-day tenor, ATR 14) they are the
daily_features columns; otherwise, or when the table has no rows, ``engine.volatility.ranks``
ranks the stored daily ATM IV history (or the option bars') once per run. NaN where there is
no IV history (no option bars, or too short a history); rules that need them then record that
they cannot be evaluated.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from engine.data.store import Store
from engine.market import Timeline
from engine.strategy.features import METRICS, BarFeatures
from engine.volatility.ranks import daily_ranks
from engine.volatility.snapshot import SnapshotParams

DAILY_NAMES = METRICS
# (IVPLookback, IVTenorDays, ATRPeriod, minimum history) the daily_features table is computed
# with (``posbt data features``): a strategy with these reads the table's columns as they are
TABLE_DEFAULTS = (252, 30, 14, None)


def daily_metrics(store: Store, symbol: str, tl: Timeline, lookback: int = 252,
                  params: SnapshotParams | None = None) -> BarFeatures:
    """IVP, IVR and ATR percentile per timeline bar, from the latest trading day before the bar's,
    with the strategy's ``lookback`` and ``params`` (IV tenor, ATR period): the metrics part of
    the run's ``BarFeatures`` (engine.strategy.features)."""
    first = tl.days[0].astype(dt.date) - dt.timedelta(days=15)
    last = tl.days[-1].astype(dt.date)
    p = params or SnapshotParams()
    columns: dict[str, np.ndarray] = {}
    if (lookback, p.iv_tenor_days, p.atr_period, p.min_history) == TABLE_DEFAULTS:
        t = store.query("daily_metrics", {"symbol": symbol, "date_from": first, "date_to": last})
        if t.num_rows:  # the table's own columns, computed with these very parameters
            dates = t.column("trade_date").to_pylist()
            columns = {n: np.asarray(t.column(n).to_numpy(zero_copy_only=False), dtype=float)
                       for n in DAILY_NAMES}
    if not columns:
        ranks = daily_ranks(store, symbol, first, last, lookback=lookback, params=p)
        dates, columns = ranks.dates, {n: ranks.column(n) for n in DAILY_NAMES}
    days = np.array(dates, dtype="datetime64[D]")
    idx = np.searchsorted(days, tl.days, side="left") - 1  # strictly before the bar's day
    ok = idx >= 0
    out: dict[str, np.ndarray] = {}
    for name in DAILY_NAMES:
        values = columns[name]
        series = np.full(len(tl), np.nan)
        if values.size:
            series[ok] = values[idx[ok]]
        out[name] = series
    return BarFeatures(**out)
