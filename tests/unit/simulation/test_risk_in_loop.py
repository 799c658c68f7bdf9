"""Risk limits inside the loop: entry blocks, rupee max loss, daily loss, drawdown halt, anomalies."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from engine.data.duckdb_store import DuckDBStore
from engine.domain.lifecycle import ExitReason
from engine.simulation.loop import run_backtest
from engine.simulation.quality import quote_jumps
from engine.strategy.limits import RiskLimits
from engine.strategy.plan import ExitRules
from tests.unit.simulation.builder import contracts, load_market
from tests.unit.simulation.test_golden import FLY_QUOTES, FLY_SPOT, STAMPS, W1, plan


@pytest.fixture
def fly_store(mem_store: DuckDBStore) -> DuckDBStore:
    load_market(mem_store, STAMPS, FLY_SPOT, FLY_QUOTES, [(W1, "WEEKLY")])
    return mem_store


def test_entry_blocked_by_margin_is_recorded(fly_store: DuckDBStore) -> None:
    # margin = max loss (300 - 240) x 75 = 4,500 + 2% x 150 x 22010 = 66,030 -> 70,530
    p = dataclasses.replace(plan(ExitRules()), capital_inr=100_000.0,
                            risk=RiskLimits(max_capital_per_trade_frac=0.5))  # cap 50,000
    res = run_backtest(p, fly_store, contracts())
    assert res.trades == []
    assert "entry blocked by risk limits: margin estimate 70,530 INR" in res.skips[0].reason
    ok = run_backtest(dataclasses.replace(p, risk=RiskLimits(max_capital_per_trade_frac=0.8)),
                      fly_store, contracts())
    assert ok.trades[0].margin_inr == pytest.approx(4500 + 0.02 * 150 * 22010)


def test_entry_blocked_by_greek_cap(fly_store: DuckDBStore) -> None:
    # a cap of 1 rupee of vega per vol point blocks any real iron fly (computed greeks, not enriched)
    p = dataclasses.replace(plan(ExitRules()), risk=RiskLimits(max_vega_inr=1.0))
    res = run_backtest(p, fly_store, contracts())
    assert res.trades == [] and "position vega" in res.skips[0].reason


def test_max_loss_in_rupees(fly_store: DuckDBStore) -> None:
    # P&L at 14:00 is -50 pts x 75 = -3,750 <= -3,000 -> MAX_LOSS
    res = run_backtest(plan(ExitRules(max_loss_inr=3000.0)), fly_store, contracts())
    assert res.trades[0].exit_reason is ExitReason.MAX_LOSS
    assert res.trades[0].exit_ts == STAMPS[2]


def test_drawdown_halt_and_daily_loss_are_logged(fly_store: DuckDBStore) -> None:
    p = dataclasses.replace(plan(ExitRules(stop_loss_frac=0.2)),
                            risk=RiskLimits(max_drawdown_frac=0.001, max_daily_loss_inr=1000.0))
    res = run_backtest(p, fly_store, contracts())
    assert len(res.trades) == 1  # -3,750 on day one: daily limit hit and 0.1% drawdown -> halt
    assert any("MaxDailyLossINR" in a for a in res.anomalies)
    assert any("MaxDrawdown" in a for a in res.anomalies)


def test_unresolved_greek_breach_is_an_anomaly(fly_store: DuckDBStore) -> None:
    # cap on |delta| 1e9 at entry passes, but a tiny theta cap after entry is breached
    p = dataclasses.replace(plan(ExitRules()), risk=RiskLimits(max_theta_inr=1e12))
    res = run_backtest(p, fly_store, contracts())
    assert not any("theta exceeded" in a for a in res.anomalies)
    series_vega_tw = res.series.column("vega_tw_inr")
    assert series_vega_tw.size == len(STAMPS)


def test_quote_jumps_by_hand() -> None:
    # log moves of 100 -> 101 -> 102 -> 103 -> 104 are ~0.0099 each: no robust scale (MAD 0)
    assert quote_jumps(np.array([[100.0], [101], [102], [103], [104]]), 8) == 0
    # moves +1%, +2%, +1%, +2%, then x1.5: median ~0.0198, MAD ~0.0099 (sigma ~0.0147);
    # log(1.5) = 0.405 is ~26 sigmas away -> 1 jump
    prices = np.array([[100.0], [101], [103.02], [104.05], [106.13], [159.2]])
    assert quote_jumps(prices, 8) == 1
    # the same move across a day boundary is an overnight gap, not a jump
    days = np.array(["2025-01-06"] * 5 + ["2025-01-07"], dtype="datetime64[D]")
    assert quote_jumps(prices, 8, days) == 0
    # prices under one point are ignored (a tick is a large relative move there)
    assert quote_jumps(prices / 200, 8) == 0
    assert quote_jumps(np.array([[1.0], [2]]), 8) == 0


def test_contract_info_from_master_keeps_series_lot_size() -> None:
    from engine.domain.contracts import load_contracts
    from engine.simulation.loop import ContractInfo

    info = ContractInfo.from_master(load_contracts(), "NIFTY")
    # NIFTY lot 25 -> 75 in Nov 2024: the 30 Jan 2025 monthly series keeps 25, while the
    # 2 Jan 2025 weekly trades at 75 (exchange circular; see engine/domain/data/contracts.csv)
    assert info.lot_size(dt.date(2025, 1, 30), dt.date(2025, 1, 2)) == 25
    assert info.lot_size(dt.date(2025, 1, 2), dt.date(2025, 1, 1)) == 75
    assert info.strike_step(dt.date(2025, 1, 2)) == 50
