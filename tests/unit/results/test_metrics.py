"""Metrics against hand arithmetic and an independent pandas computation."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from engine.results.metrics import TradeStats, compute_metrics, drawdown, max_drawdown_duration_days

D = [dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(6)]


def test_trade_metrics_by_hand() -> None:
    trades = [TradeStats(300, 40, 2, 1), TradeStats(-100, 40, 4, 0), TradeStats(200, 40, 3, 2)]
    m = compute_metrics(D[:3], [100_300, 100_200, 100_400], trades, capital_inr=100_000,
                        margin_inr=50_000)
    assert m.net_pnl_inr == pytest.approx(400)
    assert m.return_on_capital == pytest.approx(0.004)   # 400 / 100,000
    assert m.return_on_margin == pytest.approx(0.008)    # 400 / 50,000
    assert m.win_rate == pytest.approx(2 / 3)
    assert m.profit_factor == pytest.approx(5.0)         # (300 + 200) / 100
    assert m.expectancy_inr == pytest.approx(400 / 3)
    assert m.avg_hold_days == pytest.approx(3.0)
    assert m.adjustments_per_trade == pytest.approx(1.0)
    assert m.costs_paid_inr == pytest.approx(120)


def test_drawdown_by_hand() -> None:
    eq = np.array([100.0, 120.0, 90.0, 110.0, 130.0])
    dd, frac = drawdown(eq)
    # peak 120 then 90: dd = -30, frac = -0.25
    assert dd.min() == pytest.approx(-30) and frac.min() == pytest.approx(-0.25)
    # peak on day 1 (120), recovered on day 4 (130 > 120): 3 days under water
    assert max_drawdown_duration_days(D[:5], eq) == 3
    # a rising curve is never under water
    assert max_drawdown_duration_days(D[:3], np.array([1.0, 2.0, 3.0])) == 0
    # not recovered: peak on day 0, still below on day 5 -> 5 days
    assert max_drawdown_duration_days(D, np.array([9.0, 8, 7, 8, 8.5, 8.9])) == 5
    m = compute_metrics(D[:5], list(eq * 1000), [], capital_inr=100_000)
    assert m.max_drawdown_inr == pytest.approx(30_000)
    assert m.max_drawdown_frac == pytest.approx(0.25)
    assert math.isnan(m.win_rate) and m.trades == 0


def test_sharpe_sortino_cagr_against_pandas() -> None:
    rng = np.random.default_rng(7)
    dates = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(400)]
    eq = 1_000_000 * np.cumprod(1 + rng.normal(0.0005, 0.01, 400))
    m = compute_metrics(dates, list(eq), [], capital_inr=1_000_000)
    s = pd.Series(np.concatenate(([1_000_000.0], eq))).pct_change().dropna()
    assert m.sharpe == pytest.approx(s.mean() / s.std() * math.sqrt(252), rel=1e-10)
    downside = np.sqrt((np.minimum(s, 0) ** 2).mean())
    assert m.sortino == pytest.approx(s.mean() / downside * math.sqrt(252), rel=1e-10)
    years = 399 / 365.25
    assert m.cagr == pytest.approx((eq[-1] / 1_000_000) ** (1 / years) - 1, rel=1e-12)


def test_degenerate_inputs_give_nan_not_errors() -> None:
    m = compute_metrics(D[:1], [100_000], [], capital_inr=100_000)
    assert math.isnan(m.sharpe) and math.isnan(m.return_on_margin)
    flat = compute_metrics(D[:3], [100_000] * 3, [TradeStats(10, 0, 1, 0)], capital_inr=100_000)
    assert math.isnan(flat.sharpe) and math.isnan(flat.profit_factor)
    empty = compute_metrics([], [], [], capital_inr=1.0)
    assert empty.max_drawdown_inr == 0 and empty.net_pnl_inr == 0
    ruined = compute_metrics(D[:2], [50_000, -1.0], [], capital_inr=100_000)
    assert ruined.cagr == -1.0
