"""A strategy's own daily IVP, IVR and ATR percentile series (volatility stage).

Input: the store's daily index bars and daily ATM IV history, a lookback and the strategy's
``SnapshotParams`` (IV tenor, ATR period, minimum history). Output: one value per daily close,
computed with the same rules as the entry filter's snapshot (``snapshot.py``) and the
``daily_features`` table (``features.py``): IVP / IVR of the ``iv_tenor_days`` constant-maturity
ATM IV against the ``lookback`` previous closes, the ATR percentile of the ``atr_period`` Wilder
ATR against its ``lookback`` previous values. Read by the simulation (``engine.simulation.daily``),
which shifts each series by one trading day, so exits, adjustment triggers and sizing see the
strategy's lookback and tenor, not the table's fixed 252 days and 30-day tenor.

Computed once per run. The IV and ATR histories come from ``daily_features`` when it holds a row
for every daily close of the window (the stored ``atm_iv_7d/30d/60d`` and ``atr_14`` columns),
else from the option bars (``daily.daily_ivs``) and the daily OHLC; only the ranks are recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pyarrow as pa

from engine.data.store import Store
from engine.volatility.atr import atr
from engine.volatility.daily import daily_ivs
from engine.volatility.percentile import FloatArray, rolling_ivp, rolling_ivr
from engine.volatility.snapshot import SnapshotParams
from engine.volatility.term import CONSTANT_MATURITY_DAYS

STORED_ATR_PERIOD = 14  # daily_features.atr_14


@dataclass(frozen=True)
class DailyRanks:
    """Per daily close (ascending ``dates``): the tenor's ATM IV and its ranks, the ATR pct."""

    dates: list[date]
    iv: FloatArray
    ivp: FloatArray
    ivr: FloatArray
    atr_pct: FloatArray
    vix: FloatArray

    def column(self, name: str) -> FloatArray:
        """One of ``iv``, ``ivp``, ``ivr``, ``atr_pct``, ``vix`` by name."""
        value: FloatArray = getattr(self, name)
        return value


def warmup_days(lookback: int, p: SnapshotParams) -> int:
    """Calendar days of history before the first date that the lookback and ATR need."""
    return int((lookback + p.hv_window + 2 * p.atr_period + 5) * 1.5) + 10


def _f(table: pa.Table, name: str) -> FloatArray:
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)


def daily_ranks(store: Store, symbol: str, date_from: date, date_to: date, *,
                lookback: int = 252, params: SnapshotParams | None = None) -> DailyRanks:
    """IVP, IVR and ATR percentile of ``symbol`` at each daily close in [date_from, date_to]
    (plus the warm-up before it), with ``lookback`` and ``params``' tenor and ATR period."""
    p = params or SnapshotParams()
    start = date_from - timedelta(days=warmup_days(lookback, p))
    bars = store.query("daily_closes", {"symbol": symbol, "vix_symbol": p.vix_symbol,
                                        "date_from": start, "date_to": date_to})
    dates: list[date] = bars.column("trade_date").to_pylist()
    h, lo, c, vix = (_f(bars, n) for n in ("high", "low", "close", "vix_close"))
    stored = store.query("features_history", {"symbol": symbol, "date_from": start,
                                              "date_to": date_to})
    covered = stored.num_rows == len(dates) and \
        stored.column("trade_date").to_pylist() == dates
    if covered and p.iv_tenor_days in CONSTANT_MATURITY_DAYS:
        iv = _f(stored, f"atm_iv_{p.iv_tenor_days}d")
    else:
        ivs = daily_ivs(store, symbol, start, date_to, rate=p.rate, max_dte=p.max_dte,
                        days=tuple(sorted({*CONSTANT_MATURITY_DAYS, p.iv_tenor_days})))
        iv = ivs.on(dates, p.iv_tenor_days)
    if covered and p.atr_period == STORED_ATR_PERIOD:
        atr_series = _f(stored, "atr_14")
    else:
        atr_series = atr(h, lo, c, p.atr_period)
    kw = {"min_history": p.min_history}
    return DailyRanks(dates=dates, iv=iv, ivp=rolling_ivp(iv, lookback, **kw),
                      ivr=rolling_ivr(iv, lookback, **kw),
                      atr_pct=rolling_ivp(atr_series, lookback, **kw), vix=vix)
