"""The event-skipping backtest loop (simulation stage).

Input: a ``StrategyPlan`` (strategy stage) and a ``Store``; output: a ``BacktestResult`` (results
stage). ``run_backtest`` builds the market once (``RunMarket``: the market view, the timeline,
the entry filters, the ``BarFeatures``), then folds ``step(state, bar, market) -> (state,
events)`` over the event-skipping timeline (``next_bar``: the next bar where a position exits or
an entry may be tried), and the ``Recorder`` turns the events into the result's records.
``RunState`` (engine.simulation.events) holds the open positions, up to MaxOpenPositions, one
per expiry cycle. For each entry the step loads the chain at the entry bar, opens the structure,
loads the legs' paths up to the front expiry in one query, evaluates every exit trigger over the
path as vectors, jumps to the first bar where one fires, fills the exit and continues from
there. Work grows with the number of positions, not bars. ``exit_finder`` selects the vectorised
rules (default) or the bar-by-bar reference; both must give the same trades.

No lookahead: the entry uses the chain stamped at or before the entry bar; the exit decision at
bar i uses values at bars <= i; fills happen at bar i (or the next bar's open for NEXT_OPEN).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from engine.data.store import Store
from engine.domain.lifecycle import ExitReason, PositionState
from engine.domain.structures import Side
from engine.errors import DataMissingError
from engine.market import ContractInfo as ContractInfo
from engine.market import LegPaths, MarketNeeds, MarketView, Timeline, to_datetime
from engine.market.context import MarketContext
from engine.market.view import DEFAULT_BUDGET_BYTES, MarketMode
from engine.results.metrics import TradeStats, compute_metrics
from engine.results.records import (
    FillRecord,
    SkipRecord,
    Transition,
)
from engine.results.result import BacktestResult
from engine.risk.limits import capped_vega_inr, entry_block_reason, greek_caps
from engine.simulation.adjusting import apply_firing, next_firing
from engine.simulation.daily import daily_metrics
from engine.simulation.events import (
    Entered,
    Event,
    Exited,
    Noted,
    NoteKind,
    OpenPosition,
    RunState,
    Skipped,
)
from engine.simulation.position import (
    SETTLE_TIME,
    Ledger,
    Position,
    build_segment,
    close_position,
    fill_leg,
    horizon,
    record_segment,
)
from engine.simulation.recorder import Recorder, position_ledger
from engine.simulation.skip_summary import skipped_reason
from engine.simulation.valuation import fill_missing_greeks
from engine.strategy.choices import StrikeMethod
from engine.strategy.entry import (
    DAILY_BAR_MINUTES,
    EntryAttempt,
    blackout_days,
    entry_filters,
    gap_skips,
    no_entry_reason,
    open_structure,
)
from engine.strategy.exits import ExitDecision, first_exit
from engine.strategy.features import METRICS, BarFeatures
from engine.strategy.margin import estimate_margin_inr
from engine.strategy.plan import StrategyPlan
from engine.strategy.regimes import entry_plan
from engine.strategy.selection import SelectionError, select_expiry
from engine.strategy.sizing import EntryValues
from engine.strategy.sr import SRProvider
from engine.strategy.volfilter import gate_reason
from engine.volatility import Regime, RegimeBands, SnapshotCache, VolSnapshot, volatility_regime
from engine.volatility.snapshot import volatility_snapshot


def run_backtest(plan: StrategyPlan, store: Store, contracts: ContractInfo,
                 exit_finder: Callable[..., ExitDecision | None] = first_exit,
                 on_progress: Callable[[float], None] | None = None, *,
                 market_mode: MarketMode = "auto",
                 budget_bytes: int = DEFAULT_BUDGET_BYTES,
                 record_touched: bool = False,
                 context: MarketContext | None = None) -> BacktestResult:
    """Run ``plan`` over ``store`` and return trades, fills, transitions, series and metrics.

    ``market_mode`` and ``budget_bytes`` say how the option bars are loaded (``MarketView``:
    the whole run in one scan, or one scan per expiry cycle); the trades do not depend on it.
    ``record_touched`` keeps every contract window loaded in ``result.market`` (the benchmark's
    floor query). ``context``: what the runs of one worker on one read-only store share
    (``engine.market.context``: option caches, once-a-run queries, the greeks memo); the
    result is the same with or without it."""
    if context is not None:
        store = context.store
    mv = MarketView(store, plan.symbol, plan.bar_minutes, plan.vix_symbol,
                    needs=market_needs(plan), contracts=contracts, mode=market_mode,
                    budget_bytes=budget_bytes, record_touched=record_touched, context=context)
    tl = mv.timeline(plan.start, plan.end)
    check_market(plan, mv, tl, contracts)
    mv.prepare(tl)
    vix = mv.vix_at(tl.ts, plan.start, plan.end)
    filters = entry_filters(tl, plan.entry, vix, _blocked_days(plan, mv, tl),
                            daily=plan.bar_minutes >= DAILY_BAR_MINUTES)
    eligible = np.flatnonzero(np.logical_and.reduce([m for _, m in filters]) if filters
                              else np.ones(len(tl), dtype=bool))
    day_start = _first_bar_of_next_day(tl)
    result = BacktestResult(plan=plan)
    if plan.entry.max_gap_frac is not None:  # the gap filter says which days it skipped
        others = [m for what, m in filters if "MaxGapPct" not in what]
        allowed = np.logical_and.reduce(others) if others else np.ones(len(tl), dtype=bool)
        result.skips.extend(SkipRecord(at, why) for at, why in gap_skips(tl, plan.entry, allowed))
    sr = SRProvider(store, plan.symbol, plan.structure) if plan.structure.active else None
    if sr is not None:
        eligible, sr_skips = sr.entry_filter(tl.ts, tl.close, eligible)
        result.skips.extend(SkipRecord(at, why) for at, why in sr_skips)
    result.regime_changes.extend(regime_changes(tl, vix, plan.vol_gate.params.regime_bands))
    market = RunMarket(plan, store, mv, tl, contracts, exit_finder, eligible, day_start,
                       bar_features(plan, store, mv, tl, vix), vix,
                       _period_ids(tl, plan.entry.roll_period), sr,
                       SnapshotCache(maxsize=64, ttl_s=3600.0), on_progress)
    recorder = Recorder(result, len(tl))
    state = RunState.start(len(tl), plan.capital_inr)
    while (bar := next_bar(state, market)) is not None:
        state, events = step(state, bar, market)
        recorder.record(events)
    _finish(plan, tl, result, recorder.realized_inr, recorder.open_mtm_inr)
    if sr is not None:
        result.log.extend(sr.notes)
    result.skips.sort(key=lambda x: x.ts)
    if not result.trades:
        result.no_trade_reason = no_entry_reason(tl, filters) or skipped_reason(result.skips)
    recorder.lifecycle.check_closed()
    result.market = mv.stats
    return result


@dataclass(frozen=True)
class RunMarket:
    """What a step reads: the plan, the loaded market and the run's per-bar inputs (built once
    by ``run_backtest``; the market view and the snapshot cache fill their caches lazily)."""

    plan: StrategyPlan
    store: Store
    mv: MarketView
    tl: Timeline
    contracts: ContractInfo
    exit_finder: Callable[..., ExitDecision | None]
    eligible: np.ndarray          # the bars where the entry filters allow an entry, ascending
    day_start: np.ndarray         # per bar, the first bar of the next trading day
    features: BarFeatures
    vix: np.ndarray
    period: np.ndarray | None     # roll-period number per bar (one new position per period)
    sr: SRProvider | None
    snapshots: SnapshotCache[VolSnapshot]
    on_progress: Callable[[float], None] | None = None

    def is_eligible(self, bar: int) -> bool:
        pos = int(np.searchsorted(self.eligible, bar))
        return pos < self.eligible.size and int(self.eligible[pos]) == bar


def next_bar(state: RunState, m: RunMarket) -> int | None:
    """The next bar where something happens: an open position exits, or (while fewer than
    MaxOpenPositions are open and trading has not stopped) the next bar at or after
    ``state.resume`` where an entry may be tried. None when the run is over."""
    if state.halted:
        return None
    bars = [p.exit_bar for p in state.open]
    if len(state.open) < m.plan.entry.max_open_positions:
        pos = int(np.searchsorted(m.eligible, state.resume))
        if pos < m.eligible.size:
            bars.append(int(m.eligible[pos]))
    return min(bars) if bars else None


def step(state: RunState, bar: int, m: RunMarket) -> tuple[RunState, list[Event]]:
    """One event of the run: the positions that exit at ``bar`` leave the state (their P&L
    realised, the re-entry, recovery, daily-loss and drawdown rules applied), then, when a
    position may still be opened, an entry is tried at ``bar``. Returns the new state and
    what happened; ``state`` itself is left as it was."""
    events: list[Event] = []
    for p in sorted((p for p in state.open if p.exit_bar == bar), key=lambda p: p.trade_id):
        state = _exit(state, p, m, events)
    if not state.halted and len(state.open) < m.plan.entry.max_open_positions and \
            bar >= state.resume and m.is_eligible(bar):
        state = _try_entry(state, bar, m, events)
    return state, events


def _try_entry(state: RunState, k: int, m: RunMarket, events: list[Event]) -> RunState:
    """Try to open a position at bar ``k``: a skip (and the search moves to the next day) or
    a new open position, simulated to its exit."""
    plan, store, mv, tl, sr = m.plan, m.store, m.mv, m.tl, m.sr
    if m.on_progress is not None:
        m.on_progress(k / len(tl))
    at = to_datetime(tl.ts[k])
    trade_id = state.trade_id + 1
    try:
        ivp: float | None = None
        # the regime in force at this entry selects the override config the position is
        # opened and managed with (VolatilityOverrides); the base plan without overrides
        notes: list[str] = []
        ep = entry_plan(plan, store, at, float(m.vix[k]), m.snapshots, notes)
        events.extend(Noted(NoteKind.LOG, line) for line in notes)
        if ep.vol_gate.active or ep.risk.volatility_adjusted:
            snap = volatility_snapshot(store, plan.symbol, at, ep.vol_gate.lookback,
                                       params=ep.vol_gate.params, cache=m.snapshots)
            ivp = snap.ivp if snap.ivp == snap.ivp else None
            why = gate_reason(snap, ep.vol_gate)
            if why is not None:
                raise SelectionError(f"volatility filter: {why}")
        values = EntryValues(
            vix=float(m.vix[k]), capital_inr=plan.capital_inr,
            **{name: float(series[k]) for name in METRICS
               if (series := m.features.metric(name)) is not None})
        scale = 0.5 ** state.recoveries if plan.exits.stop_recovery == "REDUCE" else 1.0
        levels = sr.levels_on(at.date()) if sr is not None and plan.structure.strikes else ()
        attempt = open_structure(ep, mv, tl, k, float(m.vix[k]), m.contracts, values, scale,
                                 levels)
        cycle = _check_cycle(state, k, attempt)
        opened = _enter(ep, mv, tl, k, attempt, trade_id, ivp)
    except (SelectionError, DataMissingError) as exc:
        events.append(Skipped(at, str(exc)))
        return state.replace(resume=int(m.day_start[k]))
    ledger = position_ledger(len(tl))
    j = _run_position(ep, mv, tl, opened, m.exit_finder, ledger, m.contracts, m.features, sr)
    reason = ledger.trades[-1].exit_reason
    events.append(Entered(trade_id, k, cycle, ledger))
    # while more positions may open, the search goes on from the next day (or roll period)
    resume = int(m.day_start[k])
    if m.period is not None:
        resume = max(resume, int(np.searchsorted(m.period, m.period[k], side="right")))
    return state.with_entry_on(tl.days[k]).replace(
        trade_id=trade_id, resume=resume,
        open=(*state.open, OpenPosition(trade_id, cycle, k, j, reason, ledger)))


def _check_cycle(state: RunState, k: int, attempt: EntryAttempt) -> dt.date:
    """The attempt's expiry cycle (its front expiry); a ``SelectionError`` when a position is
    open on that cycle, or the cycle settled at this very bar."""
    cycle = min(leg.expiry for leg in attempt.legs)
    held = state.cycles_open().get(cycle)
    if held is not None:
        raise SelectionError(f"expiry cycle {cycle} already has a position open (trade {held})")
    if state.settled_at == k and cycle in state.settled:
        raise SelectionError(f"expiry cycle {cycle} settles at this bar")
    return cycle


def _exit(state: RunState, p: OpenPosition, m: RunMarket, events: list[Event]) -> RunState:
    """Position ``p`` leaves the state at its exit bar: its P&L is realised and the rules that
    act after an exit say where the entry search resumes (or that trading stops)."""
    plan, tl, day_start, j = m.plan, m.tl, m.day_start, p.exit_bar
    realized = state.realized_inr + p.ledger.realized
    events.append(Exited(p.trade_id, j, p.reason))
    day_pnl = _day_realized(tl, realized, j)
    i = _next_search_bar(plan, tl, day_start, j, state.entries_by_day.get(tl.days[j], 0),
                         p.reason)
    if m.period is not None:  # one new position per roll period
        i = max(i, int(np.searchsorted(m.period, m.period[p.entry_bar], side="right")))
    recoveries = state.recoveries
    stopped = p.reason in (ExitReason.STOP_LOSS, ExitReason.MAX_LOSS)
    if stopped and plan.exits.stop_recovery != "NONE" and \
            recoveries < plan.exits.max_recovery_attempts:
        recoveries += 1  # recovery entry: after the wait, the same day allowed
        scale = 0.5 ** state.recoveries if plan.exits.stop_recovery == "REDUCE" else 1.0
        resume = tl.ts[j] + np.timedelta64(plan.exits.recovery_wait_minutes, "m")
        i = max(j + 1, int(np.searchsorted(tl.ts, resume, side="left")))
        resume_at = to_datetime(tl.ts[min(i, len(tl) - 1)])
        events.append(Noted(NoteKind.LOG, (
            f"{to_datetime(tl.ts[j])}: trade {p.trade_id} stopped out; recovery entry "
            f"{recoveries} of {plan.exits.max_recovery_attempts} from {resume_at}"
            + (f" at {scale * 0.5:g} x lots" if plan.exits.stop_recovery == "REDUCE" else ""))))
    elif not stopped:
        recoveries = 0
    if plan.risk.max_daily_loss_inr is not None and day_pnl <= -plan.risk.max_daily_loss_inr:
        events.append(Noted(NoteKind.ANOMALY, (
            f"{to_datetime(tl.ts[j]).date()}: daily loss {day_pnl:,.0f} INR reached "
            f"MaxDailyLossINR; no more entries that day")))
        i = int(day_start[j])
    equity = plan.capital_inr + float(realized[: j + 1].sum())
    peak_equity = max(state.peak_equity_inr, equity)
    halted = False
    if plan.risk.max_drawdown_frac is not None and \
            peak_equity - equity >= plan.risk.max_drawdown_frac * plan.capital_inr:
        events.append(Noted(NoteKind.ANOMALY, (
            f"{to_datetime(tl.ts[j])}: drawdown {peak_equity - equity:,.0f} INR reached "
            f"MaxDrawdown; the backtest stopped trading")))
        halted = True
    settled = state.settled if state.settled_at == j else frozenset()
    if p.reason is ExitReason.EXPIRY:
        settled = settled | {p.cycle}
    return state.replace(
        realized_inr=realized, peak_equity_inr=peak_equity, resume=i, recoveries=recoveries,
        open=tuple(q for q in state.open if q.trade_id != p.trade_id), halted=halted,
        settled_at=j if p.reason is ExitReason.EXPIRY else state.settled_at, settled=settled)


def market_needs(plan: StrategyPlan) -> MarketNeeds:
    """What the plan can read besides its legs. Cycle blocks hold the legs only: measured on
    the benchmark, loading a strike band around them for the adjustment rules (20 strikes
    either side, both rights) cost more than the chains and new legs it saved (DuckDB
    materialises about a microsecond a row), so adjustments read those from the store. The
    run block (run mode) spans the entry's strike window and the adjustments' band."""
    rules = plan.adjustments.rules
    return MarketNeeds(chain_band_steps=max(plan.strike_window_steps,
                                            ADJUST_BAND_STEPS if rules else 0))


def check_market(plan: StrategyPlan, mv: MarketView, tl: Timeline, contracts: ContractInfo) -> None:
    """Fail before the run, naming the missing range, when the store has no option bars on the
    run's first day, or not the expiries the plan's legs would open that day, or not the strikes
    its legs' fixed offsets need around spot."""
    on = to_datetime(tl.ts[0]).date()
    try:
        expiries = sorted({select_expiry(mv.listed_expiries(on), on, spec.expiry)
                           for spec in plan.legs})
    except SelectionError:
        expiries = []  # no expiry listed yet: every entry is skipped with its reason
    offsets = [abs(spec.strike.value) for spec in plan.legs
               if spec.strike.method in (StrikeMethod.ATM_OFFSET_PTS, StrikeMethod.ATM)]
    steps = [abs(spec.strike.value) * contracts.strike_step(on) for spec in plan.legs
             if spec.strike.method is StrikeMethod.ATM_OFFSET]
    reach = max([*offsets, *steps, 0.0])
    spot, half = float(tl.close[0]), 0.5 * contracts.strike_step(on)  # ATM: nearest strike
    mv.check_options(tl, expiries, (spot - reach + half, spot + reach - half) if plan.legs
                     else None)


