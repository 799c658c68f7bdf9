"""Portfolio of constructed runs: per-bar equity, margin and greeks by hand and by a pandas sum,
forward fill without lookahead, and the correlation against numpy.corrcoef."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from engine.analytics.portfolio import (
    bars_table,
    correlation_table,
    daily_pnl,
    held_legs,
    margin_steps,
    portfolio,
    strategy_bars,
)
from engine.domain.lifecycle import ExitReason
from engine.errors import PosbtError
from engine.results.records import FillRecord, SeriesBuffer, TradeRecord
from engine.results.result import BacktestResult
from engine.strategy.plan import StrategyPlan

DAY = dt.date(2025, 1, 6)
CAPITAL = 100_000.0


def _at(hhmm: str, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm))


def _trade(tid: int, entry: dt.datetime, exit_: dt.datetime, pnl: float, margin: float,
           name: str) -> TradeRecord:
    return TradeRecord(trade_id=tid, strategy=name, symbol="NIFTY", structure="IRON_FLY",
                       entry_ts=entry, exit_ts=exit_, exit_reason=ExitReason.EXPIRY,
                       entry_spot=22000.0, exit_spot=22000.0, lots=1, lot_size=75,
                       premium_inr=0.0, pnl_gross_inr=pnl + 20.0, costs_inr=20.0,
                       margin_inr=margin)


def _run(name: str, rows: list[tuple[str, int, float, float]], trades: list[TradeRecord],
         days: list[tuple[dt.date, float]]) -> BacktestResult:
    """``rows``: (time, trade, mtm, delta) per bar of an open position (vega = 10 x delta)."""
    series = SeriesBuffer()
    series.ts.append(np.array([np.datetime64(_at(t), "us") for t, *_ in rows]))
    series.trade_id.append(np.array([tid for _, tid, _, _ in rows]))
    series.mtm_inr.append(np.array([m for _, _, m, _ in rows]))
    series.delta.append(np.array([d for *_, d in rows]))
    series.gamma.append(np.zeros(len(rows)))
    series.vega_inr.append(np.array([10 * d for *_, d in rows]))
    series.theta_inr.append(np.zeros(len(rows)))
    for col in ("spot", "vega_tw_inr", "be_lower", "be_upper"):
        getattr(series, col).append(np.zeros(len(rows)))
    plan = StrategyPlan(name=name, symbol="NIFTY", legs=(), start=DAY, end=DAY,
                        capital_inr=CAPITAL)
    return BacktestResult(plan=plan, trades=trades, series=series,
                          equity_dates=[d for d, _ in days], equity_inr=[e for _, e in days])


# A (5-minute bars): trade 1 from 09:15 to 09:25, marked -100, +50, then exits at +200 gross
# (net 180 after 20 of costs); margin 1,000
A = _run("A", [("09:15", 1, -100.0, 1.0), ("09:20", 1, 50.0, 2.0), ("09:25", 1, 200.0, 3.0)],
         [_trade(1, _at("09:15"), _at("09:25"), 180.0, 1000.0, "A")],
         [(DAY, CAPITAL + 180), (DAY + dt.timedelta(1), CAPITAL + 180),
          (DAY + dt.timedelta(2), CAPITAL + 500), (DAY + dt.timedelta(3), CAPITAL + 300)])
# B (15-minute bars): trade 7 from 09:15 to 09:45, marked +10, -40, exits net -35; margin 500
B = _run("B", [("09:15", 7, 10.0, -0.5), ("09:30", 7, -40.0, -1.5), ("09:45", 7, -15.0, -1.0)],
         [_trade(7, _at("09:15"), _at("09:45"), -35.0, 500.0, "B")],
         [(DAY, CAPITAL - 35), (DAY + dt.timedelta(1), CAPITAL + 65),
          (DAY + dt.timedelta(3), CAPITAL - 100)])  # no row on the third day


def test_one_strategy_bars_realise_at_the_exit_bar() -> None:
    bars = strategy_bars(A)
    # 09:15 and 09:20 marked, 09:25 realised: 180 net, greeks and margin 0 after the exit
    assert bars["equity_inr"].tolist() == [CAPITAL - 100, CAPITAL + 50, CAPITAL + 180]
    assert bars["margin_inr"].tolist() == [1000, 1000, 0]
    assert bars["delta"].tolist() == [1.0, 2.0, 0.0]


def test_combined_equity_is_the_forward_filled_sum() -> None:
    p = portfolio([A, B])
    times = [_at(t) for t in ("09:15", "09:20", "09:25", "09:30", "09:45")]
    assert [t.to_pydatetime() for t in p.bars.index] == times
    # A on the common timeline: -100, +50, +180, then +180 held (flat after its exit)
    # B: +10, +10 (09:20 and 09:25 keep its 09:15 row), -40, then -35 realised at 09:45
    a = np.array([-100, 50, 180, 180, 180]) + CAPITAL
    b = np.array([10, 10, 10, -40, -35]) + CAPITAL
    assert p.bars["equity_inr"].tolist() == pytest.approx((a + b).tolist())
    # the same as a pandas forward-filled sum of the two strategies' own rows
    own = pd.concat([strategy_bars(A)["equity_inr"], strategy_bars(B)["equity_inr"]], axis=1)
    assert p.bars["equity_inr"].tolist() == pytest.approx(own.ffill().sum(axis=1).tolist())
    # margin: A 1,000 until 09:25, B 500 until 09:45
    assert p.bars["margin_inr"].tolist() == [1500, 1500, 500, 500, 0]
    # delta: A 1, 2, 0 (exited), 0, 0; B -0.5 held to 09:25, -1.5, 0 (exited)
    assert p.bars["delta"].tolist() == pytest.approx([0.5, 1.5, -0.5, -1.5, 0.0])
    assert p.bars["vega_inr"].tolist() == pytest.approx([5, 15, -5, -15, 0])
    # drawdown from the running peak, the peak starting at the capital 200,000:
    # totals -90, +60, +190, +140, +145 -> -90, 0, 0, -50, -45
    assert p.bars["drawdown_inr"].tolist() == pytest.approx([-90, 0, 0, -50, -45])
    assert p.max_drawdown_inr == pytest.approx(-90)
    assert p.capital_inr == 2 * CAPITAL


def test_a_strategy_before_its_first_row_is_flat_at_its_capital() -> None:
    late = _run("L", [("09:30", 3, 25.0, 1.0), ("09:35", 3, 40.0, 1.0)],
                [_trade(3, _at("09:30"), _at("09:35"), 30.0, 200.0, "L")], [(DAY, CAPITAL + 30)])
    p = portfolio([A, late])
    assert p.equity_by_strategy["L"].tolist() == [CAPITAL, CAPITAL, CAPITAL, CAPITAL + 25,
                                                  CAPITAL + 30]
    assert p.bars["margin_inr"].tolist() == [1000, 1000, 0, 200, 0]  # no later value leaks in


def test_correlation_matches_numpy_corrcoef_of_hand_daily_pnl() -> None:
    daily = daily_pnl([A, B])
    # A: 180 against capital, 0, +320, -200; B: -35, +100, 0 (no row: carried), -165
    assert daily["A"].tolist() == [180, 0, 320, -200]
    assert daily["B"].tolist() == [-35, 100, 0, -165]
    p = portfolio([A, B])
    expected = np.corrcoef([180, 0, 320, -200], [-35, 100, 0, -165])
    assert p.correlation is not None
    assert p.correlation == pytest.approx(expected)
    headers, rows = correlation_table(p)
    assert headers == ["strategy", "A", "B"]
    assert rows[0][2] == pytest.approx(expected[0, 1]) and rows[1][1] == rows[0][2]


def test_one_strategy_is_a_portfolio_whose_correlation_is_na() -> None:
    p = portfolio([A])
    assert p.correlation is None and p.correlation_note.startswith("n/a")
    assert correlation_table(p)[1] == [["A", None]]
    headers, rows = bars_table(p)
    assert headers[-1] == "equity_A_inr" and len(rows) == 3
    assert rows[2][1] == CAPITAL + 180


def test_repeated_names_and_no_strategy_are_errors() -> None:
    with pytest.raises(PosbtError, match="repeat"):
        portfolio([A, A])
    with pytest.raises(PosbtError, match="at least one"):
        portfolio([])


def test_a_run_without_trades_stays_at_its_capital() -> None:
    idle = _run("I", [], [], [(DAY, CAPITAL), (DAY + dt.timedelta(1), CAPITAL),
                              (DAY + dt.timedelta(2), CAPITAL)])
    p = portfolio([A, idle])
    assert p.equity_by_strategy["I"].tolist() == [CAPITAL] * 3
    assert p.correlation is not None and np.isnan(p.correlation[0, 1])
    assert "never changes" in p.correlation_note


# ---- margin after adjustments ------------------------------------------------------------
EXPIRY = dt.date(2025, 1, 9)


def _fill(tid: int, hhmm: str, strike: float, right: str, qty: int, px: float) -> FillRecord:
    return FillRecord(trade_id=tid, ts=_at(hhmm), leg_id=f"{right}{strike:g}", expiry=EXPIRY,
                      strike=strike, right=right, qty_units=qty, price_pts=px,
                      bar_low_pts=px, bar_high_pts=px, slippage_pts=0.0, costs_inr=0.0)


def _adjusted_fly() -> BacktestResult:
    """An iron fly (75 units a leg) entered at 09:15 whose call wing is moved out at 09:20
    and whose put side is closed at 09:25; it exits at 09:30. Entry margin 1,000 (as
    recorded by the run), spot 22,100 at 09:20 and 22,150 at 09:25."""
    run = _run("F", [("09:15", 1, 0.0, 0.0), ("09:20", 1, 0.0, 0.0), ("09:25", 1, 0.0, 0.0),
                     ("09:30", 1, 0.0, 0.0)],
               [_trade(1, _at("09:15"), _at("09:30"), 0.0, 1000.0, "F")], [(DAY, CAPITAL)])
    run.series.spot[:] = [np.array([22000.0, 22100.0, 22150.0, 22150.0])]
    run.fills = [
        _fill(1, "09:15", 22000, "CE", -75, 100.0), _fill(1, "09:15", 22000, "PE", -75, 100.0),
        _fill(1, "09:15", 22300, "CE", 75, 20.0), _fill(1, "09:15", 21700, "PE", 75, 20.0),
        # 09:20: the call wing 22,300 sold back, 22,500 bought (the wing widened by 200)
        _fill(1, "09:20", 22300, "CE", -75, 15.0), _fill(1, "09:20", 22500, "CE", 75, 8.0),
        # 09:25: the put side closed (short 22,000 bought back, long 21,700 sold)
        _fill(1, "09:25", 22000, "PE", 75, 90.0), _fill(1, "09:25", 21700, "PE", -75, 15.0),
        # 09:30: the rest closed at the exit
        _fill(1, "09:30", 22000, "CE", 75, 120.0), _fill(1, "09:30", 22500, "CE", -75, 10.0)]
    return run


def test_margin_follows_the_position_after_each_adjustment() -> None:
    # 09:20, held: short CE 22,000 @100, short PE 22,000 @100, long CE 22,500 @8, long PE
    # 21,700 @20 (75 units each). Net premium 75 x (-100 - 100 + 8 + 20) = -12,900 (credit).
    # Worst at expiry: spot >= 22,500, the call spread loses 75 x 500 = 37,500; + the
    # credit = -24,600 (the put side: 75 x 300 = 22,500 less the credit, smaller).
    # Exposure: 2% of the short notional 150 units x 22,100 = 66,300. Margin 90,900.
    at_0920 = 24_600 + 0.02 * 150 * 22_100
    # 09:25, held: short CE 22,000 @100, long CE 22,500 @8: credit 75 x 92 = 6,900; worst
    # 37,500 - 6,900 = 30,600; exposure 2% of 75 x 22,150 = 33,225. Margin 63,825.
    at_0925 = 30_600 + 0.02 * 75 * 22_150
    assert (at_0920, at_0925) == (90_900, 63_825)
    bars = strategy_bars(_adjusted_fly())
    # the entry bar keeps the run's own entry estimate; the exit bar is realised (0)
    assert bars["margin_inr"].tolist() == pytest.approx([1000, at_0920, at_0925, 0])


def test_margin_steps_and_held_legs_of_an_adjusted_trade() -> None:
    run = _adjusted_fly()
    steps = margin_steps(run)
    assert [t.to_pydatetime().time().isoformat("minutes") for t in steps["ts"]] == [
        "09:15", "09:20", "09:25"]  # none at the exit
    assert steps["margin"].tolist() == pytest.approx([1000, 90_900, 63_825])
    legs, px = held_legs([f for f in run.fills if f.ts <= _at("09:20")])
    assert sorted((leg.strike, leg.right.value, leg.signed_lots, float(p))
                  for leg, p in zip(legs, px, strict=True)) == [
        (21700, "PE", 75, 20.0), (22000, "CE", -75, 100.0), (22000, "PE", -75, 100.0),
        (22500, "CE", 75, 8.0)]
    # adding to a leg averages its opening price: 75 @ 100 then 75 @ 130 -> 150 @ 115;
    # a partial close keeps it; a fill through flat opens at its own price
    more = [_fill(2, "09:15", 22000, "CE", -75, 100.0), _fill(2, "09:20", 22000, "CE", -75, 130.0)]
    ((leg, p),) = zip(*held_legs(more), strict=True)
    assert (leg.signed_lots, p) == (-150, 115.0)
    ((leg, p),) = zip(*held_legs([*more, _fill(2, "09:25", 22000, "CE", 50, 90.0)]),
                      strict=True)
    assert (leg.signed_lots, p) == (-100, 115.0)
    ((leg, p),) = zip(*held_legs([*more, _fill(2, "09:25", 22000, "CE", 200, 90.0)]),
                      strict=True)
    assert (leg.signed_lots, p) == (50, 90.0)
