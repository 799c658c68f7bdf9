"""Hand-made backtest results for the results sheets: short-straddle trades with known P&L.

Each trade sells a 1-lot straddle (lot 75 weekly, 25 monthly: lot sizes differ between series)
at its entry and buys it back at its exit; the P&L of a trade is what the test says it is
(the exit premium is solved from it), so sheets can be checked against arithmetic in the test.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from engine.domain.lifecycle import ExitReason
from engine.results.metrics import TradeStats, compute_metrics
from engine.results.records import AdjustmentRecord, FillRecord, TradeRecord
from engine.results.result import BacktestResult
from engine.strategy.plan import ExitRules
from tests.unit.simulation.test_golden import plan

CAPITAL = 1_000_000.0


@dataclasses.dataclass(frozen=True)
class Spec:
    """One trade: entry, exit, net P&L in rupees, and how many adjustments it had."""

    entry: dt.datetime
    exit: dt.datetime
    pnl_inr: float
    adjustments: int = 0
    monthly: bool = False
    costs_inr: float = 0.0


def _expiry(d: dt.date, monthly: bool) -> dt.date:
    thursday = d + dt.timedelta(days=(3 - d.weekday()) % 7)
    if not monthly:
        return thursday
    last = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - 3) % 7)


def _series(res: BacktestResult, trade_id: int, s: Spec, spot: float, band_pts: float,
            seed: int) -> None:
    """Hourly bars of an open trade: spot a random walk, the band spot at entry -/+ band."""
    hours = max(2, int((s.exit - s.entry).total_seconds() // 3600) + 1)
    ts = np.array([np.datetime64(s.entry + dt.timedelta(hours=h), "us") for h in range(hours)])
    walk = spot + np.cumsum(np.random.default_rng(seed).normal(0, 40, hours))
    buf = res.series
    buf.ts.append(ts)
    buf.trade_id.append(np.full(hours, trade_id))
    buf.spot.append(walk)
    for name in ("mtm_inr", "delta", "gamma", "vega_inr", "theta_inr", "vega_tw_inr"):
        getattr(buf, name).append(np.zeros(hours))
    buf.be_lower.append(np.full(hours, spot - band_pts))
    buf.be_upper.append(np.full(hours, spot + band_pts))


def make_result(name: str, specs: list[Spec], spot: float = 22_000.0,
                series: bool = False) -> BacktestResult:
    """A result with one straddle trade per spec and daily equity from the closed P&L (and
    hourly bars with a breakeven band of spot -/+ 300 when ``series``)."""
    res = BacktestResult(plan=dataclasses.replace(plan(ExitRules()), name=name,
                                                  capital_inr=CAPITAL))
    for i, s in enumerate(specs, start=1):
        lot = 25 if s.monthly else 75
        exp = max(_expiry(s.entry.date(), s.monthly), s.exit.date())
        strike = round(spot / 50) * 50
        entry_pts = 150.0  # each leg sold at 150
        # gross P&L = 2 legs x lot x (entry - exit) -> exit per leg
        exit_pts = entry_pts - (s.pnl_inr + s.costs_inr) / (2 * lot)
        for right in ("CE", "PE"):
            res.fills.append(FillRecord(i, s.entry, f"L{right}", exp, strike, right, -lot,
                                        entry_pts, entry_pts - 5, entry_pts + 5, 0.0,
                                        s.costs_inr / 2))
        for k in range(s.adjustments):  # roll the call 100 points up, at no net cash
            ts = s.entry + (s.exit - s.entry) * (k + 1) / (s.adjustments + 1)
            up = strike + 100 * (k + 1)
            res.fills.append(FillRecord(i, ts, "LCE", exp, up - 100, "CE", lot, 120.0, 115, 125,
                                        0.0, 0.0))
            res.fills.append(FillRecord(i, ts, "LCE", exp, up, "CE", -lot, 120.0, 115, 125,
                                        0.0, 0.0))
            res.adjustments.append(AdjustmentRecord(i, ts, f"R{k + 1}", "ROLL_UP", "APPLIED",
                                                    "spot near the call", closed=("LCE",),
                                                    opened=("LCE",)))
        call_strike = strike + 100 * s.adjustments
        for right, k_ in (("CE", call_strike), ("PE", strike)):
            res.fills.append(FillRecord(i, s.exit, f"L{right}", exp, k_, right, lot, exit_pts,
                                        exit_pts - 5, exit_pts + 5, 0.0, 0.0))
        res.trades.append(TradeRecord(
            trade_id=i, strategy=name, symbol="NIFTY", structure="STRADDLE", entry_ts=s.entry,
            exit_ts=s.exit, exit_reason=ExitReason.TIME_EXIT, entry_spot=spot, exit_spot=spot,
            lots=1, lot_size=lot, premium_inr=2 * lot * entry_pts,
            pnl_gross_inr=s.pnl_inr + s.costs_inr, costs_inr=s.costs_inr,
            adjustments=s.adjustments, max_profit_inr=max(s.pnl_inr, 0) + 500.0,
            max_loss_inr=min(s.pnl_inr, 0) - 700.0))
        if series:
            _series(res, i, s, spot, 300.0, seed=i)
    days = sorted({s.exit.date() for s in specs})
    if specs:
        start = min(s.entry.date() for s in specs)
        days = [start, *[d for d in days if d != start]]
    equity = [CAPITAL + sum(s.pnl_inr for s in specs if s.exit.date() <= d) for d in days]
    res.equity_dates, res.equity_inr = days, equity
    res.metrics = compute_metrics(days, equity, [TradeStats(t.pnl_net_inr, t.costs_inr,
                                                            t.hold_days, t.adjustments)
                                                 for t in res.trades], CAPITAL)
    if not specs:
        res.no_trade_reason = "no entry: the IVP filter rejected every candidate bar"
    return res


def at(y: int, m: int, d: int, h: int = 9, mi: int = 20) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi)


def week_trades(n: int, start: dt.date = dt.date(2024, 1, 1), seed: int = 3,
                every_days: int = 7) -> list[Spec]:
    """``n`` trades with random P&L (a fixed seed): one a week, Monday to Wednesday, or one
    every ``every_days`` days (opened and closed the same day when that is under 3)."""
    rng = np.random.default_rng(seed)
    out = []
    first = start - dt.timedelta(days=start.weekday())
    hold = 2 if every_days >= 3 else 0
    for k in range(n):
        day = first + dt.timedelta(days=k * every_days)
        out.append(Spec(dt.datetime.combine(day, dt.time(9, 20)),
                        dt.datetime.combine(day + dt.timedelta(days=hold), dt.time(15, 15)),
                        float(np.round(rng.normal(800, 4000))), adjustments=k % 3,
                        monthly=k % 4 == 3, costs_inr=120.0))
    return out
