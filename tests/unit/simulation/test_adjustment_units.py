"""Adjustments across two lot sizes keep the position balanced in units, as entry does.

The weekly series (W1 9 Jan, W2 16 Jan) trade 75 a lot and the monthly M1 (30 Jan) 25, as
NIFTY's did in January 2025. Costs off, bar-close fills, entry Monday 6 Jan 09:20, runs end on
the last stamp (END_OF_DATA). Every quantity and rupee figure is worked out in the comments.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict

import pytest

from engine.config.enums import CostPreset
from engine.data.duckdb_store import DuckDBStore
from engine.domain.structures import Right, Side
from engine.results.result import BacktestResult
from engine.simulation.loop import run_backtest
from engine.strategy.adjustments.rolling import RollParams
from engine.strategy.adjustments.rules import AdjAction, AdjRule, AdjustmentPolicy, TriggerSpec
from engine.strategy.limits import RiskLimits
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
from tests.unit.simulation.builder import contracts, load_market
from tests.unit.simulation.test_golden import M1, W1

W2 = dt.date(2025, 1, 16)
D1 = dt.date(2025, 1, 6)
LOTS = {W1: 75, W2: 75, M1: 25}
ATM = StrikeRule(StrikeMethod.ATM)
STAMPS = [dt.datetime.combine(D1, dt.time(h, m)) for h, m in ((9, 20), (10, 0), (11, 0), (12, 0))]
LISTED = [(W1, "WEEKLY"), (W2, "WEEKLY"), (M1, "MONTHLY")]


def calendar(long_expiry: ExpiryRule) -> tuple[LegSpec, ...]:
    return (LegSpec("short", Right.CE, Side.SELL, ATM, ExpiryRule(ExpiryMethod.WEEKLY_INDEX, 0)),
            LegSpec("long", Right.CE, Side.BUY, ATM, long_expiry))


def run(store: DuckDBStore, legs: tuple[LegSpec, ...], rule: AdjRule,
        max_lots: int | None = None) -> BacktestResult:
    p = StrategyPlan(name="adj", symbol="NIFTY", legs=legs, start=D1, end=D1,
                     entry=EntryRules(window_start=dt.time(9, 20), window_end=dt.time(9, 20)),
                     exits=ExitRules(), costs=CostSpec(CostPreset.NONE),
                     adjustments=AdjustmentPolicy(rules=(rule,)), risk=RiskLimits(max_lots=max_lots))
    res = run_backtest(p, store, contracts(lots_by_expiry=LOTS))
    for t in res.trades:  # P&L = sum of fill cash flows, adjustments included
        assert t.pnl_gross_inr == pytest.approx(sum(f.cash_inr for f in res.fills
                                                    if f.trade_id == t.trade_id))
    return res


def net_units(res: BacktestResult, upto: dt.datetime) -> dict[tuple[str, str], int]:
    """Signed units held per (right, leg family) after the fills up to ``upto``."""
    out: dict[tuple[str, str], int] = defaultdict(int)
    for f in res.fills:
        if f.ts <= upto:
            out[(f.right, f.leg_id.split("@")[0])] += f.qty_units
    return dict(out)


def test_double_calendar_across_lot_sizes_carries_the_first_calendars_units(
        mem_store: DuckDBStore) -> None:
    q = {(W1, 22000.0, "CE"): [100, 80, 50, 45], (M1, 22000.0, "CE"): [250, 230, 190, 185],
         (W1, 21850.0, "PE"): [90, 100, 110, 108], (M1, 21850.0, "PE"): [260, 265, 280, 282]}
    load_market(mem_store, STAMPS, [22010, 21950, 21840, 21845], q, LISTED)
    rule = AdjRule("DC", AdjAction.DOUBLE_CALENDAR, TriggerSpec(price_move_pts=150))
    res = run(mem_store, calendar(ExpiryRule(ExpiryMethod.MONTHLY_INDEX, 0)), rule)
    adj = next(a for a in res.adjustments if a.status == "APPLIED")
    assert adj.ts == STAMPS[2] and adj.opened == ("dc_short_PE", "dc_long_PE")
    opened = {f.leg_id: f.qty_units for f in res.fills if f.ts == STAMPS[2]}
    # the first calendar's short is 1 lot x 75 = 75 units: the second calendar sells 1 weekly
    # lot x 75 = 75 and buys 3 monthly lots x 25 = 75 (before: 3 lots each, -225 against +75)
    assert opened == {"dc_short_PE": -1 * 75, "dc_long_PE": 3 * 25}
    held = net_units(res, STAMPS[2])
    assert held[("CE", "short")] + held[("CE", "long")] == -75 + 75 == 0
    assert held[("PE", "dc_short_PE")] + held[("PE", "dc_long_PE")] == -75 + 75 == 0
    # cash: sell 21850 PE W1 at 110 x 75, buy 21850 PE M1 at 280 x 75 -> -170 x 75 = -12,750
    assert adj.cash_inr == pytest.approx((110 - 280) * 75)
    # P&L, 75 units a leg: CE (100 - 45) + (185 - 250) = -10; PE (110 - 108) + (282 - 280) = 4
    assert res.trades[0].pnl_gross_inr == pytest.approx((-10 + 4) * 75)
    assert "balanced in units: dc_short_PE 1 x 75, dc_long_PE 3 x 25 = 75 units each" in adj.reason


# a weekly calendar (short W1, long W2, both 75 a lot) whose short is rolled diagonally out to
# the monthly M1 (new_dte 24 from Mon 6 Jan -> 30 Jan), which trades 25 a lot
DIAG_QUOTES = {(W1, 22000.0, "CE"): [100, 150, 280, 290], (W2, 22000.0, "CE"): [180, 230, 340, 350],
               (M1, 22250.0, "CE"): [200, 240, 330, 335]}
DIAG = AdjRule("DIAG", AdjAction.ROLL_DIAGONAL, TriggerSpec(price_move_pts=200),
               params=RollParams(new_dte=24))
WEEKLY_CAL = calendar(ExpiryRule(ExpiryMethod.WEEKLY_INDEX, 1))


def test_a_diagonal_roll_to_a_smaller_lot_size_keeps_the_units(mem_store: DuckDBStore) -> None:
    load_market(mem_store, STAMPS, [22010, 22100, 22250, 22260], DIAG_QUOTES, LISTED)
    res = run(mem_store, WEEKLY_CAL, DIAG)
    entry = {f.leg_id: (f.expiry, f.qty_units) for f in res.fills if f.ts == STAMPS[0]}
    assert entry == {"short": (W1, -75), "long": (W2, 75)}  # 1 lot x 75 each
    adj = next(a for a in res.adjustments if a.status == "APPLIED")
    # 11:00: +240 >= 200 -> the 22000 CE short of W1 (75 units) is bought back at 280 and the
    # ATM 22250 CE of M1 sold at 330: 75 units = 3 lots x 25 (before: 1 lot = 25 units)
    assert adj.ts == STAMPS[2] and adj.reason == "shift +250 pts, to 2025-01-30"
    rolled = {f.leg_id: (f.expiry, f.qty_units) for f in res.fills if f.ts == STAMPS[2]}
    assert rolled == {"short": (W1, +75), "short@22250": (M1, -3 * 25)}
    held = net_units(res, STAMPS[2])
    assert held[("CE", "short")] + held[("CE", "long")] == (-75 + 75 - 75) + 75 == 0
    # cash: buy back 280 x 75, sell 330 x 75 -> +50 x 75 = 3,750
    assert adj.cash_inr == pytest.approx((-280 + 330) * 75)
    # P&L x 75: short 100 - 280 = -180; long 350 - 180 = +170; new short 330 - 335 = -5
    assert res.trades[0].pnl_gross_inr == pytest.approx((-180 + 170 - 5) * 75)


def test_a_roll_that_cannot_keep_its_units_within_max_lots_is_blocked(
        mem_store: DuckDBStore) -> None:
    load_market(mem_store, STAMPS, [22010, 22100, 22250, 22260], DIAG_QUOTES, LISTED)
    res = run(mem_store, WEEKLY_CAL, DIAG, max_lots=2)  # the entry is 1 lot a leg
    assert [f.leg_id for f in res.fills if f.ts == STAMPS[0]] == ["short", "long"]
    blocked = [a for a in res.adjustments if a.status == "BLOCKED"]
    # 75 units in lots of 25 are 3 lots, above MaxLots 2: no roll, no 25-unit short instead
    assert blocked and blocked[0].ts == STAMPS[2]
    assert blocked[0].reason.startswith(
        "short@22250: keeping 75 units needs 3 lots of 25 (2025-01-30), more than MaxLots 2")
    assert [a for a in res.adjustments if a.status == "APPLIED"] == []
    assert {f.ts for f in res.fills} == {STAMPS[0], STAMPS[-1]}  # entry and END_OF_DATA only


def test_same_lot_sizes_size_the_second_calendar_as_before(mem_store: DuckDBStore) -> None:
    # a 2-lot calendar at one lot size (75): the second calendar is 2 lots a leg, 150 units
    q = {(W1, 22000.0, "CE"): [100, 80, 50, 45], (M1, 22000.0, "CE"): [250, 230, 190, 185],
         (W1, 21850.0, "PE"): [90, 100, 110, 108], (M1, 21850.0, "PE"): [260, 265, 280, 282]}
    load_market(mem_store, STAMPS, [22010, 21950, 21840, 21845], q, LISTED)
    legs = tuple(dataclasses.replace(leg, lots=2)
                 for leg in calendar(ExpiryRule(ExpiryMethod.MONTHLY_INDEX, 0)))
    p = StrategyPlan(name="adj", symbol="NIFTY", legs=legs, start=D1, end=D1,
                     entry=EntryRules(window_start=dt.time(9, 20), window_end=dt.time(9, 20)),
                     exits=ExitRules(), costs=CostSpec(CostPreset.NONE),
                     adjustments=AdjustmentPolicy(rules=(AdjRule(
                         "DC", AdjAction.DOUBLE_CALENDAR, TriggerSpec(price_move_pts=150)),)))
    res = run_backtest(p, mem_store, contracts())
    opened = {f.leg_id: f.qty_units for f in res.fills if f.ts == STAMPS[2]}
    assert opened == {"dc_short_PE": -2 * 75, "dc_long_PE": 2 * 75}
    adj = next(a for a in res.adjustments if a.status == "APPLIED")
    assert adj.reason == "second PE calendar at 21850"  # no balancing note at one lot size


def test_a_trades_lots_times_lot_size_are_its_first_legs_units(mem_store: DuckDBStore) -> None:
    # the weekly short trades 25 a lot and the monthly long 75 (swapped from LOTS): one lot of the
    # monthly is 75 units, so the short is 3 weekly lots x 25 = 75 units; the trade row says
    # 3 lots of 25 (before: "1 lot, lot size 25" beside 75-unit fills)
    q = {(W1, 22000.0, "CE"): [100, 90, 80, 70], (M1, 22000.0, "CE"): [250, 245, 240, 235]}
    load_market(mem_store, STAMPS, [22010, 22000, 21990, 21995], q, LISTED)
    p = StrategyPlan(name="cal", symbol="NIFTY", legs=calendar(ExpiryRule(ExpiryMethod.MONTHLY_INDEX, 0)),
                     start=D1, end=D1,
                     entry=EntryRules(window_start=dt.time(9, 20), window_end=dt.time(9, 20)),
                     exits=ExitRules(), costs=CostSpec(CostPreset.NONE))
    res = run_backtest(p, mem_store, contracts(lots_by_expiry={W1: 25, W2: 25, M1: 75}))
    entry = {f.leg_id: f.qty_units for f in res.fills if f.ts == STAMPS[0]}
    assert entry == {"short": -3 * 25, "long": 1 * 75}
    t = res.trades[0]
    assert (t.lots, t.lot_size) == (3, 25) and t.lots * t.lot_size == 75
    # P&L, 75 units a leg: short 100 - 70 = +30, long 235 - 250 = -15 -> +15 x 75 = 1,125
    assert t.pnl_gross_inr == pytest.approx((30 - 15) * 75)
