"""volatility_snapshot on a hand-made store: IVs known by construction, no lookahead, cache."""

from __future__ import annotations

import math
from datetime import datetime, time

import numpy as np
import pandas as pd
import pytest
from scipy.stats import percentileofscore

from engine.data.duckdb_store import DuckDBStore
from engine.volatility import (
    HVMethod,
    Regime,
    RegimeBands,
    SnapshotCache,
    SnapshotParams,
    TermClass,
    VolSnapshot,
    volatility_snapshot,
)
from tests.unit.volatility._market import (
    Market,
    build_market,
    daily_tables,
    intraday_tables,
    load,
)

STAMPS = [time(9, 30), time(9, 45), time(10, 0), time(10, 15)]
NOW_VOL = 0.17
AT_INDEX = 20
LOOKBACK = 10


@pytest.fixture
def market(mem_store: DuckDBStore) -> Market:
    m = build_market()
    load(mem_store, daily_tables(m))
    load(mem_store, intraday_tables(m.days[AT_INDEX], 20100.0, NOW_VOL, STAMPS))
    return m


def _at(m: Market) -> datetime:
    return datetime.combine(m.days[AT_INDEX], time(10, 5))


def test_snapshot_values_against_independent_numbers(mem_store: DuckDBStore,
                                                     market: Market) -> None:
    snap = volatility_snapshot(mem_store, "NIFTY", _at(market), LOOKBACK)
    # the chain at 10:00 (latest 15-minute bar <= 10:05) was priced at a flat 17% vol
    assert snap.chain_ts == datetime.combine(market.days[AT_INDEX], time(10, 0))
    for iv in (snap.atm_iv, snap.atm_iv_7d, snap.atm_iv_30d, snap.atm_iv_60d,
               snap.atm_iv_front, snap.atm_iv_back):
        assert iv == pytest.approx(NOW_VOL, abs=1e-6)
    # history: the 10 daily closes before the day, each chain at its own flat vol
    hist = market.vols[AT_INDEX - LOOKBACK : AT_INDEX]
    assert snap.ivp == pytest.approx(percentileofscore(hist, NOW_VOL, kind="strict") / 100)
    lo, hi = min(hist.min(), NOW_VOL), max(hist.max(), NOW_VOL)
    assert snap.ivr == pytest.approx((NOW_VOL - lo) / (hi - lo), abs=1e-6)
    # spot: close of the 10:00 bar = 20100 + 10 * 2
    assert snap.spot == 20120.0
    # HV close-to-close on 20 daily closes + today's partial close, via pandas
    closes = pd.Series(np.append(market.closes[:AT_INDEX], 20120.0))
    ref_hv = np.log(closes).diff().rolling(20).std().iloc[-1] * math.sqrt(252)
    assert snap.hv[HVMethod.CLOSE_TO_CLOSE] == pytest.approx(ref_hv)
    assert snap.iv_hv_ratio == pytest.approx(snap.atm_iv / ref_hv, rel=1e-6)
    # flat term structure: slope 0 -> FLAT; forward vol of a flat curve is the same vol
    assert snap.term_slope == pytest.approx(0.0, abs=1e-6)
    assert snap.term_class is TermClass.FLAT
    assert snap.forward_vol == pytest.approx(NOW_VOL, abs=1e-5)
    # flat smile: risk reversal and moneyness skew are 0
    assert snap.rr25 == pytest.approx(0.0, abs=1e-6)
    assert snap.moneyness_skew == pytest.approx(0.0, abs=1e-6)
    # no VIX bar stamped by 10:05 that day (daily VIX is stamped 15:30)
    assert math.isnan(snap.vix) and "vix" in snap.missing and snap.regime is None
    assert snap.front_expiry is not None and snap.back_expiry is not None
    assert snap.front_expiry < snap.back_expiry
    names = [n for n, _ in snap.as_rows()]
    assert "hv_yang_zhang" in names and "missing" not in names