ADJUST_BAND_STEPS = 20  # adjustment rules read the chain 20 strikes either side of spot


@dataclass(frozen=True)
class _Opened:
    """A position that passed its entry checks, with its path loaded."""

    trade_id: int
    k: int
    attempt: EntryAttempt
    paths: LegPaths
    fills: list[FillRecord]
    front: dt.date
    margin_inr: float


def _blocked_days(plan: StrategyPlan, mv: MarketView, tl: Timeline) -> frozenset[np.datetime64]:
    """Days with no entries: event blackouts and, when configured, listed expiry days."""
    blocked: set[np.datetime64] = set()
    if plan.entry.event_blackout:
        blocked |= blackout_days(tl.days, mv.events(plan.start - dt.timedelta(days=30),
                                                    plan.end + dt.timedelta(days=30)),
                                 plan.entry.event_days_before, plan.entry.event_days_after)
    if plan.entry.skip_expiry_day:
        blocked |= short_expiry_days(plan, mv.listed_expiries, tl)
    return frozenset(blocked)


def short_expiry_days(plan: StrategyPlan,
                      listed_on: Callable[[dt.date], list[tuple[dt.date, str]]], tl: Timeline
                      ) -> set[np.datetime64]:
    """Trading days that are the expiry of a short leg the plan would open that day
    (SkipExpiryDayEntry), choosing among the expiries ``listed_on`` that day: a monthly
    strategy still enters on a weekly expiry day."""
    shorts = [spec for spec in plan.legs if spec.side is Side.SELL] or list(plan.legs)
    out: set[np.datetime64] = set()
    for day in np.unique(tl.days):
        on = day.astype(object)
        listed = listed_on(on)
        for spec in shorts:
            try:
                if select_expiry(listed, on, spec.expiry) == on:
                    out.add(day)
            except SelectionError:
                continue
    return out


