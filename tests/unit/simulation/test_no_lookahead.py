"""No lookahead: perturbing every bar after time t changes no decision at or before t.

Also: the vectorised exit rules and the bar-by-bar reference give the same trades.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from engine.data.duckdb_store import DuckDBStore
from engine.domain.lifecycle import ExitReason
from engine.results.result import BacktestResult
from engine.simulation.loop import run_backtest
from engine.strategy.exits import PathState, first_exit, first_exit_scalar
from engine.strategy.plan import ExitRules
from tests.unit.simulation.builder import contracts, load_market
from tests.unit.simulation.test_golden import FLY_QUOTES, FLY_SPOT, STAMPS, W1, plan


def _decisions_until(res: BacktestResult, t: dt.datetime) -> list[tuple[object, ...]]:
    fills = [(f.ts, f.leg_id, f.qty_units, f.price_pts) for f in res.fills if f.ts <= t]
    trans = [(x.ts, x.from_state, x.to_state, x.reason) for x in res.transitions if x.ts <= t]
    return fills + trans


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_perturbing_the_future_changes_nothing_before_t(seed: int) -> None:
    rules = ExitRules(stop_loss_frac=0.2, profit_target_frac=0.5)
    cut = 1  # decisions at or before STAMPS[1] (11:00 on day 1)
    base = DuckDBStore(":memory:")
    load_market(base, STAMPS, FLY_SPOT, FLY_QUOTES, [(W1, "WEEKLY")])
    res_a = run_backtest(plan(rules), base, contracts())
    rng = np.random.default_rng(seed)
    noisy = {k: [v if i <= cut else max(0.05, round(float(v) * rng.uniform(0.3, 3.0), 2))
                 for i, v in enumerate(closes)] for k, closes in FLY_QUOTES.items()}
    spot = [s if i <= cut else s + float(rng.normal(0, 300)) for i, s in enumerate(FLY_SPOT)]
    other = DuckDBStore(":memory:")
    load_market(other, STAMPS, spot, noisy, [(W1, "WEEKLY")])
    res_b = run_backtest(plan(rules), other, contracts())
    t = STAMPS[cut]
    assert _decisions_until(res_a, t) == _decisions_until(res_b, t)
    assert _decisions_until(res_a, t)  # the entry happened before t, so there is something to compare
    base.close()
    other.close()


def test_vectorised_and_reference_exit_agree_on_random_paths() -> None:
    rng = np.random.default_rng(11)
    for _ in range(300):
        n = int(rng.integers(2, 60))
        pnl = np.cumsum(rng.normal(0, 500, n))
        pnl[0] = 0.0
        state = PathState(
            pnl_inr=pnl, delta=rng.normal(0, 20, n), gamma=rng.normal(0, 1, n),
            vega_inr=rng.normal(0, 900, n), theta_inr=np.zeros(n),
            after_exit_time=np.arange(n) >= rng.integers(1, n + 5),
            premium_base_inr=10_000.0)
        rules = ExitRules(
            profit_target_frac=float(rng.choice([0.2, 0.5, 2.0])),
            stop_loss_frac=float(rng.choice([0.1, 0.3, 5.0])),
            trailing_activation_frac=float(rng.choice([0.05, 0.2])),
            trailing_stop_frac=float(rng.choice([0.05, 0.1, 10.0])),
            max_abs_delta=float(rng.choice([30.0, 1e9])),
            max_abs_gamma=float(rng.choice([2.5, 1e9])),
            max_abs_vega_inr=float(rng.choice([2000.0, 1e9])))
        assert first_exit(state, rules) == first_exit_scalar(state, rules)


def test_backtest_with_reference_exit_finder_gives_same_trades(mem_store: DuckDBStore) -> None:
    load_market(mem_store, STAMPS, FLY_SPOT, FLY_QUOTES, [(W1, "WEEKLY")])
    p = plan(ExitRules(stop_loss_frac=0.2))
    fast = run_backtest(p, mem_store, contracts())
    ref = run_backtest(p, mem_store, contracts(), exit_finder=first_exit_scalar)
    assert fast.trades == ref.trades
    assert fast.trades[0].exit_reason is ExitReason.STOP_LOSS


@pytest.mark.parametrize("seed", [4, 5])
def test_no_lookahead_with_adjustments(seed: int) -> None:
    """With a roll and reverse buying active, perturbing every bar after t changes nothing
    decided at or before t (fills, transitions, adjustment records)."""
    from engine.strategy.adjustments.rules import AdjAction, AdjRule, AdjustmentPolicy, TriggerSpec

    rules = (AdjRule("RB", AdjAction.REVERSE_BUY, TriggerSpec(price_move_pts=100), max_times=4),
             AdjRule("UP", AdjAction.ROLL_UP, TriggerSpec(price_move_pts=300), priority=50))
    quotes = dict(FLY_QUOTES)
    for strike in (22100.0, 22200.0, 22400.0):
        quotes[(W1, strike, "CE")] = [120, 90, 60, 40, 20, 5]
        quotes[(W1, strike, "PE")] = [150, 170, 200, 230, 260, 280]
    p = dataclasses.replace(plan(ExitRules()), adjustments=AdjustmentPolicy(rules=rules))
    cut = 1
    base = DuckDBStore(":memory:")
    load_market(base, STAMPS, FLY_SPOT, quotes, [(W1, "WEEKLY")])
    res_a = run_backtest(p, base, contracts())
    assert [a for a in res_a.adjustments if a.ts <= STAMPS[cut]]  # something to compare
    rng = np.random.default_rng(seed)
    noisy = {k: [v if i <= cut else max(0.05, round(float(v) * rng.uniform(0.3, 3.0), 2))
                 for i, v in enumerate(closes)] for k, closes in quotes.items()}
    spot = [s if i <= cut else s + float(rng.normal(0, 300)) for i, s in enumerate(FLY_SPOT)]
    other = DuckDBStore(":memory:")
    load_market(other, STAMPS, spot, noisy, [(W1, "WEEKLY")])
    res_b = run_backtest(p, other, contracts())
    t = STAMPS[cut]
    assert _decisions_until(res_a, t) == _decisions_until(res_b, t)
    adj = [(a.ts, a.rule_id, a.status, a.reason) for a in res_a.adjustments if a.ts <= t]
    assert adj == [(a.ts, a.rule_id, a.status, a.reason) for a in res_b.adjustments if a.ts <= t]
    base.close()
    other.close()
