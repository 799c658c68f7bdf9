"""Roll frequency, stop recovery, volatility and IVP exits, sizing at entry, strike fallback,
custom DTEs and return on margin, on constructed markets (numbers in comments)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from engine.config.enums import CostPreset
from engine.data.duckdb_store import DuckDBStore
from engine.domain.lifecycle import ExitReason
from engine.domain.structures import Right, Side
from engine.market import Timeline
from engine.simulation.loop import _period_ids, run_backtest
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
from engine.strategy.sizing import Sizing
from tests.unit.simulation.builder import contracts, load_market
from tests.unit.simulation.test_golden import W1, fly_legs

MON, TUE, WED = dt.date(2025, 1, 6), dt.date(2025, 1, 7), dt.date(2025, 1, 8)
ATM = StrikeRule(StrikeMethod.ATM)
WEEKLY = ExpiryRule(ExpiryMethod.WEEKLY_INDEX, 0)


def at(d: dt.date, h: int, m: int = 0) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(h, m))


def plan(legs: tuple[LegSpec, ...], exits: ExitRules, end: dt.date = WED, **entry: object
         ) -> StrategyPlan:
    rules = EntryRules(window_start=dt.time(9, 20), window_end=dt.time(9, 20))
    return StrategyPlan(name="x", symbol="NIFTY", legs=legs, start=MON, end=end,
                        entry=dataclasses.replace(rules, **entry),  # type: ignore[arg-type]
                        exits=exits, costs=CostSpec(CostPreset.NONE))


def straddle() -> tuple[LegSpec, ...]:
    return (LegSpec("sc", Right.CE, Side.SELL, ATM, WEEKLY, lots=2),
            LegSpec("sp", Right.PE, Side.SELL, ATM, WEEKLY, lots=2))


STAMPS3 = [at(MON, 9, 20), at(MON, 12), at(TUE, 9, 20), at(TUE, 12), at(WED, 9, 20), at(WED, 12)]
# a short straddle at 22,000 that loses on Monday noon: (180 + 175) -> (300 + 120) = -65 pts
Q3 = {(W1, 22000.0, "CE"): [180, 300, 250, 260, 240, 250],
      (W1, 22000.0, "PE"): [175, 120, 140, 130, 150, 140]}


def test_period_ids() -> None:
    days = np.array(["2025-01-06", "2025-01-10", "2025-01-13", "2025-01-20", "2025-02-03"],
                    dtype="datetime64[D]")
    tl = Timeline(ts=days.astype("datetime64[us]"), close=np.zeros(5), open=np.zeros(5), days=days)
    weeks = _period_ids(tl, "WEEKLY")
    assert weeks is not None and weeks.tolist()[:2] == [weeks[0]] * 2  # Mon and Fri: one week
    assert len(set(weeks.tolist())) == 4
    months = _period_ids(tl, "MONTHLY")
    assert months is not None and len(set(months.tolist())) == 2
    assert _period_ids(tl, None) is None


def test_weekly_roll_frequency_waits_for_next_week(mem_store: DuckDBStore) -> None:
    load_market(mem_store, STAMPS3, [22010] * 6, Q3, [(W1, "WEEKLY")])
    stop = ExitRules(stop_loss_frac=0.1)  # 10% of 355 x 150 = 5,325; Monday noon -65 x 150 = -9,750
    daily = run_backtest(plan(straddle(), stop), mem_store, contracts())
    weekly = run_backtest(plan(straddle(), stop, roll_period="WEEKLY"), mem_store, contracts())
    # without a roll period a new straddle opens Tuesday 09:20 after Monday's stop
    assert [t.entry_ts.date() for t in daily.trades][:2] == [MON, TUE]
    # with WEEKLY the next position waits for the next week, past the data
    assert [t.entry_ts.date() for t in weekly.trades] == [MON]


def test_stop_recovery_reenters_and_reduces(mem_store: DuckDBStore) -> None:
    load_market(mem_store, STAMPS3, [22010] * 6, Q3, [(W1, "WEEKLY")])
    rules = EntryRules(window_start=dt.time(9, 20), window_end=dt.time(15, 0))
    base = plan(straddle(), ExitRules(stop_loss_frac=0.1, stop_recovery="REDUCE",
                                      recovery_wait_minutes=60, max_recovery_attempts=1),
                end=MON)
    res = run_backtest(dataclasses.replace(base, entry=rules), mem_store, contracts())
    # stopped at Monday 12:00; recovery after 60 min -> no Monday bar left; with the data ending
    # Monday there is no second entry; extend to Tuesday: the recovery entry is Tuesday 09:20
    assert len(res.trades) == 1 and any("recovery entry 1 of 1" in line for line in res.log)
    res2 = run_backtest(dataclasses.replace(base, entry=rules, end=TUE), mem_store, contracts())
    assert [t.entry_ts for t in res2.trades][:2] == [at(MON, 9, 20), at(TUE, 9, 20)]
    # REDUCE halves the lots: 2 -> 1
    assert [t.lots for t in res2.trades][:2] == [2, 1]


def test_volatility_and_ivp_exits(mem_store: DuckDBStore) -> None:
    load_market(mem_store, STAMPS3, [22010] * 6, Q3, [(W1, "WEEKLY")])
    # IV of the short call rises with its price at unchanged spot: 180 -> 300 is far above +20%
    res = run_backtest(plan(straddle(), ExitRules(vol_expansion_frac=0.2)), mem_store, contracts())
    assert res.trades[0].exit_reason is ExitReason.VOL_EXPANSION
    assert res.trades[0].exit_ts == at(MON, 12)
    with mem_store.load() as tx:
        tx.append("daily_features", pa.table({
            "symbol": ["NIFTY"] * 2, "trade_date": [dt.date(2025, 1, 3), MON],
            "ivp": [0.5, 0.95], "ivr": [0.5, 0.9], "atr_pct": [0.5, 0.5]}))
    # Monday's bars see Friday's IVP 0.5; Tuesday's see Monday's 0.95 > 0.9 -> exit Tue 09:20
    res = run_backtest(plan(straddle(), ExitRules(ivp_above=0.9)), mem_store, contracts())
    assert res.trades[0].exit_reason is ExitReason.IVP_EXTREME
    assert res.trades[0].exit_ts == at(TUE, 9, 20)


def test_conditional_activation_and_vix_sizing(mem_store: DuckDBStore) -> None:
    load_market(mem_store, STAMPS3, [22010] * 6, Q3, [(W1, "WEEKLY")], vix=[24.0] * 6)
    legs = (LegSpec("sc", Right.CE, Side.SELL, ATM, WEEKLY,
                    sizing=Sizing(mode="VIX_SCALED", min_lots=1, max_lots=5)),
            LegSpec("sp", Right.PE, Side.SELL, ATM, WEEKLY,
                    sizing=Sizing(condition="VIX_BELOW", condition_threshold=20)))
    res = run_backtest(plan(legs, ExitRules()), mem_store, contracts())
    # VIX 24: the put is not opened (VIX not below 20); call lots = 5 - 4 x (24-10)/20 = 2.2 -> 2
    legs_opened = {f.leg_id: f.qty_units for f in res.fills if f.ts == at(MON, 9, 20)}
    assert legs_opened == {"sc": -2 * 75}


def test_nearest_strike_fallback_and_custom_dte(mem_store: DuckDBStore) -> None:
    q = {(W1, 22000.0, "CE"): [180] * 6, (W1, 21950.0, "PE"): [150] * 6}
    load_market(mem_store, STAMPS3, [22010] * 6, q, [(W1, "WEEKLY")])
    skip = run_backtest(plan(straddle(), ExitRules()), mem_store, contracts())
    assert "no quote for NIFTY 2025-01-09 22000 PE" in skip.skips[0].reason
    res = run_backtest(plan(straddle(), ExitRules(), nearest_strike_fallback=True), mem_store,
                       contracts())
    # the 22,000 put has no quote: the nearest quoted put strike 21,950 is used
    assert {f.strike for f in res.fills if f.leg_id == "sp"} == {21950.0}
    # CUSTOM roll: Monday 6 Jan -> 9 Jan is 3 DTE, Tuesday 2 DTE; only DTE 2 is allowed
    res = run_backtest(plan(straddle(), ExitRules(), nearest_strike_fallback=True,
                            custom_dtes=(2,)), mem_store, contracts())
    assert [t.entry_ts.date() for t in res.trades][:1] == [TUE]
    assert "3 DTE, not in CustomDTEList [2]" in res.skips[0].reason


def test_return_on_margin_uses_largest_margin(mem_store: DuckDBStore) -> None:
    from tests.unit.simulation.test_golden import FLY_QUOTES, FLY_SPOT, STAMPS
    load_market(mem_store, STAMPS, FLY_SPOT, FLY_QUOTES, [(W1, "WEEKLY")])
    res = run_backtest(plan(fly_legs(), ExitRules(), end=dt.date(2025, 1, 9)), mem_store,
                       contracts())
    m = res.metrics
    assert m is not None
    # net 8,250 over the fly's margin 4,500 + 2% x 150 x 22,010 = 70,530
    assert m.return_on_margin == pytest.approx(8250 / 70530)


def test_iv_crush_protection_cuts_long_vega_before_an_event(mem_store: DuckDBStore) -> None:
    from tests.unit.simulation.test_golden import M1

    q = {(W1, 22000.0, "CE"): [100, 101, 102, 103, 104, 105],
         (M1, 22000.0, "CE"): [250, 251, 252, 253, 254, 255]}
    load_market(mem_store, STAMPS3, [22010] * 6, q, [(W1, "WEEKLY"), (M1, "MONTHLY")])
    with mem_store.load() as tx:
        tx.append("events", pa.table({"date": [WED], "symbol": ["*"], "name": ["policy"],
                                      "blackout_entry": [False], "blackout_adjustment": [False]}))
    legs = (LegSpec("short", Right.CE, Side.SELL, ATM, WEEKLY),
            LegSpec("long", Right.CE, Side.BUY, ATM, ExpiryRule(ExpiryMethod.MONTHLY_INDEX, 0)))
    res = run_backtest(plan(legs, ExitRules(iv_crush_protection=True)), mem_store, contracts())
    # a calendar is long vega; the policy event is Wednesday, so it is cut on Tuesday's last bar
    t = res.trades[0]
    assert t.exit_reason is ExitReason.IV_CRUSH and t.exit_ts == at(TUE, 12)
    off = run_backtest(plan(legs, ExitRules()), mem_store, contracts())
    assert off.trades[0].exit_reason is not ExitReason.IV_CRUSH


def test_points_thresholds_holding_days_and_volatility_limits(mem_store: DuckDBStore) -> None:
    load_market(mem_store, STAMPS3, [22010] * 6, Q3, [(W1, "WEEKLY")],
                vix=[14.0, 15.0, 23.0, 23.0, 23.0, 23.0])
    # straddle of 2 lots = 150 units per leg; Monday noon P&L = -65 pts x 150 = -9,750
    # stop at 60 pts per unit: 60 x 150 = 9,000 -> fires at noon (the 10% fraction is off)
    res = run_backtest(plan(straddle(), ExitRules(stop_loss_pts=60)), mem_store, contracts())
    assert res.trades[0].exit_reason is ExitReason.STOP_LOSS
    assert res.trades[0].exit_ts == at(MON, 12)
    # a 70-pt stop is not reached at noon (-65); Tuesday 09:20: -(250-180) - (140-175) = -35 ...
    res = run_backtest(plan(straddle(), ExitRules(stop_loss_pts=70, max_holding_days=1)),
                       mem_store, contracts())
    # ... so the one-day holding limit closes it at Tuesday 09:20 (>= Monday 09:20 + 1 day)
    assert res.trades[0].exit_reason is ExitReason.TIME_EXIT
    assert res.trades[0].exit_ts == at(TUE, 9, 20)
    # profit target of 10 pts per unit: P&L at Wednesday 09:20 = (180-240) + (175-150) = -35 no;
    # never reached -> the position runs to the end of the data
    res = run_backtest(plan(straddle(), ExitRules(profit_target_pts=10)), mem_store, contracts())
    assert res.trades[0].exit_reason is not ExitReason.PROFIT_TARGET
    # MaxVIX 20: VIX 23 from Tuesday 09:20 closes the position there
    res = run_backtest(plan(straddle(), ExitRules(max_vix=20)), mem_store, contracts())
    assert res.trades[0].exit_reason is ExitReason.VOL_LIMIT
    assert res.trades[0].exit_ts == at(TUE, 9, 20)
    # MaxATMIV 5.0 (500%) is never reached; 0.01 is at once (first bar after entry)
    res = run_backtest(plan(straddle(), ExitRules(max_atm_iv=0.01)), mem_store, contracts())
    assert res.trades[0].exit_reason is ExitReason.VOL_LIMIT
    assert res.trades[0].exit_ts == at(MON, 12)


def test_min_and_max_vix_limit_entries() -> None:
    from engine.config.models.strategy import StrategyConfig
    from engine.strategy.from_config import plan_from_config

    cfg = StrategyConfig.model_validate({
        "strategy_name": "V", "strategy_subtype": "IRON_FLY",
        "entry_rules": {"vix_min_entry": 11, "vix_max_entry": 25},
        "volatility_limits": {"min_vix": 12, "max_vix": 22}})
    p = plan_from_config(cfg, MON, WED)
    # the stricter bound of each pair: [max(11, 12), min(25, 22)]
    assert p.entry.vix_range == (12, 22) and p.exits.max_vix == 22


def test_exit_on_event_day_and_weeklies_required(mem_store: DuckDBStore) -> None:
    load_market(mem_store, STAMPS3, [22010] * 6, Q3, [(W1, "MONTHLY")])
    with mem_store.load() as tx:
        tx.append("events", pa.table({"date": [TUE], "symbol": ["NIFTY"], "name": ["budget"],
                                      "blackout_entry": [False], "blackout_adjustment": [False]}))
    res = run_backtest(plan(straddle(), ExitRules(exit_on_event_day=True)), mem_store, contracts())
    # the event is Tuesday: the Monday straddle is closed at Tuesday's first bar
    assert res.trades[0].exit_reason is ExitReason.TIME_EXIT
    assert res.trades[0].exit_ts == at(TUE, 9, 20)
    # a WEEKLY strategy without FallbackToMonthly skips when no weekly expiry is listed (the
    # only expiry here is a monthly one)
    weekly_only = run_backtest(plan(straddle(), ExitRules(), weeklies_required=True), mem_store,
                               contracts())
    assert weekly_only.trades == []
    assert "weeklies ended" in weekly_only.skips[0].reason


def test_reduce_recovery_never_goes_below_one_lot(mem_store: DuckDBStore) -> None:
    load_market(mem_store, STAMPS3, [22010] * 6, Q3, [(W1, "WEEKLY")])
    one_lot = tuple(dataclasses.replace(leg, lots=1) for leg in straddle())
    rules = EntryRules(window_start=dt.time(9, 20), window_end=dt.time(15, 0))
    p = dataclasses.replace(
        plan(one_lot, ExitRules(stop_loss_frac=0.1, stop_recovery="REDUCE",
                                recovery_wait_minutes=60, max_recovery_attempts=1), end=TUE),
        entry=rules)
    res = run_backtest(p, mem_store, contracts())
    # 1 lot x 0.5 rounds to 0; the recovery entry keeps 1 lot instead of dropping every leg
    assert [t.lots for t in res.trades][:2] == [1, 1]