def _next_search_bar(plan: StrategyPlan, tl: Timeline, day_start: np.ndarray, j: int,
                     entries_on_exit_day: int, reason: ExitReason | None = None) -> int:
    """Where the entry search resumes after a position closed at bar ``j``: at ``j`` itself when
    it settled at expiry (a new cycle may enter on the bar where the previous one settles),
    later the same day (after the cooldown) while re-entries are allowed and fewer than
    1 + MaxReentries entries were made that day, else the next trading day."""
    if reason is ExitReason.EXPIRY:
        return j
    if plan.entry.reentry_same_day and entries_on_exit_day <= plan.entry.max_reentries:
        resume = tl.ts[j] + np.timedelta64(plan.entry.reentry_cooldown_minutes, "m")
        return max(j + 1, int(np.searchsorted(tl.ts, resume, side="left")))
    return int(day_start[j])


def regime_changes(tl: Timeline, vix: np.ndarray, bands: RegimeBands
                   ) -> list[tuple[dt.datetime, str, str, float]]:
    """(time, from, to, VIX) at every bar where the VIX-band regime changes during the run."""
    if bands.basis != "VIX":
        return []
    out: list[tuple[dt.datetime, str, str, float]] = []
    last: Regime | None = None
    for i in np.flatnonzero(np.isfinite(vix)):
        regime = volatility_regime(float(vix[i]), bands)
        if regime is not None and regime is not last:
            if last is not None:
                out.append((to_datetime(tl.ts[i]), last.value, regime.value, float(vix[i])))
            last = regime
    return out