def test_no_lookahead(mem_store: DuckDBStore, market: Market) -> None:
    before = volatility_snapshot(mem_store, "NIFTY", _at(market), LOOKBACK)
    # later bars that day and a wild day after: nothing after `at` may change the answer
    load(mem_store, intraday_tables(market.days[AT_INDEX], 30000.0, 0.90,
                                    [time(10, 30), time(11, 0)]))
    after = volatility_snapshot(mem_store, "NIFTY", _at(market), LOOKBACK)
    assert after == before or _same(after, before)


def _same(a: VolSnapshot, b: VolSnapshot) -> bool:
    for (name, x), (_, y) in zip(a.as_rows(), b.as_rows(), strict=True):
        if isinstance(x, float) and math.isnan(x):
            assert isinstance(y, float) and math.isnan(y), name
        else:
            assert x == y, name
    return True


def test_regime_and_short_history(mem_store: DuckDBStore, market: Market) -> None:
    # after the close the daily VIX bar (100 * vol) is visible
    at = datetime.combine(market.days[AT_INDEX], time(15, 30))
    snap = volatility_snapshot(mem_store, "NIFTY", at, LOOKBACK)
    assert snap.vix == pytest.approx(100 * market.vols[AT_INDEX])
    bands = RegimeBands()
    expected = (Regime.LOW if snap.vix < 12 else Regime.MEDIUM if snap.vix < 20
                else Regime.HIGH)
    assert snap.regime is expected
    # at 15:30 the 15-minute chain (last at 10:15) is older than the daily bar, but the
    # finest interval of the day wins: still 17%
    assert snap.atm_iv == pytest.approx(NOW_VOL, abs=1e-6)
    # 252-day lookback on 20 days of history: IVP / IVR / ATR pct missing, with reasons
    long = volatility_snapshot(mem_store, "NIFTY", at, 252)
    for name in ("ivp", "ivr", "atr_pct"):
        assert math.isnan(getattr(long, name))
        assert long.missing[name] == "history is shorter than the lookback"
    # ... unless a minimum history is allowed
    some = volatility_snapshot(mem_store, "NIFTY", at, 252,
                               params=SnapshotParams(min_history=10,
                                                     regime_bands=RegimeBands.ivp(10)))
    hist = market.vols[:AT_INDEX]
    assert some.ivp == pytest.approx(np.mean(hist < NOW_VOL))
    assert some.regime is not None
    assert bands.basis == "VIX"


def test_unknown_symbol_lists_everything_missing(mem_store: DuckDBStore,
                                                 market: Market) -> None:
    snap = volatility_snapshot(mem_store, "BANKNIFTY", _at(market), LOOKBACK)
    for name in ("spot", "atm_iv", "ivp", "hv_close_to_close", "atr", "term_slope", "rr25"):
        assert name in snap.missing, name
    assert "no option chain" in snap.missing["atm_iv"]
    assert snap.chain_ts is None and snap.iv_crush is None


def test_iv_solved_when_chain_iv_is_null(mem_store: DuckDBStore) -> None:
    m = build_market(n_days=3)
    load(mem_store, daily_tables(m, with_iv=False))
    at = datetime.combine(m.days[2], time(15, 30))
    snap = volatility_snapshot(mem_store, "NIFTY", at, 2)
    # prices were made at m.vols[2]; the solver gets the vol back
    assert snap.atm_iv == pytest.approx(m.vols[2], abs=1e-6)
    assert snap.ivp == pytest.approx(np.mean(m.vols[:2] < m.vols[2]))


def test_cache_hits_and_invalidates_on_load(mem_store: DuckDBStore, market: Market) -> None:
    cache: SnapshotCache[VolSnapshot] = SnapshotCache(maxsize=4, ttl_s=60)
    first = volatility_snapshot(mem_store, "NIFTY", _at(market), LOOKBACK, cache=cache)
    again = volatility_snapshot(mem_store, "NIFTY", _at(market), LOOKBACK, cache=cache)
    assert again is first and cache.hits == 1 and cache.misses == 1
    # a committed load bumps data_version: the old entry is not served
    load(mem_store, intraday_tables(market.days[AT_INDEX], 20100.0, 0.30, [time(9, 15)]))
    fresh = volatility_snapshot(mem_store, "NIFTY", _at(market), LOOKBACK, cache=cache)
    assert fresh is not first and cache.misses == 2
    assert len(cache) == 2
    cache.clear()
    assert len(cache) == 0
    with pytest.raises(ValueError):
        SnapshotCache(maxsize=0)


