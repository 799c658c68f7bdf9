"""Entry semantics a user met (issue "Numbers a trader can trust", item 8): SkipExpiryDayEntry
blocks the short leg's expiry day only, the gap filter records what it skipped, daily bars are
inside the default entry window, and a run with no trade says why. Prices typed in."""

from __future__ import annotations

import dataclasses
import datetime as dt

from engine.config.enums import CostPreset
from engine.data.duckdb_store import DuckDBStore
from engine.domain.structures import Right, Side
from engine.results.result import BacktestResult
from engine.results.tables import summary_table
from engine.simulation.loop import run_backtest
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

MON, TUE, WED, THU = (dt.date(2025, 1, d) for d in (6, 7, 8, 9))  # THU = W1, the weekly expiry
ATM = StrikeRule(StrikeMethod.ATM)
WEEKLY = ExpiryRule(ExpiryMethod.WEEKLY_INDEX, 0)
MONTHLY = ExpiryRule(ExpiryMethod.MONTHLY_INDEX, 0)
EXPIRIES = [(W1, "WEEKLY"), (M1, "MONTHLY")]


def at(d: dt.date, h: int, m: int = 0) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(h, m))


def straddle(expiry: ExpiryRule) -> tuple[LegSpec, ...]:
    return (LegSpec("sc", Right.CE, Side.SELL, ATM, expiry),
            LegSpec("sp", Right.PE, Side.SELL, ATM, expiry))


def run(store: DuckDBStore, legs: tuple[LegSpec, ...], start: dt.date, end: dt.date,
        entry: EntryRules, bar_minutes: int = 5) -> BacktestResult:
    plan = StrategyPlan(name="sem", symbol="NIFTY", legs=legs, start=start, end=end,
                        entry=entry, exits=ExitRules(), costs=CostSpec(CostPreset.NONE),
                        bar_minutes=bar_minutes)
    return run_backtest(plan, store, contracts())


def quotes(n: int) -> dict[tuple[dt.date, float, str], list[float | None]]:
    return {(e, 22000.0, r): [100.0 + i for i in range(n)] for e, _ in EXPIRIES
            for r in ("CE", "PE")}


def test_skip_expiry_day_blocks_the_short_legs_expiry_only(mem_store: DuckDBStore) -> None:
    load_market(mem_store, [at(THU, 9, 20), at(THU, 12)], [22010.0] * 2, quotes(2), EXPIRIES)
    entry = EntryRules(window_start=dt.time(9, 20), window_end=dt.time(9, 20), skip_expiry_day=True)
    weekly = run(mem_store, straddle(WEEKLY), THU, THU, entry)
    # Thursday 9 Jan is the weekly's expiry: a weekly short straddle does not enter
    assert weekly.trades == []
    assert weekly.no_trade_reason is not None and "skipped expiry days" in weekly.no_trade_reason
    # ...but it is not the monthly's (30 Jan): a monthly straddle enters at 09:20 (before the
    # fix every listed expiry's day was blocked, so it made no trade either)
    monthly = run(mem_store, straddle(MONTHLY), THU, THU, entry)
    assert [t.entry_ts for t in monthly.trades] == [at(THU, 9, 20)]
    assert monthly.no_trade_reason is None


def test_the_gap_filter_records_the_day_it_skipped(mem_store: DuckDBStore) -> None:
    stamps = [at(MON, 9, 20), at(MON, 15), at(TUE, 9, 20), at(TUE, 12)]
    # Monday closes at 22,000; Tuesday opens at 22,500: (22500 - 22000) / 22000 = +2.27% > 1%
    load_market(mem_store, stamps, [22000.0, 22000.0, 22500.0, 22500.0], quotes(4), EXPIRIES)
    entry = EntryRules(window_start=dt.time(9, 20), window_end=dt.time(9, 20),
                       weekdays=frozenset({1}), max_gap_frac=0.01)  # Tuesdays only
    res = run(mem_store, straddle(MONTHLY), MON, TUE, entry)
    assert res.trades == []
    assert [(s.ts, s.reason) for s in res.skips] == [
        (at(TUE, 9, 20), "gap filter: the day opened +2.27% from the previous close 22,000.00, "
                         "beyond MaxGapPct 1.00%")]
    assert res.no_trade_reason is not None and "MaxGapPct" in res.no_trade_reason
    # without the gap limit Tuesday 09:20 enters
    open_ = run(mem_store, straddle(MONTHLY), MON, TUE, dataclasses.replace(entry, max_gap_frac=None))
    assert [t.entry_ts for t in open_.trades] == [at(TUE, 9, 20)]


def test_daily_bars_enter_with_the_default_window_and_an_empty_run_says_why(
        mem_store: DuckDBStore) -> None:
    stamps = [at(MON, 15, 30), at(TUE, 15, 30), at(WED, 15, 30)]  # end-of-day bars
    load_market(mem_store, stamps, [22010.0] * 3, quotes(3), EXPIRIES, bar_minutes=1440)
    # the default window is 09:20-15:00; the daily bar is stamped 15:30 and stands for the day
    res = run(mem_store, straddle(MONTHLY), MON, WED, EntryRules(), bar_minutes=1440)
    assert [t.entry_ts for t in res.trades] == [at(MON, 15, 30)]
    fridays = run(mem_store, straddle(MONTHLY), MON, WED, EntryRules(weekdays=frozenset({4})),
                  bar_minutes=1440)
    assert fridays.trades == [] and fridays.skips == []
    assert fridays.no_trade_reason == (
        "no entry: none of the 3 candidate bars had an allowed weekday (EntryWeekdays); the bars "
        "are stamped 15:30")
    _headers, rows = summary_table([fridays])
    assert ["no_trade_reason", fridays.no_trade_reason] in rows


def test_an_intraday_window_that_holds_no_bar_is_named(mem_store: DuckDBStore) -> None:
    load_market(mem_store, [at(MON, 9, 20), at(MON, 12)], [22010.0] * 2, quotes(2), EXPIRIES)
    res = run(mem_store, straddle(MONTHLY), MON, MON,
              EntryRules(window_start=dt.time(10, 0), window_end=dt.time(11, 0)))
    assert res.no_trade_reason == (
        "no entry: none of the 2 candidate bars had a bar inside the entry window 10:00-11:00 "
        "(EntryStartTime / EntryEndTime); the bars are stamped 09:20, 12:00")
