"""The event-skipping backtest loop (simulation stage).

Input: a ``StrategyPlan`` (strategy stage) and a ``Store``; output: a ``BacktestResult`` (results
stage). For each entry it loads the chain at the entry bar, opens the structure, loads the legs'
paths up to the front expiry in one query, evaluates every exit trigger over the path as vectors,
jumps to the first bar where one fires, fills the exit and continues from there. Work grows with
the number of positions, not bars. ``exit_finder`` selects the vectorised rules (default) or the
bar-by-bar reference; both must give the same trades.

No lookahead: the entry uses the chain stamped at or before the entry bar; the exit decision at
bar i uses values at bars <= i; fills happen at bar i (or the next bar's open for NEXT_OPEN).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine.data.store import Store
from engine.domain.structures import Leg
from engine.errors import DataMissingError
from engine.results.metrics import Metrics, TradeStats, compute_metrics
from engine.results.records import (
    ExitReason,
    FillRecord,
    PositionState,
    SeriesBuffer,
    SkipRecord,
    TradeRecord,
    Transition,
)
from engine.simulation.market import LegPaths, MarketView, Timeline, to_datetime
from engine.simulation.valuation import fill_missing_greeks, position_path
from engine.strategy.entry import EntryAttempt, entry_mask, open_structure
from engine.strategy.exits import ExitDecision, first_exit
from engine.strategy.plan import StrategyPlan
from engine.strategy.selection import SelectionError

SETTLE_TIME = dt.time(15, 30)


@dataclass
class BacktestResult:
    """Everything a run produced."""

    plan: StrategyPlan
    trades: list[TradeRecord] = field(default_factory=list)
    fills: list[FillRecord] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    skips: list[SkipRecord] = field(default_factory=list)
    anomalies: list[str] = field(default_factory=list)
    series: SeriesBuffer = field(default_factory=SeriesBuffer)
    equity_dates: list[dt.date] = field(default_factory=list)
    equity_inr: list[float] = field(default_factory=list)
    metrics: Metrics | None = None


@dataclass(frozen=True)
class ContractInfo:
    """Contract facts the loop needs, injected so the loop stays testable."""

    lot_size: Callable[[dt.date, dt.date], int]      # (expiry, on) -> units per lot
    strike_step: Callable[[dt.date], float]          # on -> strike step in points


def run_backtest(plan: StrategyPlan, store: Store, contracts: ContractInfo,
                 exit_finder: Callable[..., ExitDecision | None] = first_exit,
                 on_progress: Callable[[float], None] | None = None) -> BacktestResult:
    """Run ``plan`` over ``store`` and return trades, fills, transitions, series and metrics."""
    mv = MarketView(store, plan.symbol, plan.bar_minutes, plan.vix_symbol)
    tl = mv.timeline(plan.start, plan.end)
    needs_vix = plan.entry.vix_range is not None or bool(plan.entry.vix_bands)
    vix = mv.vix_at(tl.ts, plan.start, plan.end) if needs_vix else np.full(len(tl), np.nan)
    eligible = np.flatnonzero(entry_mask(tl, plan.entry, vix))
    day_start = _first_bar_of_next_day(tl)
    result = BacktestResult(plan=plan)
    realized = np.zeros(len(tl))
    open_mtm = np.zeros(len(tl))
    i, trade_id = 0, 0
    while True:
        pos = int(np.searchsorted(eligible, i))
        if pos >= eligible.size:
            break
        k = int(eligible[pos])
        if on_progress is not None:
            on_progress(k / len(tl))
        at = to_datetime(tl.ts[k])
        try:
            attempt = open_structure(plan, mv, tl, k, float(vix[k]), contracts)
        except (SelectionError, DataMissingError) as exc:
            result.skips.append(SkipRecord(at, str(exc)))
            i = int(day_start[k])
            continue
        trade_id += 1
        j = _simulate_position(plan, mv, tl, k, attempt, trade_id, contracts, exit_finder, result,
                               realized, open_mtm)
        i = j + 1 if plan.entry.reentry_same_day else int(day_start[j])
    _finish(plan, tl, result, realized, open_mtm)
    return result


def _first_bar_of_next_day(tl: Timeline) -> np.ndarray:
    """For each bar, the index of the first bar of the following trading day (or len)."""
    change = np.flatnonzero(tl.days[1:] != tl.days[:-1]) + 1
    starts = np.append(change, len(tl))
    return starts[np.searchsorted(change, np.arange(len(tl)), side="right")]


def _simulate_position(plan: StrategyPlan, mv: MarketView, tl: Timeline, k: int,
                       attempt: EntryAttempt, trade_id: int, contracts: ContractInfo,
                       exit_finder: Callable[..., ExitDecision | None], result: BacktestResult,
                       realized: np.ndarray, open_mtm: np.ndarray) -> int:
    legs = attempt.legs
    front = min(leg.expiry for leg in legs)
    settle_at = np.datetime64(dt.datetime.combine(front, SETTLE_TIME), "us")
    i1 = int(np.searchsorted(tl.ts, settle_at, side="right")) - 1
    paths = attempt.paths if attempt.paths is not None else mv.leg_paths(legs, tl, k, i1)
    fill_missing_greeks(paths, legs, tl, k, plan.rate)
    entry_fills = [_fill(plan, paths, tl, trade_id, leg, 0, +1, attempt.lot_sizes[n], n, result)
                   for n, leg in enumerate(legs)]
    qty = np.array([f.qty_units for f in entry_fills], dtype=float)
    entry_px = np.array([f.price_pts for f in entry_fills])
    premium_inr = float(-(qty * entry_px).sum())
    at = to_datetime(tl.ts[k])
    result.transitions.append(Transition(trade_id, at, PositionState.PENDING, PositionState.OPEN,
                                         "entry", {"spot": float(tl.close[k]),
                                                   "premium_inr": premium_inr}))
    state = position_path(paths, tl, k, qty, entry_px, plan, front)
    decision = exit_finder(state, plan.exits)
    n = paths.close.shape[0]
    if decision is None:
        j = n - 1
        reason = ExitReason.EXPIRY if tl.days[k + j] == np.datetime64(front, "D") and \
            tl.ts[k + j] <= settle_at else ExitReason.END_OF_DATA
        decision = ExitDecision(j, reason, {"pnl_inr": float(state.pnl_inr[j])})
    j = decision.bar
    exit_at = to_datetime(tl.ts[k + j])
    result.transitions.append(Transition(trade_id, exit_at, PositionState.OPEN, PositionState.CLOSING,
                                         decision.reason.value, decision.values))
    exit_fills = []
    for m, leg in enumerate(legs):
        if decision.reason is ExitReason.EXPIRY and leg.expiry == front:
            exit_fills.append(_settle(plan, tl, trade_id, leg, k + j, -int(qty[m]), result))
        else:
            exit_fills.append(_fill(plan, paths, tl, trade_id, leg, j, -1, attempt.lot_sizes[m], m,
                                    result, qty_units=-int(qty[m])))
    result.transitions.append(Transition(trade_id, exit_at, PositionState.CLOSING,
                                         PositionState.CLOSED, decision.reason.value, {}))
    fills = entry_fills + exit_fills
    result.fills.extend(fills)
    gross = float(sum(f.cash_inr for f in fills))
    costs = float(sum(f.costs_inr for f in fills))
    lots = min(leg.lots for leg in legs)
    result.trades.append(TradeRecord(
        trade_id=trade_id, strategy=plan.name, symbol=plan.symbol, structure=attempt.structure_name,
        entry_ts=at, exit_ts=exit_at, exit_reason=decision.reason, entry_spot=float(tl.close[k]),
        exit_spot=float(tl.close[k + j]), lots=lots, lot_size=attempt.lot_sizes[0],
        premium_inr=premium_inr, pnl_gross_inr=gross, costs_inr=costs,
        max_profit_inr=float(np.nanmax(state.pnl_inr[:j + 1])),
        max_loss_inr=float(np.nanmin(state.pnl_inr[:j + 1]))))
    rows = slice(0, j + 1)
    s = result.series
    s.ts.append(tl.ts[k:k + j + 1])
    s.trade_id.append(np.full(j + 1, trade_id))
    s.spot.append(tl.close[k:k + j + 1])
    s.mtm_inr.append(state.pnl_inr[rows])
    s.delta.append(state.delta[rows])
    s.gamma.append(state.gamma[rows])
    s.vega_inr.append(state.vega_inr[rows])
    s.theta_inr.append(state.theta_inr[rows])
    open_mtm[k:k + j] += state.pnl_inr[:j]
    realized[k + j] += gross - costs
    stale = paths.stale[j] if j < n else np.zeros(len(legs), bool)
    if stale.any():
        result.anomalies.append(f"trade {trade_id}: stale quote used for the exit fill at {exit_at}")
    return k + j


def _fill(plan: StrategyPlan, paths: LegPaths, tl: Timeline, trade_id: int, leg: Leg, row: int,
          direction: int, lot_size: int, col: int, result: BacktestResult,
          qty_units: int | None = None) -> FillRecord:
    from engine.simulation.fills import BarQuote

    nxt = row + 1 < paths.open.shape[0]
    quote = BarQuote(open=float(paths.open[row, col]), high=float(paths.high[row, col]),
                     low=float(paths.low[row, col]), close=float(paths.close[row, col]),
                     bid=_opt(paths.bid[row, col]), ask=_opt(paths.ask[row, col]),
                     next_open=float(paths.open[row + 1, col]) if nxt else None)
    units = qty_units if qty_units is not None else leg.signed_lots * lot_size * direction
    is_buy = units > 0
    price = plan.fill.fill(quote, is_buy)
    bar = paths.i0 + row + (1 if plan.fill.model.value == "NEXT_OPEN" and nxt else 0)
    ts = to_datetime(tl.ts[bar])
    costs = plan.costs.for_fill(is_buy, price.price_pts, abs(units), ts.date())
    return FillRecord(trade_id, ts, leg.leg_id, leg.expiry, leg.strike, leg.right.value, units,
                      price.price_pts, quote.low, quote.high, price.slippage_pts, costs.total_inr,
                      note=price.fallback)


def _settle(plan: StrategyPlan, tl: Timeline, trade_id: int, leg: Leg, bar: int, units: int,
            result: BacktestResult) -> FillRecord:
    spot = float(tl.close[bar])
    intrinsic = leg.intrinsic_pts(spot)
    ts = to_datetime(tl.ts[bar])
    costs = plan.costs.for_exercise(units < 0, intrinsic, abs(units), ts.date())
    return FillRecord(trade_id, ts, leg.leg_id, leg.expiry, leg.strike, leg.right.value, units,
                      intrinsic, intrinsic, intrinsic, 0.0, costs.total_inr, kind="SETTLEMENT",
                      note=f"cash settlement at index close {spot:.2f}")


def _opt(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _finish(plan: StrategyPlan, tl: Timeline, result: BacktestResult, realized: np.ndarray,
            open_mtm: np.ndarray) -> None:
    equity = plan.capital_inr + np.cumsum(realized) + open_mtm
    last_of_day = np.append(np.flatnonzero(tl.days[1:] != tl.days[:-1]), len(tl) - 1)
    result.equity_dates = [to_datetime(tl.ts[i]).date() for i in last_of_day]
    result.equity_inr = [float(equity[i]) for i in last_of_day]
    stats = [TradeStats(t.pnl_net_inr, t.costs_inr, t.hold_days, t.adjustments)
             for t in result.trades]
    result.metrics = compute_metrics(result.equity_dates, result.equity_inr, stats,
                                     plan.capital_inr)
