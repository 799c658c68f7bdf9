"""Every volatility metric of one symbol as of one timestamp, with no lookahead.

Stage: volatility, read by strategy filters, triggers, the CLI (``posbt vol``) and Excel
cell functions. Input: the store (daily closes, today's bars up to ``at``, the chain at
``at``). Output: a frozen ``VolSnapshot`` whose ``missing`` names each metric that could
not be computed and why.

No lookahead: history is the ``lookback`` previous DAILY closes strictly before ``at``'s
trading date; the current value is what is stamped at or before ``at`` that day (the
latest chain, today's bars so far merged into one partial daily bar). The IV used for
IVP, IVR, IV/HV and the IVP regime is the ``params.iv_tenor_days`` (30) constant-maturity
ATM IV. Its daily history comes from the daily_features table when that table has a row
for every daily close of the window (``posbt data features`` computes it with the default
parameters), else from the option bars (slower on a cold cache).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import pyarrow as pa

from engine.data.store import Store
from engine.volatility.atr import atr, ohlc_reason
from engine.volatility.cache import SnapshotCache
from engine.volatility.chain import Chain, ExpiryATM, atm_by_expiry, fill_iv
from engine.volatility.daily import DEFAULT_MAX_DTE, TermPoint, daily_ivs, summarise
from engine.volatility.hv import hv
from engine.volatility.percentile import FloatArray, iv_percentile, iv_rank, percentile_reason
from engine.volatility.regime import iv_crush, volatility_regime
from engine.volatility.skew import moneyness_skew, risk_reversal_25d
from engine.volatility.term import forward_vol, term_structure
from engine.volatility.types import HVMethod, NanReason, Regime, RegimeBands, TermClass


@dataclass(frozen=True)
class SnapshotParams:
    """Knobs of a snapshot; defaults follow the plan (HV 20 days, ATR 14, 30-day IV)."""

    rate: float = 0.065
    vix_symbol: str = "INDIAVIX"
    min_history: int | None = None
    iv_tenor_days: int = 30
    hv_window: int = 20
    hv_method: HVMethod = HVMethod.CLOSE_TO_CLOSE
    atr_period: int = 14
    term_tolerance: float = 0.02
    regime_bands: RegimeBands = field(default_factory=RegimeBands)
    skew_tenor_days: int = 30
    skew_moneyness: float = 0.05
    crush_drop_pct: float = 0.20
    crush_bars: int = 1
    max_dte: int = DEFAULT_MAX_DTE


@dataclass(frozen=True)
class VolSnapshot:
    """Volatility metrics of ``symbol`` as of ``at``; NaN / None ones are in ``missing``."""

    symbol: str
    at: datetime
    lookback: int
    chain_ts: datetime | None
    spot: float
    atm_iv: float
    atm_iv_7d: float
    atm_iv_30d: float
    atm_iv_60d: float
    atm_iv_front: float
    atm_iv_back: float
    front_expiry: date | None
    back_expiry: date | None
    ivp: float
    ivr: float
    hv: Mapping[HVMethod, float]
    atr: float
    atr_pct: float
    iv_hv_ratio: float
    term_slope: float
    term_class: TermClass | None
    forward_vol: float
    rr25: float
    moneyness_skew: float
    vix: float
    regime: Regime | None
    iv_crush: bool | None
    history_days: int
    missing: Mapping[str, str]

    def as_rows(self) -> list[tuple[str, object]]:
        """(name, value) pairs for tables and exports, HV estimators flattened."""
        rows: list[tuple[str, object]] = []
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if name == "hv":
                rows.extend((f"hv_{m.value}", v) for m, v in value.items())
            elif name != "missing":
                rows.append((name, value))
        return rows


def _f(table: pa.Table, name: str) -> FloatArray:
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)


def _one(table: pa.Table, name: str) -> float:
    value = table.column(name)[0].as_py() if table.num_rows else None
    return float(value) if value is not None else math.nan


class _Missing(dict[str, str]):
    def check(self, name: str, value: float, reason: object) -> None:
        if not math.isfinite(value):
            self[name] = str(reason)


def _ohlc(store: Store, symbol: str, at: datetime, days_back: int,
          params: SnapshotParams) -> tuple[list[FloatArray], pa.Table, bool]:
    """(open, high, low, close incl. today's partial bar), the history table, has-today."""
    today = at.date()
    hist = store.query("daily_closes", {
        "symbol": symbol, "vix_symbol": params.vix_symbol,
        "date_from": today - timedelta(days=days_back), "date_to": today - timedelta(days=1)})
    now = store.query("vol_spot_today", {"symbol": symbol, "at": at})
    cols = [_f(hist, c) for c in ("open", "high", "low", "close")]
    if now.num_rows:
        cols = [np.append(c, _one(now, n)) for c, n in zip(cols, ("open", "high", "low", "close"),
                                                           strict=True)]
    return cols, hist, now.num_rows > 0


def _chain_term(store: Store, symbol: str, at: datetime,
                params: SnapshotParams) -> tuple[Chain | None, list[ExpiryATM], TermPoint]:
    meta = store.query("vol_chain_meta", {"symbol": symbol, "at": at})
    if meta.num_rows == 0:
        return None, [], summarise([])
    bar_minutes = int(meta.column("bar_minutes")[0].as_py())
    expiries = meta.column("expiries")[0].as_py()
    expiries = [e for e in expiries if e >= at.date() and (e - at.date()).days <= params.max_dte]
    rows = store.query("chain_at", {"symbol": symbol, "bar_minutes": bar_minutes, "ts": at,
                                    "expiries": expiries, "strike_lo": 0.0,
                                    "strike_hi": 1e12})
    chain = fill_iv(Chain.from_arrow(rows), params.rate)
    atms = atm_by_expiry(chain, params.rate)
    return chain, atms, summarise(atms)


def _skew_expiry(atms: list[ExpiryATM], tenor_days: int) -> date | None:
    """The listed expiry nearest ``tenor_days`` (ties to the later), at least a day out."""
    listed = [a for a in atms if a.t_years * 365.0 >= 1.0]
    if not listed:
        return None
    best = min(listed, key=lambda a: (abs(a.t_years * 365.0 - tenor_days), -a.t_years))
    return best.expiry


def _bar_metrics(ohlc: list[FloatArray], lookback: int, p: SnapshotParams,
                 miss: _Missing) -> tuple[dict[HVMethod, float], float, float]:
    """(HV per estimator, ATR, ATR percentile) on the daily bars incl. today's partial bar."""
    o, h, lo, c = ohlc
    bar_reason = ohlc_reason(o, h, lo, c) or NanReason.SHORT_HISTORY
    hvs = {m: float(hv(o, h, lo, c, p.hv_window, m)[-1]) if c.size else math.nan
           for m in HVMethod}
    for m, v in hvs.items():
        miss.check(f"hv_{m.value}", v, bar_reason)
    atr_series = atr(h, lo, c, p.atr_period)
    atr_now = float(atr_series[-1]) if atr_series.size else math.nan
    miss.check("atr", atr_now, bar_reason)
    atr_hist = atr_series[:-1]
    atr_pct = iv_percentile(atr_now, atr_hist, lookback=lookback, min_history=p.min_history)
    miss.check("atr_pct", atr_pct, percentile_reason(atr_now, atr_hist, lookback=lookback,
                                                     min_history=p.min_history))
    return hvs, atr_now, atr_pct


def _iv_metrics(store: Store, symbol: str, at: datetime, n_closes: int, days_back: int,
                p: SnapshotParams, miss: _Missing) -> tuple[Chain | None, list[ExpiryATM],
                                                            TermPoint, FloatArray, float]:
    """(chain, ATM per expiry, term point, IV history, current IV); IVP/IVR notes."""
    chain, atms, term = _chain_term(store, symbol, at, p)
    no_iv = (f"no option chain of {symbol} at or before {at} that day" if chain is None
             else NanReason.NO_IV)
    iv_now = term.iv_by_days.get(p.iv_tenor_days, math.nan)
    for d, v in term.iv_by_days.items():
        miss.check(f"atm_iv_{d}d", v, no_iv)
    miss.check("atm_iv", iv_now, no_iv)
    miss.check("atm_iv_front", term.front.atm_iv if term.front else math.nan, no_iv)
    miss.check("atm_iv_back", term.back.atm_iv if term.back else math.nan,
               "fewer than two listed expiries with an IV")
    return chain, atms, term, _iv_history(store, symbol, at, days_back, n_closes, p), iv_now


def _iv_history(store: Store, symbol: str, at: datetime, days_back: int, n_closes: int,
                p: SnapshotParams) -> FloatArray:
    """Daily ATM IVs before ``at``'s date: from daily_features when it holds a row for every
    daily close of the window (and the tenor is one it stores), else from option bars."""
    start, end = at.date() - timedelta(days=days_back), at.date() - timedelta(days=1)
    if p.iv_tenor_days in (7, 30, 60) and n_closes > 0:
        stored = store.query("features_history", {"symbol": symbol, "date_from": start,
                                                  "date_to": end})
        if stored.num_rows == n_closes:
            return _f(stored, f"atm_iv_{p.iv_tenor_days}d")
    ivs = daily_ivs(store, symbol, start, end, rate=p.rate, max_dte=p.max_dte,
                    days=tuple(sorted({7, 30, 60, p.iv_tenor_days})))
    return ivs.iv(p.iv_tenor_days)


def _term_metrics(term: TermPoint, p: SnapshotParams,
                  miss: _Missing) -> tuple[float, TermClass | None, float]:
    """(slope, class, forward vol) between the front and back listed expiries."""
    front, back = term.front, term.back
    f_iv = front.atm_iv if front else math.nan
    b_iv = back.atm_iv if back else math.nan
    slope, term_class = term_structure(f_iv, b_iv, p.term_tolerance)
    miss.check("term_slope", slope, "needs front and back ATM IVs")
    fwd_vol = (float(forward_vol(f_iv, front.t_years, b_iv, back.t_years))
               if front and back else math.nan)
    miss.check("forward_vol", fwd_vol, "needs front and back ATM IVs (T2 > T1, no arbitrage)")
    return slope, term_class, fwd_vol


def _skew_metrics(chain: Chain | None, atms: list[ExpiryATM], p: SnapshotParams,
                  miss: _Missing) -> tuple[float, float]:
    """(25-delta risk reversal, moneyness skew) at the expiry nearest the skew tenor."""
    skew_exp = _skew_expiry(atms, p.skew_tenor_days)
    rr = risk_reversal_25d(chain, skew_exp, p.rate) if chain and skew_exp else math.nan
    mskew = (moneyness_skew(chain, skew_exp, p.rate, moneyness=p.skew_moneyness)
             if chain and skew_exp else math.nan)
    miss.check("rr25", rr, "the 25-delta call or put is not listed (or has no IV)")
    miss.check("moneyness_skew", mskew, "the strikes at +/- moneyness are not listed")
    return rr, mskew


def _regime_metrics(store: Store, at: datetime, iv_now: float, iv_hist: FloatArray,
                    p: SnapshotParams, miss: _Missing) -> tuple[float, Regime | None, bool | None]:
    """(VIX at ``at``, regime, IV crush flag)."""
    vix = _one(store.query("vol_vix_at", {"vix_symbol": p.vix_symbol, "at": at}), "close")
    miss.check("vix", vix, f"no {p.vix_symbol} bar at or before {at} that day")
    bands = p.regime_bands
    regime_value = vix if bands.basis == "VIX" else iv_percentile(
        iv_now, iv_hist, lookback=bands.lookback, min_history=p.min_history)
    regime = volatility_regime(regime_value, bands)
    if regime is None:
        miss["regime"] = f"no {'VIX' if bands.basis == 'VIX' else 'IV percentile'} value"
    crush: bool | None = None
    if iv_hist.size >= p.crush_bars and math.isfinite(iv_now):
        crush = bool(iv_crush(np.append(iv_hist, iv_now), p.crush_drop_pct, p.crush_bars)[-1])
    else:
        miss["iv_crush"] = "needs the current IV and crush_bars previous closes"
    return vix, regime, crush


def _compute(store: Store, symbol: str, at: datetime, lookback: int,
             p: SnapshotParams) -> VolSnapshot:
    miss = _Missing()
    regime_days = p.regime_bands.lookback if p.regime_bands.basis == "IVP" else 0
    need_days = max(lookback, regime_days) + max(p.hv_window, p.atr_period) + p.atr_period + 5
    days_back = int(need_days * 1.5) + 10
    ohlc, hist, has_today = _ohlc(store, symbol, at, days_back, p)
    if not has_today:
        miss["spot"] = f"no spot bar of {symbol} stamped on {at.date()} at or before {at}"
    hvs, atr_now, atr_pct = _bar_metrics(ohlc, lookback, p, miss)
    chain, atms, term, iv_hist, iv_now = _iv_metrics(store, symbol, at, hist.num_rows,
                                                     days_back, p, miss)
    kw = {"lookback": lookback, "min_history": p.min_history}
    ivp, ivr = iv_percentile(iv_now, iv_hist, **kw), iv_rank(iv_now, iv_hist, **kw)
    iv_reason = percentile_reason(iv_now, iv_hist, **kw)
    miss.check("ivp", ivp, iv_reason)
    miss.check("ivr", ivr, iv_reason)
    hv_ratio = iv_now / hvs[p.hv_method] if hvs[p.hv_method] > 0 else math.nan
    miss.check("iv_hv_ratio", hv_ratio, "needs both the ATM IV and the HV")
    slope, term_class, fwd_vol = _term_metrics(term, p, miss)
    rr, mskew = _skew_metrics(chain, atms, p, miss)
    vix, regime, crush = _regime_metrics(store, at, iv_now, iv_hist, p, miss)
    front, back = term.front, term.back
    return VolSnapshot(
        symbol=symbol, at=at, lookback=lookback, chain_ts=chain.ts if chain else None,
        spot=float(ohlc[3][-1]) if has_today else math.nan, atm_iv=iv_now,
        atm_iv_7d=term.iv_by_days.get(7, math.nan), atm_iv_30d=term.iv_by_days.get(30, math.nan),
        atm_iv_60d=term.iv_by_days.get(60, math.nan),
        atm_iv_front=front.atm_iv if front else math.nan,
        atm_iv_back=back.atm_iv if back else math.nan,
        front_expiry=front.expiry if front else None, back_expiry=back.expiry if back else None,
        ivp=ivp, ivr=ivr, hv=hvs, atr=atr_now, atr_pct=atr_pct, iv_hv_ratio=hv_ratio,
        term_slope=slope, term_class=term_class, forward_vol=fwd_vol, rr25=rr,
        moneyness_skew=mskew, vix=vix, regime=regime, iv_crush=crush,
        history_days=int(hist.num_rows), missing=dict(miss),
    )


def volatility_snapshot(store: Store, symbol: str, at: datetime, lookback: int = 252, *,
                        params: SnapshotParams | None = None,
                        cache: SnapshotCache[VolSnapshot] | None = None) -> VolSnapshot:
    """Every volatility metric of ``symbol`` as of ``at`` (see the module docstring).

    ``cache`` (owned by the caller) is keyed on (symbol, at, lookback, params,
    store.data_version()), so a load into the store invalidates it.
    """
    p = params or SnapshotParams()
    if cache is None:
        return _compute(store, symbol, at, lookback, p)
    key = (symbol, at, lookback, p, store.data_version())
    hit = cache.get(key)
    if hit is not None:
        return hit
    snap = _compute(store, symbol, at, lookback, p)
    cache.put(key, snap)
    return snap


def regime_at(store: Store, symbol: str, at: datetime, lookback: int = 252, *,
              params: SnapshotParams | None = None,
              cache: SnapshotCache[VolSnapshot] | None = None) -> Regime | None:
    """``volatility_snapshot(...).regime`` without the rest of the snapshot when it is not
    needed: VIX bands read only the VIX close at or before ``at`` (the same query and rule
    as the snapshot's); IVP bands need the IV history, so the whole snapshot is computed."""
    p = params or SnapshotParams()
    if p.regime_bands.basis == "VIX":
        vix = _one(store.query("vol_vix_at", {"vix_symbol": p.vix_symbol, "at": at}), "close")
        return volatility_regime(vix, p.regime_bands)
    return volatility_snapshot(store, symbol, at, lookback, params=p, cache=cache).regime
