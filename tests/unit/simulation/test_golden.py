"""Golden scenarios on constructed chains; every number is worked out in the comments.

Market: NIFTY, lot size 75, 1 lot. Entry Monday 6 Jan 2025 09:20 at spot 22010 (ATM 22000).
Weekly expiry Thursday 9 Jan 2025; the next-month expiry 30 Jan 2025 for calendars.
"""

from __future__ import annotations

import datetime as dt

import pytest

from engine.config.enums import CostPreset
from engine.data.duckdb_store import DuckDBStore
from engine.domain.lifecycle import ExitReason
from engine.domain.structures import Right, Side
from engine.results.result import BacktestResult
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

W1 = dt.date(2025, 1, 9)
M1 = dt.date(2025, 1, 30)
D1, D4 = dt.date(2025, 1, 6), dt.date(2025, 1, 9)
STAMPS = [dt.datetime.combine(D1, dt.time(9, 20)), dt.datetime.combine(D1, dt.time(11, 0)),
          dt.datetime.combine(D1, dt.time(14, 0)), dt.datetime.combine(D4, dt.time(9, 20)),
          dt.datetime.combine(D4, dt.time(12, 0)), dt.datetime.combine(D4, dt.time(15, 30))]
ATM = StrikeRule(StrikeMethod.ATM)
WEEKLY = ExpiryRule(ExpiryMethod.WEEKLY_INDEX, 0)


def fly_legs() -> tuple[LegSpec, ...]:
    return (
        LegSpec("short_call", Right.CE, Side.SELL, ATM, WEEKLY),
        LegSpec("short_put", Right.PE, Side.SELL, ATM, WEEKLY),
        LegSpec("long_call_wing", Right.CE, Side.BUY, StrikeRule(StrikeMethod.ATM_OFFSET_PTS, 300),
                WEEKLY, strike_anchor="short_call"),
        LegSpec("long_put_wing", Right.PE, Side.BUY, StrikeRule(StrikeMethod.ATM_OFFSET_PTS, -300),
                WEEKLY, strike_anchor="short_put"),
    )


def plan(exits: ExitRules, legs: tuple[LegSpec, ...] | None = None,
         costs: CostSpec | None = None) -> StrategyPlan:
    return StrategyPlan(
        name="golden", symbol="NIFTY", legs=legs or fly_legs(), start=D1, end=D4,
        entry=EntryRules(window_start=dt.time(9, 20), window_end=dt.time(9, 20)),
        exits=exits, costs=costs or CostSpec(CostPreset.NONE))


FLY_QUOTES = {
    # closes at the six stamps; entry credit = 180 + 175 - 60 - 55 = 240
    (W1, 22000.0, "CE"): [180, 260, 400, 250, 180, 130],
    (W1, 22000.0, "PE"): [175, 60, 10, 5, 1, 0.05],
    (W1, 22300.0, "CE"): [60, 80, 115, 40, 10, 0.05],
    (W1, 21700.0, "PE"): [55, 20, 5, 1, 0.5, 0.05],
}
FLY_SPOT = [22010, 22150, 22380, 22200, 22150, 22130]


def _invariants(res: BacktestResult) -> None:
    for t in res.trades:
        fills = [f for f in res.fills if f.trade_id == t.trade_id]
        # P&L = sum of fill cash flows (settlement included) - costs
        assert t.pnl_gross_inr == pytest.approx(sum(f.cash_inr for f in fills))
        assert t.costs_inr == pytest.approx(sum(f.costs_inr for f in fills))
        for f in fills:
            if f.kind == "TRADE":  # no fill outside the bar's low-high (+ slippage, none here)
                assert f.bar_low_pts - 1e-9 <= f.price_pts <= f.bar_high_pts + 1e-9


def _run(store: DuckDBStore, p: StrategyPlan) -> BacktestResult:
    res = run_backtest(p, store, contracts())
    _invariants(res)
    return res


def test_iron_fly_held_to_expiry(mem_store: DuckDBStore) -> None:
    load_market(mem_store, STAMPS, FLY_SPOT, FLY_QUOTES, [(W1, "WEEKLY"), (M1, "MONTHLY")])
    res = _run(mem_store, plan(ExitRules()))
    assert len(res.trades) == 1
    t = res.trades[0]
    assert t.exit_reason is ExitReason.EXPIRY
    assert t.premium_inr == pytest.approx(240 * 75)  # credit 240 pts x 75 = 18,000
    # settlement at index close 22130: short 22000 CE pays 130, the rest expire worthless
    # P&L = 240 - 130 = 110 pts x 75 = 8,250
    assert t.pnl_gross_inr == pytest.approx(110 * 75)
    assert t.pnl_net_inr == pytest.approx(8250)
    settle = [f for f in res.fills if f.kind == "SETTLEMENT"]
    assert sorted(f.price_pts for f in settle) == [0.0, 0.0, 0.0, 130.0]
    # value at expiry = intrinsic
    assert {f.strike: f.price_pts for f in settle if f.right == "CE"} == {22000.0: 130.0, 22300.0: 0.0}
    assert res.equity_inr[-1] == pytest.approx(1_000_000 + 8250)
    states = [(tr.from_state.value, tr.to_state.value) for tr in res.transitions]
    assert states == [("PENDING", "OPEN"), ("OPEN", "CLOSING"), ("CLOSING", "CLOSED")]


