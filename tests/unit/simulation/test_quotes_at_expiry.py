"""Stale quotes: expiring legs are marked at intrinsic on the expiry bar, and a price older than
the staleness never fires an exit (issue "Numbers a trader can trust", item 4); and a trade's
max loss spans every segment (item 3). Every price is typed in; arithmetic in comments."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from engine.data.duckdb_store import DuckDBStore
from engine.domain.lifecycle import ExitReason
from engine.domain.structures import Right, Side
from engine.simulation.loop import run_backtest
from engine.simulation.quality import stale_quote_mask
from engine.strategy.plan import ExitRules, LegSpec, StrikeMethod, StrikeRule
from tests.unit.simulation.builder import contracts, load_market
from tests.unit.simulation.test_extras import ATM, MON, WEEKLY, at, plan
from tests.unit.simulation.test_golden import W1

WED, THU = dt.date(2025, 1, 8), W1  # W1: the weekly expiry, Thursday 9 January 2025
UNITS = 75  # one lot of 75

# A bull put spread: sell the 22000 put at 150, buy the 21800 put at 60: a credit of 90 points.
LEGS = (LegSpec("short_put", Right.PE, Side.SELL, ATM, WEEKLY),
        LegSpec("long_put", Right.PE, Side.BUY, StrikeRule(StrikeMethod.ATM_OFFSET_PTS, -200),
                WEEKLY))
SHORT, LONG = (W1, 22000.0, "PE"), (W1, 21800.0, "PE")
# Profit target 1.5 x the 90-point credit = 135 points (10,125 INR for 75 units).
TARGET = ExitRules(profit_target_frac=1.5)


def _run(store: DuckDBStore, exits: ExitRules = TARGET):  # type: ignore[no-untyped-def]
    return run_backtest(plan(LEGS, exits, end=THU), store, contracts(UNITS))


def test_the_worthless_long_put_is_marked_at_intrinsic_on_the_expiry_bar(
        mem_store: DuckDBStore) -> None:
    stamps = [at(MON, 9, 20), at(WED, 12), at(THU, 15, 30)]
    spot = [22000.0, 21850.0, 22100.0]
    # the long put has no expiry-day bar: before the fix it carried Wednesday's 100 into the
    # settlement bar, where spot 22100 makes it worth 0
    load_market(mem_store, stamps, spot, {SHORT: [150, 190, 0], LONG: [60, 100, None]},
                [(W1, "WEEKLY")])
    res = _run(mem_store)
    (trade,) = res.trades
    # phantom: (150 - 0) + (100 - 60) = 190 points >= 135 -> PROFIT_TARGET, +14,250 INR.
    # marked at intrinsic: (150 - 0) + (0 - 60) = 90 points < 135 -> held to EXPIRY
    assert trade.exit_reason is ExitReason.EXPIRY
    assert trade.pnl_net_inr == 90 * UNITS  # 6,750 INR
    settle = [f for f in res.fills if f.leg_id == "long_put" and f.kind == "SETTLEMENT"]
    assert [f.price_pts for f in settle] == [0.0]  # max(21800 - 22100, 0)
    mtm = res.series.column("mtm_inr")
    assert mtm[-1] == 90 * UNITS  # the expiry bar's mark: 150 - 60 = 90 points


def test_a_stale_price_never_fires_an_exit_and_the_staleness_is_a_parameter(
        mem_store: DuckDBStore) -> None:
    stamps = [at(MON, 9, 20), at(WED, 12), at(THU, 9, 20), at(THU, 15, 30)]
    spot = [22000.0, 21850.0, 22080.0, 22100.0]
    load_market(mem_store, stamps, spot, {SHORT: [150, 190, 20, 0], LONG: [60, 100, None, None]},
                [(W1, "WEEKLY")])
    # Thursday 09:20: the short put is 20 and the long put's last quote is Wednesday 12:00's 100,
    # 21 h 20 min old: P&L (150 - 20) + (100 - 60) = 170 points >= 135 on a stale price
    res = _run(mem_store)
    (trade,) = res.trades
    assert trade.exit_reason is ExitReason.EXPIRY  # not fired at 09:20 (default 30 minutes)
    assert trade.pnl_net_inr == 90 * UNITS
    assert any("older than 30 minutes" in a and "no exit or adjustment" in a
               for a in res.anomalies)
    # allow quotes up to 2,000 minutes (33 h 20 min) old: the 09:20 bar fires on the carried price
    lax = _run(mem_store, dataclasses.replace(TARGET, max_quote_age_minutes=2000))
    (early,) = lax.trades
    assert early.exit_reason is ExitReason.PROFIT_TARGET
    assert early.exit_ts == at(THU, 9, 20)
    assert early.pnl_net_inr == 170 * UNITS  # 12,750 INR, both legs filled at their closes


def test_stale_quote_mask_intraday_and_daily() -> None:
    ts = np.array(["2025-01-08T12:00", "2025-01-08T12:20", "2025-01-08T12:40", "2025-01-09T09:20"],
                  dtype="datetime64[us]")
    have = np.array([[True, True], [False, True], [False, True], [True, False]])
    # leg 0: 20 min old at 12:20 (fresh), 40 min at 12:40 (stale), fresh again on Thursday
    # leg 1: Thursday 09:20 is 20 h 40 min after 12:40 (stale)
    got = stale_quote_mask(have, ts, 5, None)
    assert got.tolist() == [[False, False], [False, False], [True, False], [False, True]]
    assert stale_quote_mask(have, ts, 5, 45.0)[2, 0] == np.False_  # 40 <= 45 minutes
    days = np.array(["2025-01-06", "2025-01-07", "2025-01-08", "2025-01-09"],
                    dtype="datetime64[D]").astype("datetime64[us]")
    daily = np.array([[True], [False], [False], [True]])
    # at 1d bars: one session old is the previous close (fresh), two sessions old is stale
    assert stale_quote_mask(daily, days, 1440, None)[:, 0].tolist() == [False, False, True, False]
    never = np.array([[False], [True]])
    assert stale_quote_mask(never, days[:2], 1440, None)[:, 0].tolist() == [True, False]
