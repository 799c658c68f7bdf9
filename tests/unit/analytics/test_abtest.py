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


def test_cvar_is_the_mean_of_the_worst_tail_by_hand() -> None:
    from engine.analytics.abtest import cvar_inr

    pnl = [float(x) for x in range(-10, 10)]  # 20 cycles: -10 .. 9
    # ceil(0.05 x 20) = 1 worst cycle -> -10
    assert cvar_inr(pnl) == -10.0
    # 21 cycles: ceil(1.05) = 2 worst -> (-10 + -9) / 2
    assert cvar_inr([*pnl, 50.0]) == -9.5
    # 3 cycles: ceil(0.15) = 1
    assert cvar_inr([5.0, -2.0, 1.0]) == -2.0
    assert cvar_inr([40.0, 10.0, 30.0, 20.0], alpha=0.5) == 15.0  # worst two: 10, 20
    assert np.isnan(cvar_inr([]))


def _plan(**entry: object) -> object:
    from engine.strategy.plan import EntryRules, StrategyPlan

    return StrategyPlan(name="S", symbol="NIFTY", legs=(), start=dt.date(2025, 1, 1),
                        end=dt.date(2025, 2, 1), entry=EntryRules(**entry))  # type: ignore[arg-type]


def test_volatility_gates_in_words_and_turned_off() -> None:
    from dataclasses import replace

    from engine.analytics.abtest import volatility_gates, without_volatility_filter
    from engine.strategy.volfilter import VolGate
    from engine.volatility import TermClass

    plan = _plan()
    assert volatility_gates(plan) is None  # type: ignore[arg-type]
    gated = replace(plan, vol_gate=VolGate(ivp=(0.3, 0.7), term=TermClass.CONTANGO),  # type: ignore[type-var]
                    entry=replace(plan.entry, vix_range=(12.0, 1e9)))  # type: ignore[attr-defined]
    assert volatility_gates(gated) == "IVP 0.3-0.7, term CONTANGO, VIX >= 12"
    free = without_volatility_filter(gated)
    assert volatility_gates(free) is None
    assert not free.vol_gate.active and free.entry.vix_range is None
    assert free.vol_gate.lookback == gated.vol_gate.lookback  # only the gates change


def test_filter_value_is_the_unfiltered_pnl_of_the_skipped_cycles() -> None:
    from engine.analytics.abtest import SideDetail, filter_value, regime_buckets

    filtered = {"w1": 100.0, "w3": 50.0}
    unfiltered = {"w1": 100.0, "w2": -400.0, "w3": 60.0, "w4": 150.0}
    f = filter_value("VIX 0-20", filtered, unfiltered)
    # skipped w2 and w4: -400 + 150 = -250 -> the filter saved 250
    assert f.skipped == {"w2": -400.0, "w4": 150.0} and f.value_inr == -250.0
    assert f.only_filtered == 0
    res = ab_test({"w1": 100.0, "w2": -400.0, "w3": 60.0, "w4": 150.0},
                  {"w1": 100.0, "w2": 0.0, "w3": 50.0, "w4": 0.0}, n_resamples=200)
    detail_a = SideDetail([100.0, -400.0, 60.0, 150.0],
                          regime_buckets([("LOW", 100.0), ("HIGH", -400.0), ("LOW", 60.0),
                                          ("LOW", 150.0)]))
    detail_b = SideDetail([100.0, 50.0], regime_buckets([("LOW", 100.0), ("LOW", 50.0)]), f)
    _, rows = abtest_table(res, "A", "B", (detail_a, detail_b))
    by = {r[0]: r for r in rows}
    assert by["worst_trade_inr"][1:4] == [-400.0, 50.0, -450.0]
    assert by["pnl_regime_LOW_inr"][1:4] == [310.0, 150.0, 160.0]
    assert by["pnl_regime_HIGH_inr"][1:4] == [-400.0, 0.0, -400.0]
    assert "pnl_regime_MEDIUM_inr" not in by  # no side traded there
    # 4 cycles: ceil(0.2) = 1 worst: A -400, B 0
    assert by["cycle_cvar05_inr"][1:3] == [-400.0, 0.0]
    note = by["filter_value_inr (B)"][4]
    assert by["filter_value_inr (B)"][1:4] == [None, -250.0, None]
    assert "skipped 2 cycle(s)" in note and "saved 250 INR" in note
    # the unfiltered run took w2 (+80) and w5 (0) that the filtered one skipped: it cost 80;
    # w9 only the filtered run traded (another position was open in the unfiltered run)
    cost = filter_value("IVP 0.3-0.7", {"w1": 1.0, "w9": 3.0},
                        {"w1": 1.0, "w2": 80.0, "w5": 0.0})
    _, rows = abtest_table(res, "A", "B", (SideDetail([1.0], [], cost), detail_b))
    note = {r[0]: r for r in rows}["filter_value_inr (A)"][4]
    assert "it cost 80 INR" in note and "1 cycle(s) only the filtered run traded" in note
