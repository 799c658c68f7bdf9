"""Breakevens wired into the engine: iron-fly closed form with costs and wings, calendar bands on
the legs' IVs (checked on a dense grid), approach/breach actions, success tracking, the
improvement check of adjustments and the PROBABILITY trigger.

Markets are the golden ones of tests/unit/simulation (NIFTY, lot 75, entry Mon 6 Jan 2025 09:20,
weekly expiry W1 = Thu 9 Jan, monthly M1 = Thu 30 Jan); costs off unless stated.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest
from scipy.stats import norm

from engine.config.enums import (
    BEApproachAction,
    BEBreachAction,
    CalendarBEMethod,
    CostPreset,
    IronFlyBEWings,
    RecalcFrequency,
)
from engine.config.models.breakeven import BreakevenConfig
from engine.data.duckdb_store import DuckDBStore
from engine.domain.lifecycle import ExitReason
from engine.domain.structures import Leg, PositionRole, Right, Side
from engine.results.records import FillRecord
from engine.results.result import BacktestResult
from engine.results.tables import breakevens_table, log_table, summary_table
from engine.simulation.loop import run_backtest
from engine.strategy.adjustments.rules import AdjAction, AdjRule, AdjustmentPolicy, Trig, TriggerSpec
from engine.strategy.adjustments.state import RuleState, SegmentView, TriggerInputs
from engine.strategy.adjustments.triggers import trigger_mask
from engine.strategy.breakevens import (
    BreakevenPlan,
    OpenBook,
    band_path,
    improvement_reason,
    open_book,
    touch_probability_path,
)
from engine.strategy.plan import CostSpec, ExitRules, ExpiryMethod, ExpiryRule, LegSpec, StrategyPlan
from tests.unit.simulation.builder import contracts, load_market
from tests.unit.simulation.test_adjustments import STAMPS as ADJ_STAMPS
from tests.unit.simulation.test_golden import (
    ATM,
    D1,
    D4,
    FLY_QUOTES,
    FLY_SPOT,
    M1,
    STAMPS,
    W1,
    WEEKLY,
    fly_legs,
    plan,
)

T0 = dt.datetime(2025, 1, 6, 9, 20)
MIN_PER_YEAR = 365 * 24 * 60


def _fill(leg: Leg, qty: int, px: float, costs: float = 0.0, slip: float = 0.0) -> FillRecord:
    return FillRecord(1, T0, leg.leg_id, leg.expiry, leg.strike, leg.right.value, qty, px, px, px,
                      slip, costs)


def _fly_book(costs: float = 0.0, slip: float = 0.0) -> OpenBook:
    legs = [Leg(Right.CE, Side.SELL, 22000.0, W1, 1, PositionRole.PRIMARY, "sc"),
            Leg(Right.PE, Side.SELL, 22000.0, W1, 1, PositionRole.PRIMARY, "sp"),
            Leg(Right.CE, Side.BUY, 22300.0, W1, 1, PositionRole.PRIMARY, "lc"),
            Leg(Right.PE, Side.BUY, 21700.0, W1, 1, PositionRole.PRIMARY, "lp")]
    qty = [-75, -75, 75, 75]
    px = [180.0, 175.0, 60.0, 55.0]
    fills = [_fill(leg, q, p, costs, slip) for leg, q, p in zip(legs, qty, px, strict=True)]
    return open_book("IRON_FLY", legs, qty, [75] * 4, fills)


def _band(bp: BreakevenPlan, book: OpenBook, sigma: float = 0.15) -> tuple[float, float]:
    ts = np.array([T0], dtype="datetime64[us]")
    lo, hi = band_path(bp, book, ts, np.array([22010.0]), np.full((1, 4), sigma), 0.0)
    return float(lo[0]), float(hi[0])


def test_iron_fly_band_with_costs_and_wing_modes() -> None:
    # credit (180 + 175 - 60 - 55) = 240 pts; no costs: 22000 -/+ 240
    assert _band(BreakevenPlan(), _fly_book()) == pytest.approx((21760, 22240))
    # costs 30 INR per fill: 4 x 30 paid + 4 x 30 again for the exit = 240 INR / 75 = 3.2 pts;
    # slippage 0.5 pts per fill: 4 x 0.5 x 75 = 150 INR / 75 = 2 pts -> costs 5.2 pts
    book = _fly_book(costs=30.0, slip=0.5)
    assert _band(BreakevenPlan(), book) == pytest.approx((21765.2, 22234.8))
    no_slip = BreakevenPlan(BreakevenConfig(include_slippage=False))
    assert _band(no_slip, book) == pytest.approx((21763.2, 22236.8))
    # EXCLUDE: straddle 355 pts (wings 60 + 55 = 115 paid apart): 22000 -/+ (355 - 5.2)
    excl = BreakevenPlan(BreakevenConfig(iron_fly_be_wings=IronFlyBEWings.EXCLUDE))
    assert _band(excl, book) == pytest.approx((21650.2, 22349.8))
    # WEIGHTED: wing cost counts with P(touch wing) under GBM (r = q = 0, sigma 15%, from
    # 09:20 Mon to 15:30 Thu = 3 days 6 h 10 min = 4690 min); first passage from the
    # REFERENCE closed form: P = N((nu T - b)/s) + exp(2 nu b / sigma^2) N((-nu T - b)/s)
    t = 4690 / MIN_PER_YEAR
    s = 0.15 * math.sqrt(t)

    def touch(barrier: float) -> float:
        nu, b = -0.5 * 0.15**2, math.log(barrier / 22010.0)
        if b < 0:
            nu, b = -nu, -b
        return float(norm.cdf((nu * t - b) / s) + math.exp(2 * nu * b / 0.15**2)
                     * norm.cdf((-nu * t - b) / s))
    p_put, p_call = touch(21700.0), touch(22300.0)
    weighted = BreakevenPlan(BreakevenConfig(iron_fly_be_wings=IronFlyBEWings.WEIGHTED))
    lo, hi = _band(weighted, book)
    assert lo == pytest.approx(22000 - (355 - p_put * 115 - 5.2), abs=1e-6)
    assert hi == pytest.approx(22000 + (355 - p_call * 115 - 5.2), abs=1e-6)


def _bs_call(s: np.ndarray, k: float, t: float, sigma: float) -> np.ndarray:
    if t <= 0:
        return np.maximum(s - k, 0.0)
    d1 = (np.log(s / k) + 0.5 * sigma**2 * t) / (sigma * math.sqrt(t))
    return np.asarray(s * norm.cdf(d1) - k * norm.cdf(d1 - sigma * math.sqrt(t)))


def _grid_roots(pnl: np.ndarray, grid: np.ndarray) -> tuple[float, float]:
    sign = np.flatnonzero(np.diff(np.sign(pnl)) != 0)
    roots = [float(np.interp(0.0, pnl[[i, i + 1]] if pnl[i] < pnl[i + 1] else pnl[[i + 1, i]],
                             grid[[i, i + 1]] if pnl[i] < pnl[i + 1] else grid[[i + 1, i]]))
             for i in sign]
    return roots[0], roots[-1]


def test_calendar_band_matches_a_dense_grid() -> None:
    short = Leg(Right.CE, Side.SELL, 22000.0, W1, 1, PositionRole.PRIMARY, "s")
    long = Leg(Right.CE, Side.BUY, 22000.0, M1, 1, PositionRole.PRIMARY, "l")
    # debit 150 pts (sell 100, buy 250) -> entry value +150 per unit
    book = open_book("CE_CALENDAR", [short, long], [-75, 75], [75, 75],
                     [_fill(short, -75, 100.0), _fill(long, 75, 250.0)])
    ts = np.array([T0], dtype="datetime64[us]")
    ivs = np.array([[0.12, 0.13]])
    t_front, t_back = 4690 / MIN_PER_YEAR, (4690 + 21 * 1440) / MIN_PER_YEAR  # M1 is 21 days later
    grid = np.linspace(20500.0, 23500.0, 300_001)
    # T+N: P&L at the front expiry = BS(back; T_back - T_front) - (S - K)+ - 150
    tn = BreakevenPlan(BreakevenConfig(calendar_be_method=CalendarBEMethod.TN))
    lo, hi = band_path(tn, book, ts, np.array([22010.0]), ivs, 0.0)
    pnl = _bs_call(grid, 22000, t_back - t_front, 0.13) - np.maximum(grid - 22000, 0) - 150
    assert (lo[0], hi[0]) == pytest.approx(_grid_roots(pnl, grid), abs=0.05)
    # T+0: P&L now = BS(back; T_back) - BS(front; T_front) - 150
    lo, hi = band_path(BreakevenPlan(), book, ts, np.array([22010.0]), ivs, 0.0)
    pnl0 = _bs_call(grid, 22000, t_back, 0.13) - _bs_call(grid, 22000, t_front, 0.12) - 150
    assert (lo[0], hi[0]) == pytest.approx(_grid_roots(pnl0, grid), abs=0.05)
    # WEIGHTED / OPTIMAL go through calendar_breakevens: a band around the strike
    for method in (CalendarBEMethod.WEIGHTED, CalendarBEMethod.OPTIMAL):
        bp = BreakevenPlan(BreakevenConfig(calendar_be_method=method))
        lo, hi = band_path(bp, book, ts, np.array([22010.0]), ivs, 0.0)
        assert lo[0] < 22000 < hi[0]
    # a leg without any IV: no band
    lo, _ = band_path(BreakevenPlan(), book, ts, np.array([22010.0]), np.array([[0.12, np.nan]]), 0.0)
    assert np.isnan(lo).all()
    off = BreakevenPlan(BreakevenConfig(enabled=False))
    assert np.isnan(band_path(off, book, ts, np.array([22010.0]), ivs, 0.0)[0]).all()


def _fly_plan(be: BreakevenConfig, exits: ExitRules | None = None) -> StrategyPlan:
    return dataclasses.replace(plan(exits or ExitRules()), breakeven=BreakevenPlan(be))


def test_approach_close_exits_with_reason_breakeven(mem_store: DuckDBStore) -> None:
    load_market(mem_store, STAMPS, FLY_SPOT, FLY_QUOTES, [(W1, "WEEKLY"), (M1, "MONTHLY")])
    be = BreakevenConfig(be_distance_alert=100.0, be_approach_action=BEApproachAction.CLOSE)
    res = run_backtest(_fly_plan(be, ExitRules(be_close_on_approach=True)), mem_store, contracts())
    # band 21760 / 22240; 11:00 spot 22150 is 90 <= 100 from 22240 -> APPROACH -> close at 11:00;
    # P&L then: -(260-180) - (60-175) + (80-60) + (20-55) = +20 pts x 75 = 1,500
    (t,) = res.trades
    assert t.exit_reason is ExitReason.BREAKEVEN and t.exit_ts == STAMPS[1]
    assert t.pnl_gross_inr == pytest.approx(1500)


def test_breach_close_exits_at_the_first_bar_beyond(mem_store: DuckDBStore) -> None:
    load_market(mem_store, STAMPS, FLY_SPOT, FLY_QUOTES, [(W1, "WEEKLY"), (M1, "MONTHLY")])
    be = BreakevenConfig(be_distance_alert=100.0, be_breach_action=BEBreachAction.CLOSE)
    res = run_backtest(_fly_plan(be, ExitRules(be_close_on_breach=True)), mem_store, contracts())
    # 14:00 spot 22380 > 22240 -> BREACH -> close; P&L -50 pts x 75 = -3,750 (golden stop test);
    # the 11:00 approach (ALERT) is one log line
    (t,) = res.trades
    assert t.exit_reason is ExitReason.BREAKEVEN and t.exit_ts == STAMPS[2]
    assert t.pnl_gross_inr == pytest.approx(-3750)
    assert res.log == ["trade 1: 2025-01-06 11:00:00 spot 22150.00 approached its breakeven band "
                       "[21760.00, 22240.00] (BEApproachAction ALERT)"]


def test_alerts_logged_and_success_tracked(mem_store: DuckDBStore) -> None:
    load_market(mem_store, STAMPS, FLY_SPOT, FLY_QUOTES, [(W1, "WEEKLY"), (M1, "MONTHLY")])
    res = run_backtest(_fly_plan(BreakevenConfig(be_distance_alert=100.0)), mem_store, contracts())
    assert res.trades[0].exit_reason is ExitReason.EXPIRY
    assert len(res.log) == 2 and "breached" in res.log[1] and "BEBreachAction HOLD" in res.log[1]
    # spot inside [21760, 22240] on 5 of 6 bars (22380 is out): never-left = False
    assert res.be_stats == [(1, pytest.approx(5 / 6), False)]
    rows = dict((r[0], r[1]) for r in summary_table([res])[1])
    assert rows["be_success_rate"] == 0.0 and rows["be_time_inside_frac"] == pytest.approx(5 / 6)
    notes = [row for row in log_table([res])[1] if row[1] == "NOTE"]
    assert rows["log_lines"] == 2 and notes[1] == ["golden", "NOTE", None, res.log[1]]
    headers, be_rows = breakevens_table([res])
    assert headers[-2:] == ["be_lower_pts", "be_upper_pts"] and len(be_rows) == 6
    assert be_rows[0][-2:] == [pytest.approx(21760), pytest.approx(22240)]


def test_calendar_series_fill_bt_breakevens(mem_store: DuckDBStore) -> None:
    quotes = {(W1, 22000.0, "CE"): [100, 90, 80, 85, 90], (M1, 22000.0, "CE"): [250, 255, 265, 262, 255]}
    load_market(mem_store, STAMPS[:5], [22010] * 5, quotes, [(W1, "WEEKLY"), (M1, "MONTHLY")])
    legs = (LegSpec("short", Right.CE, Side.SELL, ATM, WEEKLY),
            LegSpec("long", Right.CE, Side.BUY, ATM, ExpiryRule(ExpiryMethod.MONTHLY_INDEX, 0)))
    p = dataclasses.replace(plan(ExitRules(), legs), breakeven=BreakevenPlan(BreakevenConfig(
        calendar_be_method=CalendarBEMethod.TN, recalc_frequency=RecalcFrequency.DAILY)))
    res = run_backtest(p, mem_store, contracts())
    _, rows = breakevens_table([res])
    # one band per day (DAILY): the 3 bars of Monday share one, Thursday's 2 bars another
    assert len(rows) == 5 and rows[0][-2:] == rows[2][-2:] and rows[3][-2:] == rows[4][-2:]
    lo, hi = rows[0][-2:]
    assert lo < 22000 < hi  # a calendar profits around its strike at the front expiry


def test_improvement_required_blocks_a_roll(mem_store: DuckDBStore) -> None:
    q = {(W1, 22000.0, "CE"): [180, 150, 60, 55], (W1, 22000.0, "PE"): [175, 200, 300, 305],
         (W1, 22300.0, "CE"): [60, 50, 15, 14], (W1, 21700.0, "PE"): [55, 70, 120, 118],
         (W1, 21800.0, "CE"): [250, 220, 110, 108], (W1, 21800.0, "PE"): [120, 140, 210, 205]}
    load_market(mem_store, ADJ_STAMPS, [22010, 21900, 21780, 21790], q, [(W1, "WEEKLY")])

    def run(required: float | None, maintain: bool = False) -> BacktestResult:
        rule = AdjRule("DOWN", AdjAction.ROLL_DOWN, TriggerSpec(price_move_pts=200),
                       be_improvement_pts=required)
        p = StrategyPlan(name="x", symbol="NIFTY", legs=fly_legs(), start=D1, end=D1,
                         entry=plan(ExitRules()).entry, costs=CostSpec(CostPreset.NONE),
                         adjustments=AdjustmentPolicy(rules=(rule,)),
                         breakeven=BreakevenPlan(maintain_be=maintain))
        return run_backtest(p, mem_store, contracts())
    # 11:00 spot 21780: before [21760, 22240] -> nearer BE 20 pts away. After the roll the
    # band comes from the payoff of the legs held: shorts 21800, wings 21700 PE / 22300 CE,
    # credit 240 - 40 = 200 a unit; below 21700 the payoff is 200 - 100 = +100, so there is no
    # lower breakeven, and the upper one is 21800 + 200 = 22000 -> 220 away: improvement 200
    blocked = run(250.0)  # retried 30 min later (12:00) and blocked again: never applied
    assert {a.status for a in blocked.adjustments} == {"BLOCKED"}
    assert "improves by 200.00 pts, below BEImprovementRequired 250" in blocked.adjustments[0].reason
    assert [a.status for a in run(200.0).adjustments] == ["APPLIED"]
    # MaintainBEInAdjustments: no lower breakeven is left, so the band does not narrow
    # (the old closed form said [21600, 22000], 480 -> 400, and blocked it)
    assert [a.status for a in run(None, maintain=True).adjustments] == ["APPLIED"]


def test_improvement_reason_by_hand() -> None:
    bp = BreakevenPlan()
    assert improvement_reason(bp, 10.0, 100.0, (90.0, 130.0), (80.0, 130.0)) is None  # 10 -> 20
    assert "cannot be checked" in (improvement_reason(bp, 10.0, 100.0, (90.0, 130.0),
                                                      (math.nan, math.nan)) or "")
    assert improvement_reason(bp, None, 100.0, (90.0, 130.0), (95.0, 105.0)) is None


def _view(spot: list[float]) -> SegmentView:
    n = len(spot)
    ts = np.array([T0 + dt.timedelta(minutes=5 * i) for i in range(n)], dtype="datetime64[us]")
    z = np.zeros(n)
    return SegmentView(ts=ts, spot=np.array(spot), pnl_inr=z, greeks={"delta": z},
                       ref_spot=spot[0], premium_base_inr=1.0, iv=z, iv_entry=0.1)


def test_probability_and_band_triggers() -> None:
    spot = [22010.0, 22100.0, 22200.0, 22250.0]
    view = _view(spot)
    lo, hi = np.full(4, 21760.0), np.full(4, 22240.0)
    # one-sided check of the path: with upper = +inf, P(touch) is the first-passage probability
    # of 21760 from each spot (sigma 15%, time left to Thu 15:30, r = 0), computed at every bar
    ts = view.ts
    prob = touch_probability_path(ts, view.spot, lo, np.full(4, np.inf), np.full(4, 0.15), W1,
                                  0.0, RecalcFrequency.MINUTE)
    t0 = 4690 / MIN_PER_YEAR
    nu, b, s = 0.5 * 0.15**2, math.log(22010 / 21760), 0.15 * math.sqrt(t0)  # mirrored: nu -> -nu
    ref = norm.cdf((nu * t0 - b) / s) + math.exp(2 * nu * b / 0.15**2) * norm.cdf((-nu * t0 - b) / s)
    assert prob[0] == pytest.approx(ref, rel=1e-9)
    both = touch_probability_path(ts, view.spot, lo, hi, np.full(4, 0.15), W1, 0.0,
                                  RecalcFrequency.HOURLY)
    assert both[3] == pytest.approx(both[0]) and both[0] > prob[0]  # hourly: carried forward
    rule = AdjRule("P", AdjAction.ROLL_UP, TriggerSpec(kinds=frozenset({Trig.BREAKEVEN}),
                                                       be_type="PROBABILITY"))
    inputs = TriggerInputs(lower=lo, upper=hi, touch_prob=np.array([0.5, 0.6, 0.8, 1.0]))
    m, why = trigger_mask(rule, view, RuleState(), inputs, 0.7)
    assert why is None and m.tolist() == [False, False, True, True]
    breach = dataclasses.replace(rule, trigger=dataclasses.replace(rule.trigger, be_type="BREACH"))
    assert trigger_mask(breach, view, RuleState(), inputs, 0.7)[0].tolist() == [False] * 3 + [True]
    dist = dataclasses.replace(rule, trigger=dataclasses.replace(rule.trigger, be_type="DISTANCE",
                                                                 be_distance_pts=50.0))
    # 22200 is 40 from 22240 -> bars 2 (and 3, beyond)
    assert trigger_mask(dist, view, RuleState(), inputs, 0.7)[0].tolist() == [False, False, True, True]
    no_d = dataclasses.replace(rule, trigger=dataclasses.replace(rule.trigger, be_type="DISTANCE"))
    assert "BEDistanceTrigger" in (trigger_mask(no_d, view, RuleState(), inputs, 0.7)[1] or "")
    assert "BEEnabled" in (trigger_mask(rule, view, RuleState(), TriggerInputs(), 0.7)[1] or "")
    no_p = TriggerInputs(lower=lo, upper=hi)
    assert "unavailable" in (trigger_mask(rule, view, RuleState(), no_p, 0.7)[1] or "")
    assert BreakevenPlan(probability_by_rule=(("P", 0.9),)).probability_for("P") == 0.9
    assert BreakevenPlan().probability_for("Q") == 0.3  # BEProbabilityThreshold default


def test_probability_rule_in_a_run(mem_store: DuckDBStore) -> None:
    load_market(mem_store, STAMPS, FLY_SPOT, FLY_QUOTES, [(W1, "WEEKLY"), (M1, "MONTHLY")])
    rule = AdjRule("P", AdjAction.ROLL_UP, TriggerSpec(kinds=frozenset({Trig.BREAKEVEN}),
                                                       be_type="PROBABILITY"))
    p = dataclasses.replace(plan(ExitRules()), end=D4, adjustments=AdjustmentPolicy(rules=(rule,)),
                            breakeven=BreakevenPlan(probability_by_rule=(("P", 0.999),)))
    res = run_backtest(p, mem_store, contracts())
    # 14:00 spot 22380 is outside the band: P(touch) = 1 >= 0.999 -> the rule fires there
    assert res.adjustments and res.adjustments[0].ts == STAMPS[2]


def test_exit_rules_vector_equals_scalar_with_sr_and_band_states() -> None:
    from engine.strategy.exits import PathState, first_exit, first_exit_scalar
    n = 6
    z = np.zeros(n)
    brk = np.array([False, False, False, True, True, False])
    be_state = np.array([0, 1, 0, 2, 2, 0], dtype=np.int8)  # APPROACH at 1, BREACH at 3

    def state(**kw: object) -> PathState:
        return PathState(pnl_inr=z, delta=z, gamma=z, vega_inr=z, theta_inr=z,
                         after_exit_time=np.zeros(n, dtype=bool), premium_base_inr=1.0,
                         **kw)  # type: ignore[arg-type]
    cases = [(ExitRules(exit_on_sr_break=True), state(sr_break=brk), (3, ExitReason.SR_BREAK)),
             (ExitRules(be_close_on_approach=True), state(be_state=be_state), (1, ExitReason.BREAKEVEN)),
             (ExitRules(be_close_on_breach=True), state(be_state=be_state), (3, ExitReason.BREAKEVEN)),
             # same bar: the S/R break ranks before the breakeven exit
             (ExitRules(exit_on_sr_break=True, be_close_on_breach=True),
              state(sr_break=brk, be_state=be_state), (3, ExitReason.SR_BREAK)),
             (ExitRules(exit_on_sr_break=True), state(), None)]
    for rules, s, want in cases:
        vec, ref = first_exit(s, rules), first_exit_scalar(s, rules)
        assert vec == ref
        assert (None if vec is None else (vec.bar, vec.reason)) == want


def test_config_maps_structure_and_breakeven_fields() -> None:
    import copy

    from engine.config.acted_on import ACTED_ON
    from engine.config.examples import template_strategies
    from engine.config.models.strategy import StrategyConfig
    from engine.strategy.from_config import plan_from_config
    raw = copy.deepcopy(template_strategies()["Demo_Weekly_IronFly"])
    raw.setdefault("market_structure", {}).update(use_for_entry=True, use_for_exit=False,
                                                   use_for_adjustment=True, proximity_pts=30.0)
    raw.setdefault("entry_rules", {}).update(sr_proximity_required=True)
    raw.setdefault("exit_rules", {}).update(exit_on_sr_break=True, sr_break_buffer_pts=15.0)
    raw.setdefault("breakeven_config", {}).update(be_approach_action="CLOSE",
                                                  be_breach_action="HOLD",
                                                  maintain_be_in_adjustments=False)
    day = dt.date(2025, 1, 1)
    p = plan_from_config(StrategyConfig.model_validate(raw), day, day)
    assert p.structure.entry_filter and p.structure.adjustments and p.structure.exit_on_break
    assert p.structure.break_buffer_pts == 15.0 and p.structure.config is not None
    assert p.structure.config.proximity_pts == 30.0
    assert p.exits.exit_on_sr_break and p.exits.be_close_on_approach
    assert not p.exits.be_close_on_breach and not p.breakeven.maintain_be
    assert {"market_structure.use_for_entry", "breakeven_config.calendar_be_method",
            "adjustment_rules.be_probability_trigger", "exit_rules.exit_on_sr_break"} <= ACTED_ON
