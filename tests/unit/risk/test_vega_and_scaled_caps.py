"""TermVegaWeighting and VolatilityAdjusted greek caps (issue 15 item 7), by hand.

TermVegaWeighting: the vega MaxPositionVega caps is sum over legs of vega_inr x sqrt(30 / DTE)
(DTE in calendar days, at least 1). VolatilityAdjusted: where IVP >= HighIVPThreshold every cap
is multiplied by HighIVPScale, at entry, on every bar of an open position (the breach
anomalies) and on the position an adjustment would leave.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pyarrow as pa
import pytest

from engine.data.duckdb_store import DuckDBStore
from engine.risk.limits import cap_breaches, cap_scale, capped_vega_inr, term_weights
from engine.simulation.loop import run_backtest
from engine.strategy.limits import RiskLimits
from engine.strategy.plan import ExitRules
from tests.unit.simulation.builder import contracts, load_market
from tests.unit.simulation.test_golden import FLY_QUOTES, FLY_SPOT, STAMPS, W1, plan

DAY = np.array(["2025-01-06"], dtype="datetime64[D]")


def test_term_weights_by_hand() -> None:
    exp = [dt.date(2025, 1, 13), dt.date(2025, 2, 5), dt.date(2025, 1, 6), dt.date(2025, 5, 6)]
    # DTE 7, 30, 0 (-> 1), 120: sqrt(30/7) = 2.0702, 1, sqrt(30) = 5.4772, sqrt(30/120) = 0.5
    np.testing.assert_allclose(term_weights(exp, DAY)[0],
                               [2.0701966780, 1.0, 5.4772255751, 0.5], rtol=1e-9)


def test_capped_vega_plain_and_weighted() -> None:
    # a short 7-day leg -100 INR/vol pt and a long 37-day leg +60: plain -100 + 60 = -40;
    # weighted -100 x sqrt(30/7) + 60 x sqrt(30/37) = -207.02 + 54.03 = -152.99
    legs = np.array([[-100.0, 60.0]])
    exp = [dt.date(2025, 1, 13), dt.date(2025, 2, 12)]
    assert capped_vega_inr(legs, exp, DAY, RiskLimits())[0] == pytest.approx(-40.0)
    want = -100 * math.sqrt(30 / 7) + 60 * math.sqrt(30 / 37)
    assert want == pytest.approx(-152.99, abs=0.01)
    assert capped_vega_inr(legs, exp, DAY, RiskLimits(term_vega_weighting=True))[0] == \
        pytest.approx(want)


def test_caps_scale_per_bar_with_ivp() -> None:
    lim = RiskLimits(max_vega_inr=100.0, volatility_adjusted=True, high_ivp_threshold=0.8,
                     high_ivp_scale=0.5)
    # |vega| 80 against 100 (IVP 0.5), 50 (IVP 0.9: 100 x 0.5) and 100 (IVP unknown)
    assert [cap_scale(lim, x) for x in (0.5, 0.9, float("nan"), None)] == [1.0, 0.5, 1.0, 1.0]
    cap, over = cap_breaches(lim, {"vega": np.array([80.0, 80.0, -80.0])},
                             np.array([0.5, 0.9, np.nan]))["vega"]
    assert cap == 100.0 and over.tolist() == [False, True, False]
    off = dataclasses.replace(lim, volatility_adjusted=False)
    assert cap_breaches(off, {"vega": np.array([80.0, 80.0, -80.0])},
                        np.array([0.5, 0.9, np.nan]))["vega"][1].tolist() == [False] * 3


@pytest.fixture
def fly_store(mem_store: DuckDBStore) -> DuckDBStore:
    load_market(mem_store, STAMPS, FLY_SPOT, FLY_QUOTES, [(W1, "WEEKLY")])
    return mem_store


def _entry_vega(store: DuckDBStore) -> tuple[float, np.ndarray]:
    res = run_backtest(plan(ExitRules()), store, contracts())
    vega = res.series.column("vega_inr")
    return float(vega[0]), vega


def test_entry_cap_uses_term_weighted_vega(fly_store: DuckDBStore) -> None:
    # every leg expires Thu 9 Jan; entry Mon 6 Jan: DTE 3, weight sqrt(30/3) = sqrt(10) = 3.162,
    # so the weighted vega is sqrt(10) x the plain one. A cap of 2 x |plain| lets the plain
    # position in and blocks the weighted one.
    v0, _ = _entry_vega(fly_store)
    cap = 2 * abs(v0)
    risk = RiskLimits(max_vega_inr=cap)
    assert len(run_backtest(dataclasses.replace(plan(ExitRules()), risk=risk), fly_store,
                            contracts()).trades) == 1
    res = run_backtest(dataclasses.replace(plan(ExitRules()), risk=dataclasses.replace(
        risk, term_vega_weighting=True)), fly_store, contracts())
    assert res.trades == []
    assert f"position vega {math.sqrt(10) * v0:,.2f} exceeds its cap {cap:,.2f}" in \
        res.skips[0].reason


def test_volatility_adjusted_caps_act_on_every_bar(fly_store: DuckDBStore) -> None:
    # Friday 3 Jan's IVP 0.95 (daily_features): Monday's bars see it, >= 0.8 -> caps x 0.01.
    # The entry's snapshot has no IV history (IVP unknown): the entry cap stays as set.
    with fly_store.load() as tx:
        tx.append("daily_features", pa.table({
            "symbol": ["NIFTY"] * 2, "trade_date": [dt.date(2025, 1, 3), dt.date(2025, 1, 6)],
            "ivp": [0.95, 0.95], "ivr": [0.5, 0.5], "atr_pct": [0.5, 0.5]}))
    _, vega = _entry_vega(fly_store)
    cap = 2 * float(np.nanmax(np.abs(vega)))  # never breached as set; 0.02 x max when scaled
    risk = RiskLimits(max_vega_inr=cap, high_ivp_threshold=0.8, high_ivp_scale=0.01)
    plain = run_backtest(dataclasses.replace(plan(ExitRules()), risk=risk), fly_store,
                         contracts())
    assert not any("vega exceeded" in a for a in plain.anomalies)
    adjusted = run_backtest(dataclasses.replace(plan(ExitRules()), risk=dataclasses.replace(
        risk, volatility_adjusted=True)), fly_store, contracts())
    assert len(adjusted.trades) == 1  # let in at entry (cap as set) ...
    monday = int(np.sum(np.abs(vega[:3]) > 0.01 * cap))  # ... breached on Monday's 3 bars
    assert monday == 3
    assert any(f"position vega exceeded its cap {cap:g} (scaled by HighIVPScale at high IVP)"
               in a for a in adjusted.anomalies)
