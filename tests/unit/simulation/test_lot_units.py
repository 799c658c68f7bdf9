"""Calendars across two lot sizes (issue "Numbers a trader can trust", item 1): legs balanced
in units, defined risk and margin counted in units. The weekly W1 trades 75 a lot and the
monthly M1 25, as NIFTY's did in December 2024-January 2025. Arithmetic in comments."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from engine.config.enums import CostPreset
from engine.data.duckdb_store import DuckDBStore
from engine.domain.structures import Leg, Right, Side
from engine.results.result import BacktestResult
from engine.simulation.loop import run_backtest
from engine.strategy.limits import RiskLimits
from engine.strategy.margin import estimate_margin_inr, is_defined_risk
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
from engine.strategy.selection import SelectionError
from engine.strategy.units import balanced_lots
from tests.unit.simulation.builder import contracts, load_market
from tests.unit.simulation.test_golden import M1, W1

MON = dt.date(2025, 1, 6)
LOTS = {W1: 75, M1: 25}
ATM = StrikeRule(StrikeMethod.ATM)
CAL = (LegSpec("short", Right.CE, Side.SELL, ATM, ExpiryRule(ExpiryMethod.WEEKLY_INDEX, 0)),
       LegSpec("long", Right.CE, Side.BUY, ATM, ExpiryRule(ExpiryMethod.MONTHLY_INDEX, 0)))
STAMPS = [dt.datetime.combine(MON, dt.time(9, 20)), dt.datetime.combine(MON, dt.time(12))]
# short weekly 22000 CE 100 -> 90, long monthly 22000 CE 250 -> 255
QUOTES = {(W1, 22000.0, "CE"): [100, 90], (M1, 22000.0, "CE"): [250, 255]}


def run(store: DuckDBStore, max_lots: int | None = None) -> BacktestResult:
    plan = StrategyPlan(name="cal", symbol="NIFTY", legs=CAL, start=MON, end=MON,
                        entry=EntryRules(window_start=dt.time(9, 20), window_end=dt.time(9, 20)),
                        exits=ExitRules(), costs=CostSpec(CostPreset.NONE),
                        risk=RiskLimits(max_lots=max_lots))
    return run_backtest(plan, store, contracts(lots_by_expiry=LOTS))


def test_a_calendar_across_lot_sizes_carries_equal_units(mem_store: DuckDBStore) -> None:
    load_market(mem_store, STAMPS, [22010.0, 22010.0], QUOTES, [(W1, "WEEKLY"), (M1, "MONTHLY")])
    res = run(mem_store)
    opening = [f for f in res.fills if f.ts == STAMPS[0]]
    # before: 1 lot each = -75 weekly units against +25 monthly: 50 naked short calls.
    # now: 1 weekly lot x 75 = 75 short, 3 monthly lots x 25 = 75 long
    assert sorted((f.leg_id, f.qty_units) for f in opening) == [("long", 75), ("short", -75)]
    t = res.trades[0]
    # P&L at 12:00 (END_OF_DATA): short (100 - 90) x 75 + long (255 - 250) x 75 = 1,125 INR
    assert t.pnl_gross_inr == pytest.approx(1125)
    # net premium per unit: -100 + 250 = a 150-point debit, x 75 units
    assert t.premium_inr == pytest.approx(-150 * 75)


def test_an_entry_that_cannot_be_balanced_within_max_lots_is_skipped(
        mem_store: DuckDBStore) -> None:
    load_market(mem_store, STAMPS, [22010.0, 22010.0], QUOTES, [(W1, "WEEKLY"), (M1, "MONTHLY")])
    res = run(mem_store, max_lots=2)  # the monthly leg needs 3 lots of 25 to match 75
    assert res.trades == []
    assert "cannot carry equal units within MaxLots 2" in res.skips[0].reason


def _leg(leg_id: str, side: Side, expiry: dt.date, lots: int = 1) -> Leg:
    return Leg(Right.CE, side, 22000.0, expiry, lots, leg_id=leg_id)


def test_balancing_keeps_the_configured_ratio_and_lcm() -> None:
    # 75 vs 50 (NIFTY's 2021 change): c must be a multiple of lcm(75, 50) = 150 -> 2 x 75, 3 x 50
    legs, note = balanced_lots([_leg("s", Side.SELL, W1), _leg("l", Side.BUY, M1)], [75, 50])
    assert [leg.lots for leg in legs] == [2, 3] and note is not None
    # a 1:2 ratio is kept in units: 75 short, 150 long -> 1 x 75, 6 x 25
    legs, _ = balanced_lots([_leg("s", Side.SELL, W1), _leg("l", Side.BUY, M1, 2)], [75, 25])
    assert [leg.lots for leg in legs] == [1, 6]
    # same lot size: nothing changes
    same = [_leg("s", Side.SELL, W1), _leg("l", Side.BUY, M1)]
    assert balanced_lots(same, [75, 75]) == (same, None)
    with pytest.raises(SelectionError, match="MaxLots 2"):
        balanced_lots(same, [75, 25], max_lots=2)


def test_defined_risk_and_margin_count_units() -> None:
    unbalanced = [_leg("s", Side.SELL, W1), _leg("l", Side.BUY, M1)]
    # 75 short units against 25 long: not defined risk (counted in lots it looked covered)
    assert not is_defined_risk(unbalanced, [75, 25])
    assert is_defined_risk(unbalanced)  # the lots-only view, what the engine used to do
    limits = RiskLimits()
    px = np.array([100.0, 250.0])
    naked = estimate_margin_inr(unbalanced, px, [75, 25], 22000.0, limits)
    # charged as naked: naked_margin_frac x 75 x 22,000
    assert naked == pytest.approx(limits.naked_margin_frac * 75 * 22000.0)
    balanced = [unbalanced[0], dataclasses.replace(unbalanced[1], lots=3)]
    covered = estimate_margin_inr(balanced, px, [75, 25], 22000.0, limits)
    # defined risk: the debit (250 - 100) x 75 + exposure_margin_frac x 75 x 22,000
    assert covered == pytest.approx(150 * 75 + limits.exposure_margin_frac * 75 * 22000.0)