def _needs_daily(plan: StrategyPlan) -> bool:
    """Whether the run needs the previous day's IVP / IVR / ATR percentile per bar."""
    return bool(plan.adjustments.rules) or plan.risk.volatility_adjusted or \
        plan.exits.ivp_above is not None or plan.exits.ivp_below is not None or any(
            leg.sizing.metric != "NONE" or leg.sizing.condition.startswith("IVP")
            for leg in plan.legs)


def bar_features(plan: StrategyPlan, store: Store, mv: MarketView, tl: Timeline, vix: np.ndarray
                 ) -> BarFeatures:
    """The run's per-bar features: the daily metrics when a rule reads them, the VIX for the
    MaxVIX exit, the event-day and pre-event bars for their exits."""
    features = daily_metrics(store, plan.symbol, tl, plan.vol_gate.lookback,
                             plan.vol_gate.params) if _needs_daily(plan) else BarFeatures()
    if plan.exits.max_vix is not None:
        features = features.replace(vix=vix)
    if plan.exits.exit_on_event_day:
        days = {np.datetime64(d, "D") for d, _, _ in mv.events(plan.start, plan.end)}
        first_bar = np.r_[True, tl.days[1:] != tl.days[:-1]]
        features = features.replace(event_open=np.asarray(
            first_bar & np.isin(tl.days, np.array(sorted(days), dtype="datetime64[D]"))))
    if plan.exits.iv_crush_protection:
        features = features.replace(pre_event=_pre_event_bars(
            tl, mv.events(plan.start, plan.end + dt.timedelta(days=10))) > 0)
    return features


