"""Support/resistance wired into the engine: entry proximity filter, SR_HIT trigger, S/R-break exit.

Levels are EXTERNAL rows typed in below (strength 1, so none is filtered), effective from their
``as_of`` day; two earlier days of index bars give ``levels_at`` the daily history it needs.
NIFTY, lot size 75, 1 lot, costs off, bar-close fills; weekly expiry W1 = Thu 9 Jan 2025.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pyarrow as pa

from engine.config.enums import CostPreset, SRMethod
from engine.config.models.structure import MarketStructureConfig
from engine.data.duckdb_store import DuckDBStore
from engine.domain.lifecycle import ExitReason
from engine.domain.structures import Right, Side
from engine.results.result import BacktestResult
from engine.simulation.loop import run_backtest
from engine.strategy.adjustments.rules import AdjAction, AdjRule, AdjustmentPolicy, Trig, TriggerSpec
from engine.strategy.adjustments.state import RuleState, SegmentView, TriggerInputs
from engine.strategy.adjustments.triggers import trigger_mask
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
from engine.strategy.sr import SRPlan, SRProvider
from tests.unit.simulation.builder import SYMBOL, contracts, load_market

W1 = dt.date(2025, 1, 9)
D1, D2 = dt.date(2025, 1, 6), dt.date(2025, 1, 7)
ATM = StrikeRule(StrikeMethod.ATM)
WEEKLY = ExpiryRule(ExpiryMethod.WEEKLY_INDEX, 0)
CFG = MarketStructureConfig(primary_method=SRMethod.EXTERNAL, level_strength_threshold=0.0,
                            proximity_pts=50.0)


def at(d: dt.date, h: int, m: int = 0) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(h, m))


STAMPS = [at(D1, 9, 20), at(D1, 10), at(D1, 11), at(D1, 12)]


def add_history(store: DuckDBStore, levels: dict[dt.date, list[float]]) -> None:
    """Index bars on Thu 2 and Fri 3 Jan (daily history) and EXTERNAL levels per as_of day."""
    days = [dt.date(2025, 1, 2), dt.date(2025, 1, 3)]
    ts = [at(d, h) for d in days for h in (10, 15)]
    px = [21950.0, 22050.0, 22000.0, 22020.0]
    rows = [(as_of, lv) for as_of, lvs in levels.items() for lv in lvs]
    with store.load() as tx:
        tx.append("spot_bars", pa.table({
            "symbol": [SYMBOL] * 4, "bar_minutes": pa.array([5] * 4, pa.int16()), "ts": ts,
            "open": px, "high": px, "low": px, "close": px}))
        tx.append("sr_levels", pa.table({
            "symbol": [SYMBOL] * len(rows), "as_of": [d for d, _ in rows],
            "method": ["EXTERNAL"] * len(rows), "level": [lv for _, lv in rows],
            "kind": ["EXTERNAL"] * len(rows), "strength": [1.0] * len(rows)}))


def short_call() -> tuple[LegSpec, ...]:
    return (LegSpec("short_call", Right.CE, Side.SELL, ATM, WEEKLY),)


def run(store: DuckDBStore, sr: SRPlan, exits: ExitRules | None = None,
        window: tuple[dt.time, dt.time] = (dt.time(9, 20), dt.time(9, 20)),
        rules: tuple[AdjRule, ...] = ()) -> BacktestResult:
    p = StrategyPlan(name="sr", symbol=SYMBOL, legs=short_call(), start=D1, end=D1,
                     entry=EntryRules(window_start=window[0], window_end=window[1]),
                     exits=exits or ExitRules(), costs=CostSpec(CostPreset.NONE), structure=sr,
                     adjustments=AdjustmentPolicy(rules=rules))
    return run_backtest(p, store, contracts())


CALL_QUOTES = {(W1, 22000.0, "CE"): [100, 150, 250, 260], (W1, 22050.0, "CE"): [80, 120, 220, 230],
               (W1, 22250.0, "CE"): [30, 60, 120, 130], (W1, 22300.0, "CE"): [20, 45, 100, 110]}
CALL_DELTAS = {k: [0.5, 0.55, 0.7, 0.72] for k in CALL_QUOTES}


def test_provider_uses_each_days_own_levels(mem_store: DuckDBStore) -> None:
    add_history(mem_store, {D1: [21900.0, 22300.0], D2: [22000.0, 22500.0]})
    sr = SRProvider(mem_store, SYMBOL, SRPlan(config=CFG, adjustments=True))
    assert sr.levels_on(D1) == (21900.0, 22300.0)
    assert sr.levels_on(D2) == (22000.0, 22500.0)  # as_of D2 rows apply from D2 only
    ts = np.array([at(D1, 10), at(D1, 11), at(D2, 10)], dtype="datetime64[us]")
    spot = np.array([22010.0, 22280.0, 22010.0])
    # D1: min(|22010-21900|, |22010-22300|) = 110; |22280-22300| = 20; D2: |22010-22000| = 10
    assert sr.distance_pts(ts, spot).tolist() == [110.0, 20.0, 10.0]
    # break with buffer 10 from reference 22010: D1 support 21900, resistance 22300;
    # D2 support 22000, resistance 22500. Spots: 22320 > 22310 (D1 break above),
    # 21985 < 21990 (D2 break below; on D1 it would not be: 21985 > 21890)
    plan = SRPlan(config=CFG, exit_on_break=True, break_buffer_pts=10.0)
    sr = SRProvider(mem_store, SYMBOL, plan)
    ts = np.array([at(D1, 10), at(D1, 11), at(D1, 12), at(D2, 10)], dtype="datetime64[us]")
    spot = np.array([22010.0, 22320.0, 21985.0, 21985.0])
    assert sr.break_mask(ts, spot, 22010.0, 0.0).tolist() == [False, True, False, True]
    # long delta (+0.5 per unit) is hurt only below: the upside break no longer counts
    assert sr.break_mask(ts, spot, 22010.0, 0.5).tolist() == [False, False, False, True]
    # short delta (-0.5) is hurt only above
    assert sr.break_mask(ts, spot, 22010.0, -0.5).tolist() == [False, True, False, False]
    assert sr.levels_on(dt.date(2025, 1, 1)) == ()  # no history before: a note, no levels
    assert "no support/resistance levels" in sr.notes[0]


def test_entry_waits_for_a_bar_near_a_level(mem_store: DuckDBStore) -> None:
    add_history(mem_store, {D1: [21900.0, 22300.0]})
    load_market(mem_store, STAMPS, [22010, 22260, 22270, 22280], CALL_QUOTES, [(W1, "WEEKLY")],
                deltas=CALL_DELTAS)
    res = run(mem_store, SRPlan(config=CFG, entry_filter=True),
              window=(dt.time(9, 20), dt.time(11, 0)))
    # 09:20 spot 22010 is 110 pts from 21900 (> 50): not taken; 10:00 spot 22260 is 40 pts from
    # 22300: entry at 10:00 at ATM 22250 (22260 rounds to 22250), no skip recorded that day
    assert [t.entry_ts for t in res.trades] == [at(D1, 10)]
    assert res.fills[0].strike == 22250.0
    assert res.skips == []


def test_entry_skipped_with_reason_when_no_bar_is_near(mem_store: DuckDBStore) -> None:
    add_history(mem_store, {D1: [21900.0, 22300.0]})
    load_market(mem_store, STAMPS, [22010, 22100, 22150, 22160], CALL_QUOTES, [(W1, "WEEKLY")],
                deltas=CALL_DELTAS)
    res = run(mem_store, SRPlan(config=CFG, entry_filter=True),
              window=(dt.time(9, 20), dt.time(10, 0)))
    # 22010: 110 from 21900; 22100: 200 from 21900 and 22300 -> no entry, one skip at 09:20
    assert res.trades == []
    assert [s.ts for s in res.skips] == [at(D1, 9, 20)]
    assert "support 21900.00, resistance 22300.00" in res.skips[0].reason
    assert "SRProximityPts 50" in res.skips[0].reason


def test_sr_break_exit_on_the_side_that_hurts(mem_store: DuckDBStore) -> None:
    add_history(mem_store, {D1: [21900.0, 22300.0]})
    load_market(mem_store, STAMPS, [22010, 22100, 22320, 22400], CALL_QUOTES, [(W1, "WEEKLY")],
                deltas=CALL_DELTAS)
    exits = ExitRules(exit_on_sr_break=True)
    res = run(mem_store, SRPlan(config=CFG, exit_on_break=True, break_buffer_pts=10.0), exits)
    # short 22000 CE: position delta -0.5 x 75 per 75 units = -0.5 per unit: the upside hurts.
    # Resistance 22300 + buffer 10 = 22310; 11:00 spot 22320 breaks it -> exit at 11:00 at 250
    (t,) = res.trades
    assert t.exit_reason is ExitReason.SR_BREAK and t.exit_ts == at(D1, 11)
    assert t.pnl_gross_inr == (100 - 250) * 75


def test_sr_break_below_support_does_not_close_a_short_call(mem_store: DuckDBStore) -> None:
    add_history(mem_store, {D1: [21900.0, 22300.0]})
    q = {(W1, 22000.0, "CE"): [100, 60, 30, 20]}
    load_market(mem_store, STAMPS, [22010, 21950, 21880, 21850], q, [(W1, "WEEKLY")],
                deltas={k: [0.5, 0.4, 0.3, 0.25] for k in q})
    res = run(mem_store, SRPlan(config=CFG, exit_on_break=True, break_buffer_pts=10.0),
              ExitRules(exit_on_sr_break=True))
    # 21880 < 21890 breaks support, but a short call gains there: held to the end of data
    assert res.trades[0].exit_reason is ExitReason.END_OF_DATA


def test_sr_hit_rule_fires_near_a_level(mem_store: DuckDBStore) -> None:
    add_history(mem_store, {D1: [21900.0, 22300.0]})
    load_market(mem_store, STAMPS, [22010, 22100, 22285, 22290], CALL_QUOTES, [(W1, "WEEKLY")],
                deltas=CALL_DELTAS)
    rule = AdjRule("S", AdjAction.ROLL_UP, TriggerSpec(kinds=frozenset({Trig.SR_HIT}),
                                                       sr_proximity_pts=20.0))
    res = run(mem_store, SRPlan(config=CFG, adjustments=True), rules=(rule,))
    # |22285 - 22300| = 15 <= 20 at 11:00 (10:00: 200 away) -> roll the short call to ATM 22300
    adj = [a for a in res.adjustments if a.status == "APPLIED"]
    assert [(a.rule_id, a.ts) for a in adj] == [("S", at(D1, 11))]
    # buy back 22000 CE at 250, sell 22300 CE at 100: (-250 + 100) x 75
    assert adj[0].opened == ("short_call@22300",) and adj[0].cash_inr == (-250 + 100) * 75


def test_sr_hit_without_levels_is_recorded_as_unavailable(mem_store: DuckDBStore) -> None:
    load_market(mem_store, STAMPS, [22010, 22100, 22285, 22290], CALL_QUOTES, [(W1, "WEEKLY")],
                deltas=CALL_DELTAS)
    rule = AdjRule("S", AdjAction.ROLL_UP, TriggerSpec(kinds=frozenset({Trig.SR_HIT}),
                                                       sr_proximity_pts=20.0))
    res = run(mem_store, SRPlan(), rules=(rule,))
    assert [a.status for a in res.adjustments] == ["BLOCKED"]
    assert "SRUseForAdjustment" in res.adjustments[0].reason


def _view(spot: list[float], ref: float) -> SegmentView:
    n = len(spot)
    ts = np.array([at(D1, 10, m) for m in range(n)], dtype="datetime64[us]")
    z = np.zeros(n)
    return SegmentView(ts=ts, spot=np.array(spot), pnl_inr=z, greeks={"delta": z}, ref_spot=ref,
                       premium_base_inr=1.0, iv=z, iv_entry=0.1)


def test_rule_trigger_combines_sr_hit_with_other_kinds() -> None:
    view = _view([22000, 22100, 22280, 22290], 22000.0)
    dist = np.array([300.0, 200.0, 20.0, 10.0])
    both = frozenset({Trig.SR_HIT, Trig.PRICE_MOVE})
    spec = TriggerSpec(kinds=both, price_move_pts=250.0, sr_proximity_pts=15.0)
    inputs = TriggerInputs(sr_distance=dist)
    # SR_HIT: dist <= 15 -> bar 3; PRICE_MOVE |move| >= 250 -> bars 2, 3
    m, why = trigger_mask(AdjRule("A", AdjAction.ROLL_UP, spec), view, RuleState(), inputs, 0.3)
    assert why is None and m.tolist() == [False, False, False, True]
    spec_any = TriggerSpec(kinds=both, any_of=True, price_move_pts=250.0, sr_proximity_pts=15.0)
    m, why = trigger_mask(AdjRule("A", AdjAction.ROLL_UP, spec_any), view, RuleState(), inputs, 0.3)
    assert why is None and m.tolist() == [False, False, True, True]
    # levels missing: ALL gives nothing with the reason, ANY still fires on the price move
    m, why = trigger_mask(AdjRule("A", AdjAction.ROLL_UP, spec), view, RuleState(),
                          TriggerInputs(), 0.3)
    assert not m.any() and why is not None and "SR_HIT" in why
    m, why = trigger_mask(AdjRule("A", AdjAction.ROLL_UP, spec_any), view, RuleState(),
                          TriggerInputs(), 0.3)
    assert why is None and m.tolist() == [False, False, True, True]


def test_sr_based_strike_sells_beyond_the_resistance(mem_store: DuckDBStore) -> None:
    from tests.unit.simulation.builder import load_market

    add_history(mem_store, {D1: [21900.0, 22240.0]})
    load_market(mem_store, STAMPS, [22010.0] * 4, CALL_QUOTES, [(W1, "WEEKLY")])
    leg = LegSpec("short_call", Right.CE, Side.SELL, StrikeRule(StrikeMethod.SR_BASED, 50.0),
                  WEEKLY)
    p = StrategyPlan(name="sr", symbol=SYMBOL, legs=(leg,), start=D1, end=D1,
                     entry=EntryRules(window_start=dt.time(9, 20), window_end=dt.time(9, 20)),
                     exits=ExitRules(), costs=CostSpec(CostPreset.NONE),
                     structure=SRPlan(config=CFG, strikes=True))
    res = run_backtest(p, mem_store, contracts())
    # resistance above 22,010 is 22,240; + 50 pts = 22,290 -> nearest quoted call strike 22,300
    assert {f.strike for f in res.fills} == {22300.0}
    # without levels the entry is skipped with the reason
    p_none = dataclasses.replace(p, structure=SRPlan(config=None, strikes=True))
    skipped = run_backtest(p_none, mem_store, contracts())
    assert "no resistance above spot 22010.00" in skipped.skips[0].reason
