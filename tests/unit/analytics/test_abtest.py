"""A/B pairing by cycle and the comparison's statistics, by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from engine.analytics.abtest import Cycle, ab_test, abtest_table, cycle_of, pnl_by_cycle
from engine.analytics.stats import paired_bootstrap_ci
from engine.errors import PosbtError


def test_cycles_are_iso_weeks_or_months() -> None:
    # 2024-12-30 is a Monday of ISO week 1 of 2025
    assert cycle_of(dt.datetime(2024, 12, 30, 9, 20), Cycle.WEEK) == "2025-W01"
    assert cycle_of(dt.datetime(2024, 12, 30, 9, 20), Cycle.MONTH) == "2024-12"
    trades = [(dt.datetime(2025, 1, 6, 9, 20), 100.0), (dt.datetime(2025, 1, 8, 10, 0), -30.0),
              (dt.datetime(2025, 1, 13, 9, 20), 50.0)]
    assert pnl_by_cycle(trades, Cycle.WEEK) == {"2025-W02": 70.0, "2025-W03": 50.0}
    assert pnl_by_cycle(trades, Cycle.MONTH) == {"2025-01": 120.0}


def test_only_common_cycles_are_paired() -> None:
    a = {"w1": 100.0, "w2": -50.0, "w3": 30.0, "w4": 10.0}
    b = {"w2": -20.0, "w3": 40.0, "w4": 0.0, "w5": 99.0}
    res = ab_test(a, b, n_resamples=500, seed=3)
    assert res.cycles == ["w2", "w3", "w4"] and (res.only_a, res.only_b) == (1, 1)
    # d = -30, -10, 10: mean -10
    assert res.mean_diff_inr == pytest.approx(-10.0)
    ci = paired_bootstrap_ci(np.array([-50.0, 30, 10]), np.array([-20.0, 40, 0]),
                             n_resamples=500, seed=3)
    assert (res.ci_low_inr, res.ci_high_inr) == (ci.low, ci.high)
    headers, rows = abtest_table(res, "A", "B")
    by = {r[0]: r for r in rows}
    assert headers[:4] == ["measure", "A", "B", "a_minus_b"]
    assert by["total_pnl_inr"][1:4] == [-10.0, 20.0, -30.0]
    # cumulative A: 0, -50, -20, -10 -> drawdown -50; B: 0, -20, 20, 20 -> -20
    assert by["max_drawdown_inr"][1:3] == [-50.0, -20.0]


def test_too_few_common_cycles_is_an_error() -> None:
    with pytest.raises(PosbtError, match="no cycle in which both entered"):
        ab_test({"w1": 1.0}, {"w2": 1.0})
    with pytest.raises(PosbtError, match="share only 2 cycle"):
        ab_test({"w1": 1.0, "w2": 2.0}, {"w1": 1.0, "w2": 3.0})


def test_a_constant_side_has_no_sharpe_difference() -> None:
    res = ab_test({"a": 1.0, "b": 1.0, "c": 1.0}, {"a": 0.0, "b": 2.0, "c": 1.0})
    assert np.isnan(res.sharpe_diff_se)
    _, rows = abtest_table(res, "A", "B")
    assert {r[0]: r for r in rows}["sharpe_diff_se"][3] is None
