"""Golden adjustment scenarios on constructed chains; every number is worked out in comments.

NIFTY, lot size 75, 1 lot unless stated, costs off, bar-close fills. Entry Monday 6 Jan 2025
09:20; weekly expiry W1 = Thu 9 Jan, monthly M1 = Thu 30 Jan. Runs end on the last stamp
(END_OF_DATA) so every fill is a bar close typed in below.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import pyarrow as pa
import pytest

from engine.config.enums import CostPreset
from engine.data.duckdb_store import DuckDBStore
from engine.domain.structures import Right, Side
from engine.results.result import BacktestResult
from engine.simulation.loop import run_backtest
from engine.strategy.adjustments.dynamic_hedge import HedgeParams
from engine.strategy.adjustments.reverse_buy import ReverseBuyParams
from engine.strategy.adjustments.rolling import RollParams
from engine.strategy.adjustments.rules import AdjAction, AdjRule, AdjustmentPolicy, Trig, TriggerSpec
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
from tests.unit.simulation.test_golden import M1, W1, fly_legs

D1, D2 = dt.date(2025, 1, 6), dt.date(2025, 1, 7)
ATM = StrikeRule(StrikeMethod.ATM)


def at(d: dt.date, h: int, m: int = 0) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(h, m))


STAMPS = [at(D1, 9, 20), at(D1, 10), at(D1, 11), at(D1, 12)]


def cal_legs() -> tuple[LegSpec, ...]:
    return (LegSpec("short", Right.CE, Side.SELL, ATM, ExpiryRule(ExpiryMethod.WEEKLY_INDEX, 0)),
            LegSpec("long", Right.CE, Side.BUY, ATM, ExpiryRule(ExpiryMethod.MONTHLY_INDEX, 0)))


def run(store: DuckDBStore, legs: tuple[LegSpec, ...], rules: tuple[AdjRule, ...],
        end: dt.date = D1, lots: int = 1, **policy: object) -> BacktestResult:
    legs = tuple(dataclasses.replace(leg, lots=lots) for leg in legs)
    p = StrategyPlan(name="adj", symbol="NIFTY", legs=legs, start=D1, end=end,
                     entry=EntryRules(window_start=dt.time(9, 20), window_end=dt.time(9, 20)),
                     exits=ExitRules(), costs=CostSpec(CostPreset.NONE),
                     adjustments=AdjustmentPolicy(rules=rules, **policy))  # type: ignore[arg-type]
    res = run_backtest(p, store, contracts())
    for t in res.trades:  # P&L = sum of fill cash flows, adjustments included
        assert t.pnl_gross_inr == pytest.approx(sum(f.cash_inr for f in res.fills
                                                    if f.trade_id == t.trade_id))
    return res


def applied(res: BacktestResult) -> list[tuple[str, str]]:
    return [(a.rule_id, a.action) for a in res.adjustments if a.status == "APPLIED"]


def test_calendar_rolled_up_once(mem_store: DuckDBStore) -> None:
    q = {(W1, 22000.0, "CE"): [100, 150, 280, 290], (M1, 22000.0, "CE"): [250, 300, 420, 430],
         (W1, 22250.0, "CE"): [20, 50, 120, 125], (M1, 22250.0, "CE"): [140, 170, 260, 265]}
    load_market(mem_store, STAMPS, [22010, 22100, 22250, 22260], q,
                [(W1, "WEEKLY"), (M1, "MONTHLY")])
    rule = AdjRule("R1", AdjAction.ROLL_UP, TriggerSpec(price_move_frac=0.01),
                   params=RollParams(roll_long_leg=True))
    res = run(mem_store, cal_legs(), (rule,))
    # 1% of 22,010 = 220.1 pts: 10:00 moved +90 (no), 11:00 moved +240 -> roll to ATM 22,250
    assert applied(res) == [("R1", "ROLL_UP")]
    adj = next(a for a in res.adjustments if a.status == "APPLIED")
    assert adj.ts == at(D1, 11) and adj.reason == "shift +250 pts"
    # roll cash: buy back 22000 W1 at 280, sell 22000 M1 at 420, sell 22250 W1 at 120,
    # buy 22250 M1 at 260 -> (-280 + 420 + 120 - 260) x 75 = 0
    assert adj.cash_inr == pytest.approx(0.0)
    # P&L: first calendar (100 - 280) + (420 - 250) = -10; second (120 - 125) + (265 - 260) = 0
    # -> -10 x 75 = -750
    t = res.trades[0]
    assert t.adjustments == 1 and t.pnl_gross_inr == pytest.approx(-750)
    assert {f.strike for f in res.fills if f.ts == at(D1, 12)} == {22250.0}


def test_iron_fly_rolled_down(mem_store: DuckDBStore) -> None:
    q = {(W1, 22000.0, "CE"): [180, 150, 60, 55], (W1, 22000.0, "PE"): [175, 200, 300, 305],
         (W1, 22300.0, "CE"): [60, 50, 15, 14], (W1, 21700.0, "PE"): [55, 70, 120, 118],
         (W1, 21800.0, "CE"): [250, 220, 110, 108], (W1, 21800.0, "PE"): [120, 140, 210, 205]}
    load_market(mem_store, STAMPS, [22010, 21900, 21780, 21790], q, [(W1, "WEEKLY")])
    rule = AdjRule("DOWN", AdjAction.ROLL_DOWN, TriggerSpec(price_move_pts=200))
    res = run(mem_store, fly_legs(), (rule,))
    # 11:00: 21,780 - 22,010 = -230 <= -200 -> shorts to ATM 21,800 (nearest listed strike)
    assert applied(res) == [("DOWN", "ROLL_DOWN")]
    adj = next(a for a in res.adjustments if a.status == "APPLIED")
    assert adj.closed == ("short_call", "short_put")
    # roll cash: buy back 22000 CE 60 and PE 300, sell 21800 CE 110 and PE 210
    # (-60 - 300 + 110 + 210) x 75 = -3,000
    assert adj.cash_inr == pytest.approx(-3000)
    # legs' P&L: 22000CE +120, 22000PE -125, 22300CE -46, 21700PE +63, 21800CE +2, 21800PE +5
    # = 19 pts x 75 = 1,425
    assert res.trades[0].pnl_gross_inr == pytest.approx(1425)
    # breakevens of the fly before: 22,000 -/+ 240. After, from the payoff of the legs held
    # (shorts 21,800 CE/PE, wings 21,700 PE and 22,300 CE, credit 240 - 40 = 200 per unit):
    # below 21,700 the payoff is 200 - (21,800 - 21,700) = +100 for every S: no lower breakeven
    # (the old closed form said 21,800 - 200 = 21,600, where the position makes +100);
    # above: 200 - (S - 21,800) = 0 at S = 22,000 (before the 22,300 wing)
    assert adj.be_before == (pytest.approx(21760), pytest.approx(22240))
    assert adj.be_after == (-math.inf, pytest.approx(22000))


def test_reverse_buy_tranches_and_scalp(mem_store: DuckDBStore) -> None:
    stamps = [*STAMPS, at(D1, 13)]
    q = {(W1, 22000.0, "CE"): [180, 230, 300, 310, 250], (W1, 22000.0, "PE"): [175, 120, 70, 65, 90],
         (W1, 22300.0, "CE"): [60, 80, 110, 115, 90], (W1, 21700.0, "PE"): [55, 40, 25, 24, 30],
         (W1, 22100.0, "CE"): [130, 50, 75, 90, 60], (W1, 22200.0, "CE"): [90, 30, 40, 60, 45]}
    load_market(mem_store, stamps, [22010, 22120, 22230, 22240, 22150], q, [(W1, "WEEKLY")])
    rule = AdjRule("RB", AdjAction.REVERSE_BUY, TriggerSpec(price_move_pts=100), max_times=4,
                   max_debit_frac=0.25, params=ReverseBuyParams(parts=4, part_lots=1, scalp_frac=0.70))
    res = run(mem_store, fly_legs(), (rule,))
    # levels: 22,010 + 100 = 22,110 (tranche 1), + 200 = 22,210 (tranche 2), + 300 (tranche 3)
    # 10:00 spot 22,120 -> T1: buy ATM 22,100 CE at 50 (3,750 <= 25% of credit 18,000 = 4,500)
    # 11:00 spot 22,230 -> T2: buy ATM 22,200 CE at 40
    # 12:00 T1 at 90 >= 50 x 1.7 = 85 -> scalp: sell at 90 (+40 x 75 = +3,000)
    # 13:00 spot 22,150: T2's previous level 22,110 not reached; tranche 3 needs 22,310
    fills = [(f.ts.time(), f.leg_id, f.qty_units, f.price_pts) for f in res.fills
             if f.leg_id.startswith("RB_T")]
    assert fills[:3] == [(dt.time(10), "RB_T1", 75, 50.0), (dt.time(11), "RB_T2", 75, 40.0),
                         (dt.time(12), "RB_T1", -75, 90.0)]
    assert [a.action for a in res.adjustments if a.status == "APPLIED"] == [
        "REVERSE_BUY", "REVERSE_BUY", "REVERSE_BUY_SCALP"]


def test_reverse_buy_tranche_over_debit_cap_is_blocked(mem_store: DuckDBStore) -> None:
    q = {(W1, 22000.0, "CE"): [180, 230, 300, 310], (W1, 22000.0, "PE"): [175, 120, 70, 65],
         (W1, 22300.0, "CE"): [60, 80, 110, 115], (W1, 21700.0, "PE"): [55, 40, 25, 24],
         (W1, 22100.0, "CE"): [130, 80, 75, 90]}
    load_market(mem_store, STAMPS, [22010, 22120, 22130, 22140], q, [(W1, "WEEKLY")])
    rule = AdjRule("RB", AdjAction.REVERSE_BUY, TriggerSpec(price_move_pts=100), max_times=4,
                   max_debit_frac=0.25)
    res = run(mem_store, fly_legs(), (rule,))
    # T1 at 80 x 75 = 6,000 > 25% x 18,000 = 4,500 -> blocked, recorded with the reason
    blocked = [a for a in res.adjustments if a.status == "BLOCKED"]
    assert blocked and "above MaxDebitAllowed 0.25" in blocked[0].reason
    assert applied(res) == []


def test_calendar_converted_to_double_calendar(mem_store: DuckDBStore) -> None:
    q = {(W1, 22000.0, "CE"): [100, 80, 50, 45], (M1, 22000.0, "CE"): [250, 230, 190, 185],
         (W1, 21850.0, "PE"): [90, 100, 110, 108], (M1, 21850.0, "PE"): [260, 265, 280, 282]}
    load_market(mem_store, STAMPS, [22010, 21950, 21840, 21845], q,
                [(W1, "WEEKLY"), (M1, "MONTHLY")])
    rule = AdjRule("DC", AdjAction.DOUBLE_CALENDAR, TriggerSpec(price_move_pts=150))
    res = run(mem_store, cal_legs(), (rule,))
    # 11:00: 21,840 - 22,010 = -170 -> add a PE calendar (move down) at ATM 21,850
    adj = next(a for a in res.adjustments if a.status == "APPLIED")
    assert adj.opened == ("dc_short_PE", "dc_long_PE")
    # cash: sell 21850 PE W1 at 110, buy 21850 PE M1 at 280 -> (110 - 280) x 75 = -12,750
    assert adj.cash_inr == pytest.approx(-12750)
    # P&L: CE calendar (100 - 45) + (185 - 250) = -10; PE calendar (110 - 108) + (282 - 280) = 4
    # -> -6 x 75 = -450
    assert res.trades[0].pnl_gross_inr == pytest.approx(-450)


def test_delta_hedge_brings_delta_inside_band(mem_store: DuckDBStore) -> None:
    q = {(W1, 22000.0, "CE"): [180, 260, 400, 410], (W1, 22000.0, "PE"): [175, 60, 10, 9],
         (W1, 22300.0, "CE"): [60, 80, 115, 118], (W1, 21700.0, "PE"): [55, 20, 5, 4],
         (W1, 22400.0, "CE"): [30, 40, 70, 72], (W1, 22400.0, "PE"): [400, 300, 50, 48]}
    deltas = {(W1, 22000.0, "CE"): [0.5, 0.55, 0.8, 0.8], (W1, 22000.0, "PE"): [-0.5, -0.45, -0.2, -0.2],
              (W1, 22300.0, "CE"): [0.1, 0.12, 0.3, 0.3], (W1, 21700.0, "PE"): [-0.1, -0.08, -0.05, -0.05],
              (W1, 22400.0, "CE"): [0.2, 0.3, 0.45, 0.45], (W1, 22400.0, "PE"): [-0.8, -0.7, -0.55, -0.55]}
    load_market(mem_store, STAMPS, [22010, 22150, 22380, 22390], q, [(W1, "WEEKLY")], deltas=deltas)
    rule = AdjRule("H", AdjAction.DYNAMIC_HEDGE, max_times=3,
                   params=HedgeParams(target_delta_inr=0.0, delta_band_inr=50.0))
    res = run(mem_store, fly_legs(), (rule,), lots=4)
    # 4 lots = 300 units; position delta = 300 x (-dCE - dPE + dCEw + dPEw)
    # 10:00: 300 x (-0.55 + 0.45 + 0.12 - 0.08) = -18 (inside 50)
    # 11:00: 300 x (-0.8 + 0.2 + 0.3 - 0.05) = -105 -> |-105| > 50: hedge round(105/75) = 1 lot
    # synthetic long future at ATM 22,400: buy CE (0.45) + sell PE (-0.55): +75 x 1.0 = +75
    # delta after: -105 + 75 = -30, inside the band
    adj = next(a for a in res.adjustments if a.status == "APPLIED")
    assert adj.ts == at(D1, 11) and adj.opened == ("hedge_CE", "hedge_PE")
    assert adj.greeks_before["delta"] == pytest.approx(-105)
    # after: -105 + 75 x (0.45 - (-0.55)) = -105 + 75 = -30
    assert adj.greeks_after["delta"] == pytest.approx(-30)
    series_delta = dict(zip(res.series.column("ts").tolist(), res.series.column("delta").tolist(),
                            strict=True))
    last = [v for k, v in series_delta.items()][-1]
    assert last == pytest.approx(-30)


def test_ivp_crossing_rule_uses_previous_day(mem_store: DuckDBStore) -> None:
    stamps = [at(D1, 9, 20), at(D1, 12), at(D2, 9, 20), at(D2, 12)]
    q = {(W1, 22000.0, "CE"): [100, 100, 100, 100], (M1, 22000.0, "CE"): [250, 250, 250, 250],
         (W1, 22050.0, "CE"): [80, 80, 80, 80], (M1, 22050.0, "CE"): [230, 230, 230, 230]}
    load_market(mem_store, stamps, [22010, 22020, 22060, 22070], q,
                [(W1, "WEEKLY"), (M1, "MONTHLY")])
    with mem_store.load() as tx:
        tx.append("daily_features", pa.table({
            "symbol": ["NIFTY"] * 2, "trade_date": [dt.date(2025, 1, 3), D1],
            "ivp": [0.50, 0.85], "ivr": [0.4, 0.6], "atr_pct": [0.5, 0.5]}))
    rule = AdjRule("IVP", AdjAction.ROLL_UP,
                   TriggerSpec(kinds=frozenset({Trig.IVP_CROSS}), ivp_level=0.80),
                   params=RollParams(roll_long_leg=True))
    res = run(mem_store, cal_legs(), (rule,), end=D2)
    # Monday's bars see Friday's IVP 0.50; Tuesday's see Monday's 0.85: crosses 0.80 at Tue 09:20
    adj = next(a for a in res.adjustments if a.status == "APPLIED")
    assert adj.ts == at(D2, 9, 20) and adj.values["ivp"] == pytest.approx(0.85)


def test_breakeven_approach_rule(mem_store: DuckDBStore) -> None:
    q = {(W1, 22000.0, "CE"): [180, 200, 260, 262], (W1, 22000.0, "PE"): [175, 150, 90, 88],
         (W1, 22300.0, "CE"): [60, 70, 95, 96], (W1, 21700.0, "PE"): [55, 45, 30, 29],
         (W1, 22200.0, "CE"): [90, 100, 150, 151], (W1, 22200.0, "PE"): [250, 230, 160, 158]}
    load_market(mem_store, STAMPS, [22010, 22100, 22200, 22205], q, [(W1, "WEEKLY")])
    rule = AdjRule("BE", AdjAction.ROLL_UP, TriggerSpec(kinds=frozenset({Trig.BREAKEVEN}),
                                                        be_type="APPROACH", be_distance_pts=50))
    res = run(mem_store, fly_legs(), (rule,))
    # breakevens 22,000 -/+ 240 = 21,760 / 22,240; 10:00 spot 22,100 is 140 away (no);
    # 11:00 spot 22,200 is 40 <= 50 away from 22,240 -> roll the shorts up to ATM 22,200
    adj = next(a for a in res.adjustments if a.status == "APPLIED")
    assert adj.ts == at(D1, 11) and adj.be_before == (pytest.approx(21760), pytest.approx(22240))


def test_rule_blocked_by_cooldown_is_recorded(mem_store: DuckDBStore) -> None:
    stamps = [at(D1, 9, 20), at(D1, 10), at(D1, 10, 30), at(D1, 11), at(D1, 13), at(D1, 14)]
    strikes = (22000.0, 22100.0, 22200.0, 22300.0)
    q = {(e, k, "CE"): [100.0 + i for i in range(6)] for k in strikes for e in (W1, M1)}
    load_market(mem_store, stamps, [22010, 22120, 22240, 22250, 22260, 22265], q,
                [(W1, "WEEKLY"), (M1, "MONTHLY")])
    rule = AdjRule("UP", AdjAction.ROLL_UP, TriggerSpec(price_move_pts=100),
                   params=RollParams(roll_long_leg=True), max_times=2, cooldown_minutes=120)
    res = run(mem_store, cal_legs(), (rule,))
    # 10:00: +110 -> roll to 22,100 (ref 22,120); 10:30: +120 from the new ref -> due, but the
    # 120-minute cooldown runs to 12:00 -> BLOCKED (recorded once); 13:00 is +140 -> rolls again
    # (an adjustment due on the final bar yields to the exit there, hence the 14:00 bar)
    records = [(a.ts.time(), a.status, a.reason) for a in res.adjustments]
    assert records[0][:2] == (dt.time(10), "APPLIED")
    assert records[1] == (dt.time(10, 30), "BLOCKED", "cooldown 120 min")
    assert records[2][:2] == (dt.time(13), "APPLIED")
    assert res.trades[0].adjustments == 2


def test_unevaluable_trigger_is_recorded_once(mem_store: DuckDBStore) -> None:
    q = {(W1, 22000.0, "CE"): [100, 101, 102, 103], (M1, 22000.0, "CE"): [250, 251, 252, 253]}
    load_market(mem_store, STAMPS, [22010] * 4, q, [(W1, "WEEKLY"), (M1, "MONTHLY")])
    rule = AdjRule("X", AdjAction.ROLL_UP, TriggerSpec(kinds=frozenset({Trig.IVP_CROSS}),
                                                       ivp_level=0.8))
    res = run(mem_store, cal_legs(), (rule,))
    blocked = [a for a in res.adjustments if a.status == "BLOCKED"]
    assert len(blocked) == 1 and "run `posbt data features`" in blocked[0].reason


def test_adjustment_over_max_lots_is_blocked(mem_store: DuckDBStore) -> None:
    from engine.strategy.limits import RiskLimits

    q = {(W1, 22000.0, "CE"): [180, 230, 300, 310], (W1, 22000.0, "PE"): [175, 120, 70, 65],
         (W1, 22300.0, "CE"): [60, 80, 110, 115], (W1, 21700.0, "PE"): [55, 40, 25, 24],
         (W1, 22100.0, "CE"): [130, 20, 75, 90]}
    load_market(mem_store, STAMPS, [22010, 22120, 22130, 22140], q, [(W1, "WEEKLY")])
    rule = AdjRule("RB", AdjAction.REVERSE_BUY, TriggerSpec(price_move_pts=100), max_times=4,
                   params=ReverseBuyParams(part_lots=3))
    p = StrategyPlan(name="adj", symbol="NIFTY", legs=fly_legs(), start=D1, end=D1,
                     entry=EntryRules(window_start=dt.time(9, 20), window_end=dt.time(9, 20)),
                     exits=ExitRules(), costs=CostSpec(CostPreset.NONE),
                     adjustments=AdjustmentPolicy(rules=(rule,)), risk=RiskLimits(max_lots=2))
    res = run_backtest(p, mem_store, contracts())
    # the fly (1 lot a leg) enters under MaxLots 2; the 3-lot tranche at 10:00 would not
    blocked = [a for a in res.adjustments if a.status == "BLOCKED"]
    assert blocked and blocked[0].reason.startswith("RB_T1: more than MaxLots 2")
    assert applied(res) == []


def test_calendar_short_leg_rolled_diagonally(mem_store: DuckDBStore) -> None:
    w2 = dt.date(2025, 1, 16)
    q = {(W1, 22000.0, "CE"): [100, 150, 280, 290], (M1, 22000.0, "CE"): [250, 300, 420, 430],
         (w2, 22250.0, "CE"): [60, 90, 170, 175]}
    load_market(mem_store, STAMPS, [22010, 22100, 22250, 22260], q,
                [(W1, "WEEKLY"), (w2, "WEEKLY"), (M1, "MONTHLY")])
    rule = AdjRule("DIAG", AdjAction.ROLL_DIAGONAL, TriggerSpec(price_move_pts=200),
                   params=RollParams(new_dte=10))
    res = run(mem_store, cal_legs(), (rule,))
    # 11:00: +240 -> the short 22000 CE of 9 Jan is bought back at 280 and a 22250 CE of the
    # expiry nearest 10 DTE from Monday 6 Jan (16 Jan) is sold at 170; the long leg stays
    adj = next(a for a in res.adjustments if a.status == "APPLIED")
    assert adj.reason == "shift +250 pts, to 2025-01-16"
    assert adj.cash_inr == pytest.approx((-280 + 170) * 75)
    # P&L: short 100 - 280 = -180; long 430 - 250 = +180; new short 170 - 175 = -5 -> -5 x 75
    assert res.trades[0].pnl_gross_inr == pytest.approx(-375)


def test_adjustment_before_exit_when_configured(mem_store: DuckDBStore) -> None:
    q = {(W1, 22000.0, "CE"): [100, 150, 280, 290], (M1, 22000.0, "CE"): [250, 300, 420, 430],
         (W1, 22250.0, "CE"): [20, 50, 120, 125], (M1, 22250.0, "CE"): [140, 170, 260, 265]}
    load_market(mem_store, STAMPS, [22010, 22100, 22250, 22260], q,
                [(W1, "WEEKLY"), (M1, "MONTHLY")])
    rule = AdjRule("R1", AdjAction.ROLL_UP, TriggerSpec(price_move_pts=200),
                   params=RollParams(roll_long_leg=True))
    # the roll (11:00) and the last bar's exit (12:00) differ; put the exit on 11:00 with a
    # stop: calendar P&L at 11:00 = (100 - 280) + (420 - 250) = -10 pts = -750 <= -5% x 11,250
    legs = cal_legs()
    stop = ExitRules(stop_loss_frac=0.05)
    first = StrategyPlan(name="adj", symbol="NIFTY", legs=legs, start=D1, end=D1,
                         entry=EntryRules(window_start=dt.time(9, 20), window_end=dt.time(9, 20)),
                         exits=stop, costs=CostSpec(CostPreset.NONE),
                         adjustments=AdjustmentPolicy(rules=(rule,)))
    res = run_backtest(first, mem_store, contracts())
    assert applied(res) == [] and res.trades[0].exit_ts == at(D1, 11)  # exits first (default)
    later = dataclasses.replace(first, adjustments=AdjustmentPolicy(rules=(rule,), exits_first=False))
    res2 = run_backtest(later, mem_store, contracts())
    assert applied(res2) == [("R1", "ROLL_UP")]


def test_max_loss_and_profit_span_every_segment(mem_store: DuckDBStore) -> None:
    # as test_calendar_rolled_up_once, but the short weekly call trades at 200 at 10:00
    q = {(W1, 22000.0, "CE"): [100, 200, 280, 290], (M1, 22000.0, "CE"): [250, 300, 420, 430],
         (W1, 22250.0, "CE"): [20, 50, 120, 125], (M1, 22250.0, "CE"): [140, 170, 260, 265]}
    load_market(mem_store, STAMPS, [22010, 22100, 22250, 22260], q,
                [(W1, "WEEKLY"), (M1, "MONTHLY")])
    rule = AdjRule("R1", AdjAction.ROLL_UP, TriggerSpec(price_move_frac=0.01),
                   params=RollParams(roll_long_leg=True))
    res = run(mem_store, cal_legs(), (rule,))
    assert applied(res) == [("R1", "ROLL_UP")]  # at 11:00, as before
    t = res.trades[0]
    # first segment, 10:00: (100 - 200) + (300 - 250) = -50 pts -> -3,750 INR, the worst bar;
    # the rolled segment only sees -10 pts (-750 INR) at 11:00 and 12:00
    assert t.pnl_gross_inr == pytest.approx(-750)
    assert t.max_loss_inr == pytest.approx(-3750)
    assert t.max_profit_inr == pytest.approx(0.0)  # the entry bar; never above it


def test_roll_down_ignores_an_approach_to_the_upper_breakeven(mem_store: DuckDBStore) -> None:
    # the market of test_breakeven_approach_rule: at 11:00 spot 22,200 is 40 points from the
    # UPPER breakeven 22,240 (and 440 from the lower 21,760)
    q = {(W1, 22000.0, "CE"): [180, 200, 260, 262], (W1, 22000.0, "PE"): [175, 150, 90, 88],
         (W1, 22300.0, "CE"): [60, 70, 95, 96], (W1, 21700.0, "PE"): [55, 45, 30, 29],
         (W1, 21950.0, "CE"): [210, 240, 300, 302], (W1, 21950.0, "PE"): [150, 125, 70, 69],
         (W1, 22200.0, "CE"): [90, 100, 150, 151], (W1, 22200.0, "PE"): [250, 230, 160, 158]}
    load_market(mem_store, STAMPS, [22010, 22100, 22200, 22205], q, [(W1, "WEEKLY")])
    trig = TriggerSpec(kinds=frozenset({Trig.BREAKEVEN}), be_type="APPROACH", be_distance_pts=50)
    down = run(mem_store, fly_legs(), (AdjRule("BE", AdjAction.ROLL_DOWN, trig),))
    # rolling the shorts DOWN answers a threat to the lower breakeven only: no adjustment
    # (before the fix it rolled the shorts down to 21,950 at 11:00, deeper into the loss)
    assert applied(down) == []
    assert [a for a in down.adjustments if a.rule_id == "BE"] == []  # not even attempted
    up = run(mem_store, fly_legs(), (AdjRule("BE", AdjAction.ROLL_UP, trig),))
    assert applied(up) == [("BE", "ROLL_UP")]  # the upper side is ROLL_UP's
