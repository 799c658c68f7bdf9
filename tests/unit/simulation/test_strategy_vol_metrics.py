"""Exits, triggers and sizing read the strategy's own IVP (IVPLookback, IVTenorDays), not the
daily_features table's fixed 252 days / 30-day tenor (issue 15 item 6).

Market: 300 business days of daily NIFTY bars from 2024-01-01, each day's chain priced at one
flat vol (tests/unit/volatility/_market), so every constant-maturity ATM IV equals that vol:
    days   0..239: vol = 0.30 + 0.0001 t   (0.3000 .. 0.3239, all above the tail)
    days 240..299: vol = 0.10 + 0.001 (t - 240)   (0.100 .. 0.159, rising)
IVP(day d) = share of the N previous closes strictly below vol(d). On day 289 (the day before
the entry day 290), 49 tail days 240..288 lie below vol(289):
    N = 60:  window 229..288 = 11 high days + 49 tail days -> 49 / 60  = 0.8167
    N = 252: window  37..288 = 203 high days + 49 tail days -> 49 / 252 = 0.1944
A bar on day d sees day d-1's IVP (no lookahead). An IVP > 0.5 exit therefore fires at once
with IVPLookback 60 and never with 252.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from engine.config.enums import CostPreset
from engine.data.duckdb_store import DuckDBStore
from engine.domain.lifecycle import ExitReason
from engine.domain.structures import Right, Side
from engine.market import Timeline
from engine.simulation.daily import daily_metrics
from engine.simulation.loop import run_backtest
from engine.strategy.plan import (
    CostSpec,
    EntryRules,
    ExitRules,
    ExpiryMethod,
    ExpiryRule,
    LegSpec,
    StrategyPlan,
    StrikeMethod,
    StrikeRule,
)
from engine.strategy.volfilter import VolGate
from engine.volatility import SnapshotParams
from engine.volatility.features import compute_daily_features
from tests.unit.simulation.builder import contracts
from tests.unit.volatility._market import Market, business_days, daily_tables, load, thursdays_after

N_DAYS = 300
DAYS = business_days(dt.date(2024, 1, 1), N_DAYS)
T = np.arange(N_DAYS)
VOLS = np.where(T < 240, 0.30 + 0.0001 * T, 0.10 + 0.001 * (T - 240))
ENTRY = 290


def _market() -> Market:
    closes = np.full(N_DAYS, 20000.0) + 5.0 * np.sin(T)  # ATM stays 20000
    return Market(DAYS, closes, closes, closes * 1.002 + 1, closes * 0.998 - 1, VOLS)


def _build(path: str, features: bool) -> DuckDBStore:
    store = DuckDBStore(path)
    load(store, daily_tables(_market()))
    exps = sorted({e for d in DAYS for e in thursdays_after(d, 70)})
    load(store, {"expiries": pa.table({"symbol": ["NIFTY"] * len(exps), "expiry": exps,
                                       "kind": ["WEEKLY"] * len(exps),
                                       "source": ["DATA"] * len(exps)})})
    if features:
        compute_daily_features(store, ["NIFTY"])
    return store


@pytest.fixture(scope="module", params=[False, True], ids=["option_bars", "daily_features"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[DuckDBStore]:
    s = _build(str(tmp_path_factory.mktemp("vol") / "m.duckdb"), bool(request.param))
    yield s
    s.close()


def _pandas_ivp(lookback: int) -> pd.Series:
    """Each day's IVP over the ``lookback`` previous closes, then shifted one trading day."""
    s = pd.Series(VOLS, index=pd.DatetimeIndex(DAYS))
    ivp = s.rolling(lookback + 1).apply(lambda w: float(np.mean(w[:-1] < w[-1])), raw=True)
    return ivp.shift(1)


def _timeline(days: list[dt.date]) -> Timeline:
    ts = np.array([dt.datetime.combine(d, dt.time(15, 30)) for d in days], dtype="datetime64[us]")
    spot = np.full(len(days), 20000.0)
    return Timeline(ts=ts, close=spot, open=spot, days=ts.astype("datetime64[D]"))


@pytest.mark.parametrize("lookback", [60, 252])
def test_daily_ivp_uses_the_strategy_lookback(store: DuckDBStore, lookback: int) -> None:
    days = DAYS[280:]
    got = daily_metrics(store, "NIFTY", _timeline(days), lookback, SnapshotParams()).ivp
    want = _pandas_ivp(lookback).loc[pd.DatetimeIndex(days)].to_numpy()
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    # the entry day 290 sees day 289: 49/60 with N = 60, 49/252 with N = 252 (docstring)
    assert got[ENTRY - 280] == pytest.approx(49 / 60 if lookback == 60 else 49 / 252)


def test_daily_ivp_uses_the_strategy_tenor(store: DuckDBStore) -> None:
    # a flat-vol chain has the same IV at every tenor: 7-, 45- and 60-day IVPs agree with 30
    days = DAYS[280:]
    base = daily_metrics(store, "NIFTY", _timeline(days), 60, SnapshotParams()).ivp
    for tenor in (7, 45):
        got = daily_metrics(store, "NIFTY", _timeline(days), 60,
                            SnapshotParams(iv_tenor_days=tenor)).ivp
        np.testing.assert_allclose(got, base, rtol=0, atol=1e-12)


def _plan(lookback: int) -> StrategyPlan:
    leg = LegSpec("short_call", Right.CE, Side.SELL, StrikeRule(StrikeMethod.ATM),
                  ExpiryRule(ExpiryMethod.WEEKLY_INDEX, 1))
    return StrategyPlan(
        name="ivp_exit", symbol="NIFTY", legs=(leg,), start=DAYS[ENTRY], end=DAYS[ENTRY + 5],
        bar_minutes=1440, entry=EntryRules(window_start=dt.time(9, 15),
                                           window_end=dt.time(15, 30)),
        exits=ExitRules(ivp_above=0.5), costs=CostSpec(CostPreset.NONE),
        vol_gate=VolGate(lookback=lookback))


def test_ivp_exit_follows_the_strategy_lookback(store: DuckDBStore) -> None:
    short = run_backtest(_plan(60), store, contracts(step=100.0))
    long = run_backtest(_plan(252), store, contracts(step=100.0))
    # N = 60: the bar after entry (day 291) sees IVP(290) = 50/60 > 0.5 -> IVP exit
    first = short.trades[0]
    assert first.exit_reason is ExitReason.IVP_EXTREME
    assert first.exit_ts.date() == DAYS[ENTRY + 1]
    # N = 252: IVP(290..294) = 50/252 .. 54/252 < 0.5 -> held to the end of the data
    assert long.trades[0].exit_reason is not ExitReason.IVP_EXTREME
    assert long.trades[0].entry_ts == first.entry_ts