def _pre_event_bars(tl: Timeline, events: list[tuple[dt.date, str, bool]]) -> np.ndarray:
    """1.0 on the last bar of each trading day whose next day (trading day, or the calendar day
    after the data) carries an event; 0.0 elsewhere."""
    event_days = {np.datetime64(d, "D") for d, _, _ in events}
    out = np.zeros(len(tl))
    last = np.append(np.flatnonzero(tl.days[1:] != tl.days[:-1]), len(tl) - 1)
    for n, i in enumerate(last):
        nxt = tl.days[last[n + 1]] if n + 1 < len(last) else tl.days[i] + np.timedelta64(1, "D")
        if nxt in event_days:
            out[i] = 1.0
    return out


def _period_ids(tl: Timeline, roll: str | None) -> np.ndarray | None:
    """Roll-period number of every bar (Monday-based weeks, fortnights or months), or None."""
    if roll is None:
        return None
    day = tl.days.astype(np.int64)
    if roll == "MONTHLY":
        return np.asarray(tl.days.astype("datetime64[M]").astype(np.int64))
    week = (day - 4) // 7  # 1970-01-05 (day 4) was a Monday
    return np.asarray(week // 2 if roll == "BIWEEKLY" else week)


def _day_realized(tl: Timeline, realized: np.ndarray, j: int) -> float:
    same_day = tl.days == tl.days[j]
    return float(realized[same_day].sum())


def _first_bar_of_next_day(tl: Timeline) -> np.ndarray:
    """For each bar, the index of the first bar of the following trading day (or len)."""
    change = np.flatnonzero(tl.days[1:] != tl.days[:-1]) + 1
    starts = np.append(change, len(tl))
    return starts[np.searchsorted(change, np.arange(len(tl)), side="right")]


def _enter(plan: StrategyPlan, mv: MarketView, tl: Timeline, k: int, attempt: EntryAttempt,
           trade_id: int, ivp: float | None = None) -> _Opened:
    """Load the path, price the entry fills and apply the risk checks; raise to skip."""
    legs = attempt.legs
    front = min(leg.expiry for leg in legs)
    settle_at = np.datetime64(dt.datetime.combine(front, SETTLE_TIME), "us")
    i1 = int(np.searchsorted(tl.ts, settle_at, side="right")) - 1
    if i1 < k:
        raise SelectionError(f"front expiry {front} has already settled at {to_datetime(tl.ts[k])}")
    paths = attempt.paths if attempt.paths is not None else mv.leg_paths(legs, tl, k, i1)
    fill_missing_greeks(paths, legs, tl, k, plan.rate, mv.memo)
    fills = [fill_leg(plan, paths, tl, trade_id, leg, 0, n, leg.signed_lots * attempt.lot_sizes[n])
             for n, leg in enumerate(legs)]
    qty = np.array([f.qty_units for f in fills], dtype=float)
    px = np.array([f.price_pts for f in fills])
    margin = estimate_margin_inr(legs, px, attempt.lot_sizes, float(tl.close[k]), plan.risk)
    g0 = {"delta": float(paths.delta[0] @ qty), "gamma": float(paths.gamma[0] @ qty),
          "theta": float(paths.theta[0] @ qty),
          "vega": float(capped_vega_inr(paths.vega[:1] * qty, [leg.expiry for leg in legs],
                                        tl.days[k:k + 1], plan.risk)[0])}
    caps = greek_caps(plan.risk, ivp=ivp)
    reason = entry_block_reason(g0, caps, max(leg.lots for leg in legs), margin,
                                plan.capital_inr, plan.risk)
    if reason is not None:
        raise SelectionError(f"entry blocked by risk limits: {reason}")
    return _Opened(trade_id, k, attempt, paths, fills, front, margin)


def _run_position(plan: StrategyPlan, mv: MarketView, tl: Timeline, o: _Opened,
                  exit_finder: Callable[..., ExitDecision | None], ledger: Ledger,
                  contracts: ContractInfo, features: BarFeatures, sr: SRProvider | None) -> int:
    """Segments of the position until an exit fires, recorded in ``ledger``; returns the exit
    bar."""
    k = o.k
    premium = float(sum(f.cash_inr for f in o.fills))
    primary = next((j for j, leg in enumerate(o.attempt.legs)
                    if leg.role.value == "PRIMARY"), 0)
    pos = Position(trade_id=o.trade_id, k=k, structure=o.attempt.structure_name,
                   legs=list(o.attempt.legs), lot_sizes=list(o.attempt.lot_sizes),
                   fills=list(o.fills), margin_inr=o.margin_inr, premium_inr=premium,
                   ref_spot=float(tl.close[k]), qty=[f.qty_units for f in o.fills],
                   iv_entry=float(o.paths.iv[0, primary]),
                   ivp_entry=float(features.ivp[k]) if features.ivp is not None else float("nan"))
    ledger.transitions.append(Transition(o.trade_id, to_datetime(tl.ts[k]), PositionState.PENDING,
                                         PositionState.OPEN, "entry",
                                         {"spot": float(tl.close[k]), "premium_inr": premium,
                                          "margin_inr": o.margin_inr}))
    c = k
    paths: LegPaths | None = o.paths
    while True:
        front, h = horizon(tl, pos.legs)
        if paths is None:
            paths = mv.leg_paths(pos.legs, tl, c, max(h, c))
            fill_missing_greeks(paths, pos.legs, tl, c, plan.rate, mv.memo)
        seg = build_segment(plan, tl, pos, c, paths, features, sr)
        n = paths.close.shape[0]
        decision = exit_finder(seg.state, plan.exits)
        if decision is None:
            j = n - 1
            settle_at = np.datetime64(dt.datetime.combine(front, SETTLE_TIME), "us")
            reason = ExitReason.EXPIRY if tl.days[c + j] == np.datetime64(front, "D") and \
                tl.ts[c + j] <= settle_at else ExitReason.END_OF_DATA
            decision = ExitDecision(j, reason, {"pnl_inr": float(seg.state.pnl_inr[j])})
        limit = decision.bar - (1 if plan.adjustments.exits_first else 0)
        firing = next_firing(plan, pos, seg, limit, ledger)
        if firing is None:
            record_segment(plan, tl, pos, seg, decision.bar, True, ledger)
            return close_position(plan, tl, pos, seg, decision, ledger)
        if apply_firing(plan, mv, tl, pos, seg, firing, contracts.lot_size,
                        contracts.strike_step, ledger):
            record_segment(plan, tl, pos, seg, firing.bar, False, ledger)
            c, paths = c + firing.bar, None
        # a blocked attempt re-evaluates the same segment with the rule's retry wait in force


def _finish(plan: StrategyPlan, tl: Timeline, result: BacktestResult, realized: np.ndarray,
            open_mtm: np.ndarray) -> None:
    equity = plan.capital_inr + np.cumsum(realized) + open_mtm
    last_of_day = np.append(np.flatnonzero(tl.days[1:] != tl.days[:-1]), len(tl) - 1)
    result.equity_dates = [to_datetime(tl.ts[i]).date() for i in last_of_day]
    result.equity_inr = [float(equity[i]) for i in last_of_day]
    stats = [TradeStats(t.pnl_net_inr, t.costs_inr, t.hold_days, t.adjustments)
             for t in result.trades]
    result.metrics = compute_metrics(result.equity_dates, result.equity_inr, stats,
                                     plan.capital_inr, margin_inr=peak_margin_inr(result.trades))


class HeldMargin(Protocol):
    """What :func:`peak_margin_inr` reads of a trade."""

    @property
    def entry_ts(self) -> dt.datetime: ...
    @property
    def exit_ts(self) -> dt.datetime: ...
    @property
    def margin_inr(self) -> float: ...


def peak_margin_inr(trades: Sequence[HeldMargin]) -> float | None:
    """The most margin blocked at once: at each entry, the margins of the trades open then
    (entered at or before it, not yet exited; a trade that exits on the bar another enters no
    longer counts). With one position at a time it is the largest trade margin."""
    held = [(t.entry_ts, t.exit_ts, t.margin_inr) for t in trades if np.isfinite(t.margin_inr)]
    if not held:
        return None
    return max(sum(m for a, b, m in held if a <= at < b or a == at) for at, _, _ in held)