def test_cache_ttl_expires() -> None:
    now = [0.0]
    cache: SnapshotCache[str] = SnapshotCache(maxsize=2, ttl_s=10, timer=lambda: now[0])
    cache.put("k", "v")
    assert cache.get("k") == "v"
    now[0] = 11.0
    assert cache.get("k") is None


def test_ivp_regime_uses_regime_lookback_beyond_ivp_lookback(mem_store: DuckDBStore,
                                                              market: Market) -> None:
    # RegimeBasis IVP, RegimeLookback 18 > IVPLookback 5: the regime ranks today's 17% IV
    # against the 18 closes before the day (strictly below), with bands 0.2 / 0.5 / 0.8
    params = SnapshotParams(regime_bands=RegimeBands.ivp(18))
    snap = volatility_snapshot(mem_store, "NIFTY", _at(market), 5, params=params)
    pct = float(np.mean(market.vols[AT_INDEX - 18:AT_INDEX] < NOW_VOL))
    want = (Regime.LOW if pct < 0.2 else Regime.MEDIUM if pct < 0.5
            else Regime.HIGH if pct < 0.8 else Regime.EXTREME)
    assert snap.regime is want and "regime" not in snap.missing
    # ... and a different lookback ranks against different closes
    pct5 = float(np.mean(market.vols[AT_INDEX - 5:AT_INDEX] < NOW_VOL))
    short = volatility_snapshot(mem_store, "NIFTY", _at(market), 5,
                                params=SnapshotParams(regime_bands=RegimeBands.ivp(5)))
    assert short.regime is (Regime.LOW if pct5 < 0.2 else Regime.MEDIUM if pct5 < 0.5
                            else Regime.HIGH if pct5 < 0.8 else Regime.EXTREME)


def test_regime_basis_and_lookback_reach_the_plan() -> None:
    from engine.config.models.strategy import StrategyConfig
    from engine.strategy.from_config import plan_from_config

    base = {"strategy_name": "S", "strategy_subtype": "IRON_FLY", "wing_width_pts": 300}
    cfg = StrategyConfig.model_validate({**base, "volatility_filter": {
        "regime_basis": "IVP", "regime_lookback": 20}})
    d = datetime(2025, 1, 1).date()
    assert plan_from_config(cfg, d, d).vol_gate.params.regime_bands == RegimeBands.ivp(20)
    vix = plan_from_config(StrategyConfig.model_validate(base), d, d)
    assert vix.vol_gate.params.regime_bands.basis == "VIX"


@pytest.mark.parametrize("hh_mm", [(9, 20), (10, 5), (15, 30)])
def test_regime_at_is_the_snapshots_regime_for_vix_and_ivp_bands(
        mem_store: DuckDBStore, market: Market, hh_mm: tuple[int, int]) -> None:
    from engine.volatility.snapshot import regime_at

    at = datetime.combine(market.days[AT_INDEX], time(*hh_mm))
    vix_bands = SnapshotParams()
    ivp_bands = SnapshotParams(min_history=10, regime_bands=RegimeBands.ivp(10))
    for p in (vix_bands, ivp_bands):
        snap = volatility_snapshot(mem_store, "NIFTY", at, LOOKBACK, params=p)
        assert regime_at(mem_store, "NIFTY", at, LOOKBACK, params=p) is snap.regime
    # VIX bands by hand (12 / 20 edges): the daily VIX bar (100 x the day's vol) is visible
    # from the close; before it that day has no VIX bar, so no regime
    vix = 100 * market.vols[AT_INDEX]
    want = (Regime.LOW if vix < 12 else Regime.MEDIUM if vix < 20 else Regime.HIGH) \
        if hh_mm == (15, 30) else None
    assert regime_at(mem_store, "NIFTY", at, LOOKBACK) is want