def test_iron_fly_stopped_out(mem_store: DuckDBStore) -> None:
    load_market(mem_store, STAMPS, FLY_SPOT, FLY_QUOTES, [(W1, "WEEKLY")])
    # stop at 20% of the 240 credit = 48 pts.
    # 11:00: -(260-180) - (60-175) + (80-60) + (20-55) = -80 + 115 + 20 - 35 = +20 (no)
    # 14:00: -(400-180) - (10-175) + (115-60) + (5-55) = -220 + 165 + 55 - 50 = -50 <= -48 -> stop
    res = _run(mem_store, plan(ExitRules(stop_loss_frac=0.2)))
    t = res.trades[0]
    assert t.exit_reason is ExitReason.STOP_LOSS
    assert t.exit_ts == STAMPS[2]
    assert t.pnl_gross_inr == pytest.approx(-50 * 75)  # -3,750
    assert res.transitions[1].values["pnl_inr"] == pytest.approx(-3750)


def test_calendar_closed_by_trailing_profit_target(mem_store: DuckDBStore) -> None:
    stamps = STAMPS[:5]
    quotes = {
        # sell 9 Jan 22000 CE at 100, buy 30 Jan 22000 CE at 250: debit 150 pts
        (W1, 22000.0, "CE"): [100, 90, 80, 85, 90],
        (M1, 22000.0, "CE"): [250, 255, 265, 262, 255],
    }
    load_market(mem_store, stamps, [22010] * 5, quotes, [(W1, "WEEKLY"), (M1, "MONTHLY")])
    legs = (LegSpec("short", Right.CE, Side.SELL, ATM, WEEKLY),
            LegSpec("long", Right.CE, Side.BUY, ATM, ExpiryRule(ExpiryMethod.MONTHLY_INDEX, 0)))
    # P&L in pts: bar1 10+5 = 15, bar2 20+15 = 35, bar3 15+12 = 27, bar4 10+5 = 15
    # trail arms at 20% x 150 = 30 (bar2, peak 35); fires at <= 35 - 10% x 150 = 20 -> bar4 (15)
    # a plain target at 30% x 150 = 45 is never reached
    rules = ExitRules(profit_target_frac=0.3, trailing_activation_frac=0.2, trailing_stop_frac=0.1)
    res = _run(mem_store, plan(rules, legs))
    t = res.trades[0]
    assert t.structure == "CE_CALENDAR"
    assert t.premium_inr == pytest.approx(-150 * 75)  # a debit
    assert t.exit_reason is ExitReason.TRAILING_STOP and t.exit_ts == stamps[4]
    assert t.pnl_gross_inr == pytest.approx(15 * 75)  # 1,125
    assert t.max_profit_inr == pytest.approx(35 * 75)


def test_greek_limit_exit(mem_store: DuckDBStore) -> None:
    deltas = {
        (W1, 22000.0, "CE"): [0.5, 0.55, 0.8, 0.6, 0.55, 1.0],
        (W1, 22000.0, "PE"): [-0.5, -0.45, -0.2, -0.4, -0.45, 0.0],
        (W1, 22300.0, "CE"): [0.1, 0.12, 0.3, 0.15, 0.1, 0.0],
        (W1, 21700.0, "PE"): [-0.1, -0.08, -0.05, -0.05, -0.02, 0.0],
    }
    load_market(mem_store, STAMPS, FLY_SPOT, FLY_QUOTES, [(W1, "WEEKLY")], deltas=deltas)
    # position delta = 75 x (-dCE - dPE + dCEw + dPEw)
    # 11:00: 75 x (-0.55 + 0.45 + 0.12 - 0.08) = 75 x -0.06 = -4.5
    # 14:00: 75 x (-0.8 + 0.2 + 0.3 - 0.05) = 75 x -0.35 = -26.25 -> |26.25| > 20 fires
    res = _run(mem_store, plan(ExitRules(max_abs_delta=20.0)))
    t = res.trades[0]
    assert t.exit_reason is ExitReason.GREEK_DELTA and t.exit_ts == STAMPS[2]
    assert res.transitions[1].values["delta"] == pytest.approx(-26.25)


def test_one_round_trip_india_costs(mem_store: DuckDBStore) -> None:
    load_market(mem_store, STAMPS, FLY_SPOT, FLY_QUOTES, [(W1, "WEEKLY")])
    res = _run(mem_store, plan(ExitRules(stop_loss_frac=0.2), costs=CostSpec(CostPreset.INDIA)))
    t = res.trades[0]
    # rates from 1 Oct 2024: brokerage 20/order, STT 0.1% sell premium, txn 0.03503%,
    # SEBI 1e-6, GST 18% on (brokerage + txn + SEBI), stamp 0.003% buy premium.
    # 8 orders of 75 units; premium turnover:
    sells = [180 * 75, 175 * 75, 115 * 75, 5 * 75]   # entry shorts, exit sells of the wings
    buys = [60 * 75, 55 * 75, 400 * 75, 10 * 75]     # entry wings, exit buy-backs
    turnover = sum(sells) + sum(buys)
    brokerage = 8 * 20
    stt = 0.001 * sum(sells)
    txn = 0.0003503 * turnover
    sebi = 1e-6 * turnover
    gst = 0.18 * (brokerage + txn + sebi)
    stamp = 0.00003 * sum(buys)
    assert t.costs_inr == pytest.approx(brokerage + stt + txn + sebi + gst + stamp)
    assert t.pnl_net_inr == pytest.approx(-3750 - t.costs_inr)


def test_no_quote_at_entry_is_skipped_with_reason(mem_store: DuckDBStore) -> None:
    quotes = dict(FLY_QUOTES)
    quotes[(W1, 21700.0, "PE")] = [None, 20, 5, 1, 0.5, 0.05]
    load_market(mem_store, STAMPS, FLY_SPOT, quotes, [(W1, "WEEKLY")])
    res = _run(mem_store, plan(ExitRules()))
    assert res.trades == []
    assert "long_put_wing: no quote for NIFTY 2025-01-09 21700 PE" in res.skips[0].reason
