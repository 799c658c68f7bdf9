"""The ``daily_features`` table: one row of volatility features per symbol and trading day.

Stage: volatility, run after imports (``posbt data features``), read by backtests, the CLI
export / plots and Excel. Incremental: only trade dates with a daily index bar and no
features row yet are computed; the history they need (the ``lookback`` previous closes)
is recomputed from the raw tables, so an incremental run gives the same numbers as a
full one.

Split of work: SQL extracts each day's ATM figures (``vol_daily_atm``) and, on DuckDB,
ranks the IV series with the framed ordered-aggregate ``percent_rank``
(``features_rolling_ranks``); NumPy does the recursive / framed parts SQL engines do badly
(Wilder ATR, HV estimators, constant maturities) and the ranks on engines without framed
rank functions (HeavyDB). ``ranks="numpy"`` forces the NumPy ranks; the test suite checks
both give the same numbers. rr25 needs each day's whole smile and is left NULL here
(the snapshot computes it at any time).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

import numpy as np
import pyarrow as pa

from engine.data.store import Store
from engine.volatility.atr import atr
from engine.volatility.daily import daily_ivs
from engine.volatility.hv import hv, iv_hv_ratio
from engine.volatility.percentile import FloatArray, rolling_ivp, rolling_ivr
from engine.volatility.regime import volatility_regime
from engine.volatility.snapshot import SnapshotParams
from engine.volatility.term import term_structure
from engine.volatility.types import HVMethod

RankEngine = Literal["auto", "sql", "numpy"]

_HV_COLUMNS: dict[str, HVMethod] = {
    "hv_cc_20": HVMethod.CLOSE_TO_CLOSE,
    "hv_parkinson_20": HVMethod.PARKINSON,
    "hv_gk_20": HVMethod.GARMAN_KLASS,
    "hv_rs_20": HVMethod.ROGERS_SATCHELL,
    "hv_yz_20": HVMethod.YANG_ZHANG,
}


@dataclass
class FeaturesReport:
    """Rows inserted per symbol by one ``compute_daily_features`` run."""

    inserted: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Rows inserted over all symbols."""
        return sum(self.inserted.values())


def rolling_ranks(store: Store, dates: list[date], values: FloatArray, lookback: int,
                  min_history: int | None, ranks: RankEngine) -> tuple[FloatArray, FloatArray]:
    """(IVP, IVR) per day over the ``lookback`` previous days, in SQL or NumPy."""
    use_sql = ranks == "sql" or (ranks == "auto" and store.engine_name == "duckdb")
    if not use_sql:
        return (rolling_ivp(values, lookback, min_history=min_history),
                rolling_ivr(values, lookback, min_history=min_history))
    need = max(min_history if min_history is not None else lookback, 1)
    table = store.query("features_rolling_ranks", {
        "dates": dates, "values": [None if math.isnan(v) else float(v) for v in values],
        "lookback": lookback, "min_count": need})
    return (np.asarray(table.column("ivp").to_numpy(zero_copy_only=False), dtype=np.float64),
            np.asarray(table.column("ivr").to_numpy(zero_copy_only=False), dtype=np.float64))


def features_table(store: Store, symbol: str, date_from: date, date_to: date, *,
                   lookback: int = 252, params: SnapshotParams | None = None,
                   ranks: RankEngine = "auto") -> pa.Table:
    """Feature rows of ``symbol`` for every daily bar in [date_from, date_to]."""
    p = params or SnapshotParams()
    warmup = int((lookback + p.hv_window + 2 * p.atr_period + 5) * 1.5) + 10
    start = date_from - timedelta(days=warmup)
    bars = store.query("daily_closes", {"symbol": symbol, "vix_symbol": p.vix_symbol,
                                        "date_from": start, "date_to": date_to})
    dates: list[date] = bars.column("trade_date").to_pylist()
    o, h, lo, c, vix = (np.asarray(bars.column(n).to_numpy(zero_copy_only=False),
                                   dtype=np.float64)
                        for n in ("open", "high", "low", "close", "vix_close"))
    ivs = daily_ivs(store, symbol, start, date_to, rate=p.rate, max_dte=p.max_dte)
    cols: dict[str, object] = {"symbol": [symbol] * len(dates), "trade_date": dates, "close": c}
    for d in (7, 30, 60):
        cols[f"atm_iv_{d}d"] = ivs.on(dates, d)
    pos = {d: i for i, d in enumerate(ivs.dates)}
    front = np.asarray([ivs.front_iv[pos[d]] if d in pos else np.nan for d in dates])
    back = np.asarray([ivs.back_iv[pos[d]] if d in pos else np.nan for d in dates])
    cols["atm_iv_front"], cols["atm_iv_back"] = front, back
    iv = ivs.on(dates, p.iv_tenor_days)
    cols["ivp"], cols["ivr"] = rolling_ranks(store, dates, iv, lookback, p.min_history, ranks)
    for name, method in _HV_COLUMNS.items():
        cols[name] = hv(o, h, lo, c, p.hv_window, method)
    atr_series = atr(h, lo, c, p.atr_period)
    cols["atr_14"] = atr_series
    cols["atr_pct"] = rolling_ivp(atr_series, lookback, min_history=p.min_history)
    cols["iv_hv_ratio"] = iv_hv_ratio(iv, hv(o, h, lo, c, p.hv_window, p.hv_method))
    terms = [term_structure(float(f), float(b), p.term_tolerance)
             for f, b in zip(front, back, strict=True)]
    cols["term_slope"] = np.asarray([t[0] for t in terms], dtype=np.float64)
    cols["term_class"] = [t[1].value if t[1] else None for t in terms]
    cols["rr25"] = np.full(len(dates), np.nan)
    cols["vix_close"] = vix
    regime_value = vix if p.regime_bands.basis == "VIX" else rolling_ivp(
        iv, p.regime_bands.lookback, min_history=p.min_history)
    cols["regime"] = [r.value if (r := volatility_regime(float(v), p.regime_bands)) else None
                      for v in regime_value]
    table = pa.table({k: _nullable(v) for k, v in cols.items()})
    keep = pa.array([date_from <= d <= date_to for d in dates], pa.bool_())
    return table.filter(keep)


def _nullable(values: object) -> pa.Array:
    """NaN as NULL for float columns; other columns as they are."""
    if isinstance(values, np.ndarray):
        return pa.array(values, mask=~np.isfinite(values))
    return pa.array(values)


def compute_daily_features(store: Store, symbols: list[str] | None = None, *,
                           lookback: int = 252, params: SnapshotParams | None = None,
                           ranks: RankEngine = "auto") -> FeaturesReport:
    """Insert daily_features rows for every (symbol, trade date) not yet present."""
    names = symbols if symbols is not None else [
        str(s) for s in store.query("features_symbols").column("symbol").to_pylist()]
    report = FeaturesReport()
    for symbol in names:
        pending: list[date] = store.query("features_pending", {"symbol": symbol}).column(
            "trade_date").to_pylist()
        if not pending:
            report.inserted[symbol] = 0
            continue
        table = features_table(store, symbol, min(pending), max(pending), lookback=lookback,
                               params=params, ranks=ranks)
        with store.load() as tx:
            tx.append("daily_features", table)
        report.inserted[symbol] = tx.result.inserted.get("daily_features", 0)
    return report
