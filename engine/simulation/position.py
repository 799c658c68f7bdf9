"""One position from entry to exit, with its adjustments (simulation stage).

The position's life is a sequence of segments: from the entry (or the last adjustment) to the
front expiry of the legs then open. For each segment the legs' paths are loaded in one query, the
position's P&L (cash of every fill so far + the open legs' value) and greeks are computed as
arrays, the exit rules and every adjustment rule are evaluated as masks, and the loop jumps to the
first bar where something fires. An exit on the same bar as an adjustment wins unless the policy
says otherwise; several rules due on one bar fire in priority order (lower first), one per bar.
A rule that fires but is blocked (cooldown, cap, hours, blackout, debit limit, breakeven
improvement, no quote) is recorded as blocked with its reason, once per rule and reason.
Breakevens per bar, band states, touch probabilities (``engine.strategy.breakevens``) and the
support/resistance inputs (``engine.strategy.sr``) are computed with the segment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from engine.breakeven import BandState, success_stats
from engine.domain.lifecycle import ExitReason, PositionState
from engine.domain.structures import Leg, PositionRole
from engine.execution.models import cost_model, fill_model
from engine.execution.quotes import BarQuote
from engine.market import LegPaths, Timeline, to_datetime
from engine.results.records import AdjustmentRecord, FillRecord, TradeRecord, Transition
from engine.risk.limits import cap_breaches, capped_vega_inr, term_weighted_vega
from engine.simulation.lifecycle import LifecycleLog
from engine.simulation.quality import quote_jumps, stale_quote_mask, staleness_label
from engine.simulation.valuation import exit_clock
from engine.strategy.adjustments.rules import Trig
from engine.strategy.adjustments.state import RuleState, SegmentView, TriggerInputs
from engine.strategy.breakevens import (
    OpenBook,
    band_path,
    event_line,
    open_book,
    states,
    touch_probability_path,
)
from engine.strategy.exits import ExitDecision, PathState
from engine.strategy.features import BarFeatures
from engine.strategy.plan import StrategyPlan
from engine.strategy.sr import SRProvider

SETTLE_TIME = dt.time(15, 30)


@dataclass
class Ledger:
    """Run-wide accumulators the position writes into (owned by ``run_backtest``)."""

    trades: list[TradeRecord]
    fills: list[FillRecord]
    transitions: LifecycleLog  # appends are checked against the lifecycle
    adjustments: list[AdjustmentRecord]
    anomalies: list[str]
    series: object  # SeriesBuffer
    realized: np.ndarray
    open_mtm: np.ndarray
    log: list[str] = field(default_factory=list)
    be_stats: list[tuple[int, float, bool]] = field(default_factory=list)


@dataclass
class Position:
    """Mutable state of an open position."""

    trade_id: int
    k: int
    structure: str
    legs: list[Leg]
    lot_sizes: list[int]
    fills: list[FillRecord]
    margin_inr: float
    premium_inr: float
    ref_spot: float
    qty: list[int] = field(default_factory=list)
    rule_states: dict[str, RuleState] = field(default_factory=dict)
    n_adjustments: int = 0
    last_adjustment: np.datetime64 | None = None
    peak_inr: float = -np.inf        # best and worst P&L over every recorded segment
    trough_inr: float = np.inf
    iv_entry: float = float("nan")
    ivp_entry: float = float("nan")
    be_rows: int = 0                 # bars with a breakeven band, and those with spot inside
    be_inside: int = 0
    be_left: bool = False
    be_logged: set[int] = field(default_factory=set)  # band states already logged

    @property
    def cash_inr(self) -> float:
        """Cash of every fill so far (sells bring money in)."""
        return float(sum(f.cash_inr for f in self.fills))


def entry_lots(pos: Position) -> int:
    """Lots of the first leg as it was entered, in that leg's own lot size.

    With two lot sizes in one position (a weekly at 25, a monthly at 75) the legs carry equal
    units, so ``lots x lot_size`` of the trade equals the first leg's units (75 = 3 x 25).
    """
    units = abs(pos.fills[0].qty_units) if pos.fills else 0
    return max(1, units // pos.lot_sizes[0]) if units and pos.lot_sizes[0] else pos.legs[0].lots


def fill_leg(plan: StrategyPlan, paths: LegPaths, tl: Timeline, trade_id: int, leg: Leg, row: int,
             col: int, units: int) -> FillRecord:
    """Fill ``units`` (+ buy, - sell) of ``leg`` at ``row`` of its path with the plan's fill model."""
    nxt = row + 1 < paths.open.shape[0]
    quote = BarQuote(open=float(paths.open[row, col]), high=float(paths.high[row, col]),
                     low=float(paths.low[row, col]), close=float(paths.close[row, col]),
                     bid=_opt(paths.bid[row, col]), ask=_opt(paths.ask[row, col]),
                     next_open=float(paths.open[row + 1, col]) if nxt else None)
    is_buy = units > 0
    price = fill_model(plan.fill).fill(quote, is_buy)
    bar = paths.i0 + row + (1 if plan.fill.model.value == "NEXT_OPEN" and nxt else 0)
    ts = to_datetime(tl.ts[bar])
    costs = cost_model(plan.costs).for_fill(is_buy, price.price_pts, abs(units), ts.date())
    return FillRecord(trade_id, ts, leg.leg_id, leg.expiry, leg.strike, leg.right.value, units,
                      price.price_pts, quote.low, quote.high, price.slippage_pts, costs.total_inr,
                      note=price.fallback)


def settle_leg(plan: StrategyPlan, tl: Timeline, trade_id: int, leg: Leg, bar: int,
               units: int) -> FillRecord:
    """Cash-settle ``units`` of ``leg`` at the index close of ``bar`` (its intrinsic value)."""
    spot = float(tl.close[bar])
    intrinsic = leg.intrinsic_pts(spot)
    ts = to_datetime(tl.ts[bar])
    costs = cost_model(plan.costs).for_exercise(units < 0, intrinsic, abs(units), ts.date())
    return FillRecord(trade_id, ts, leg.leg_id, leg.expiry, leg.strike, leg.right.value, units,
                      intrinsic, intrinsic, intrinsic, 0.0, costs.total_inr, kind="SETTLEMENT",
                      note=f"cash settlement at index close {spot:.2f}")


def _opt(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def horizon(tl: Timeline, legs: list[Leg]) -> tuple[dt.date, int]:
    """The front expiry of ``legs`` and the last timeline bar at or before its settlement."""
    return horizon_bar(tl, min(leg.expiry for leg in legs))


@dataclass(frozen=True)
class Segment:
    """One stretch of the position's path with everything evaluated on it."""

    c: int
    paths: LegPaths
    state: PathState
    view: SegmentView
    front: dt.date
    legs: tuple[Leg, ...]
    qty: tuple[int, ...]
    lower: np.ndarray        # breakeven band per bar (NaN: none)
    upper: np.ndarray
    inputs: TriggerInputs
    expiry_row: int | None = None  # the front expiry's settlement bar, when on this segment
    stale: np.ndarray | None = None  # bool per bar: a leg's quote is older than the staleness


def expiry_row(tl: Timeline, c: int, n: int, front: dt.date, bar_minutes: int) -> int | None:
    """Row of the segment (bars c..c+n-1) that is the front expiry's settlement bar: the last bar
    at or before 15:30 on the expiry day, when the session was recorded to its end (a later day
    follows, or the bar is the session's last interval). None when the segment does not reach it,
    or the data stops earlier that day (then the run ends there, END_OF_DATA, at market prices)."""
    _, h = horizon_bar(tl, front)
    if not (c <= h < c + n and tl.days[h] == np.datetime64(front, "D")):
        return None
    closes_session = h + 1 < len(tl) or tl.ts[h] + np.timedelta64(min(bar_minutes, 375), "m") >= \
        np.datetime64(dt.datetime.combine(front, SETTLE_TIME), "us")
    return h - c if closes_session else None


def horizon_bar(tl: Timeline, front: dt.date) -> tuple[dt.date, int]:
    """``front`` and the last timeline bar at or before its 15:30 settlement."""
    settle_at = np.datetime64(dt.datetime.combine(front, SETTLE_TIME), "us")
    return front, int(np.searchsorted(tl.ts, settle_at, side="right")) - 1


def marks_pts(paths: LegPaths, legs: list[Leg] | tuple[Leg, ...], spot: np.ndarray,
              front: dt.date, row: int | None) -> np.ndarray:
    """The legs' marks per bar: their close, except on the expiry bar, where every leg expiring
    then is marked at its intrinsic value against the index (a leg with no expiry-day bar would
    otherwise carry the previous day's price into the settlement)."""
    if row is None:
        return paths.close
    marks = paths.close.copy()
    for m, leg in enumerate(legs):
        if leg.expiry == front:
            marks[row, m] = leg.intrinsic_pts(float(spot[row]))
    return marks


def book_of(pos: Position) -> OpenBook:
    """The position's ``OpenBook`` (legs, units, cash, costs) for its breakevens."""
    return open_book(pos.structure, pos.legs, pos.qty, pos.lot_sizes, pos.fills)


def build_segment(plan: StrategyPlan, tl: Timeline, pos: Position, c: int, paths: LegPaths,
                  features: BarFeatures, sr: SRProvider | None = None) -> Segment:
    """P&L, greeks, breakevens and rule inputs for the current legs from bar ``c``."""
    front, _ = horizon(tl, pos.legs)
    n = paths.close.shape[0]
    here = features.window(c, n)
    qty = np.array(pos.qty, dtype=float)
    ts, spot = tl.ts[c:c + n], tl.close[c:c + n]
    row = expiry_row(tl, c, n, front, plan.bar_minutes)
    pnl = pos.cash_inr + marks_pts(paths, pos.legs, spot, front, row) @ qty
    have = ~paths.stale
    if row is not None:
        have = have.copy()
        have[row] |= np.array([leg.expiry == front for leg in pos.legs])
    stale = np.asarray(stale_quote_mask(have, ts, plan.bar_minutes,
                                        plan.exits.max_quote_age_minutes).any(axis=1))
    greeks = {"delta": paths.delta @ qty, "gamma": paths.gamma @ qty,
              "theta": paths.theta @ qty, "vega": paths.vega @ qty}
    bp = plan.breakeven
    lower, upper = band_path(bp, book_of(pos), ts, spot, paths.iv, plan.rate)
    primary = next((j for j, leg in enumerate(pos.legs) if leg.role is PositionRole.PRIMARY), 0)
    inputs = _trigger_inputs(plan, pos, ts, spot, lower, upper, paths.iv[:, primary], front, sr)
    breaks = None
    if sr is not None and plan.exits.exit_on_sr_break:
        per_unit = float(np.nan_to_num(greeks["delta"][0])) / max(abs(q) for q in pos.qty)
        breaks = sr.break_mask(ts, spot, pos.ref_spot, per_unit)
    state = PathState(pnl_inr=pnl, delta=greeks["delta"], gamma=greeks["gamma"],
                      vega_inr=greeks["vega"], theta_inr=greeks["theta"],
                      after_exit_time=exit_clock(tl, c, n, plan, front) | _held_too_long(
                          plan, tl, pos.k, ts) | (here.event_open
                                                 if here.event_open is not None else False),
                      premium_base_inr=abs(pos.premium_inr), peak_before_inr=pos.peak_inr,
                      sr_break=breaks,
                      be_state=states(bp, spot, lower, upper) if bp.enabled else None,
                      iv_change=_iv_change(paths.iv[:, primary], pos.iv_entry),
                      ivp=here.ivp, pre_event=here.pre_event,
                      units_ref=float(min(abs(q) for leg, q in zip(pos.legs, pos.qty, strict=True)
                                          if leg.role is not PositionRole.SCALP) or 1),
                      vix=here.vix,
                      iv=paths.iv[:, primary], quote_stale=stale)
    view = SegmentView(
        ts=ts, spot=spot, pnl_inr=pnl, greeks=greeks,
        ref_spot=pos.ref_spot, premium_base_inr=abs(pos.premium_inr), iv=paths.iv[:, primary],
        iv_entry=pos.iv_entry, features=here,
        ivp_entry=pos.ivp_entry, be_lower=first_finite(lower), be_upper=first_finite(upper),
        sr_levels=np.asarray(sr.levels_on(to_datetime(ts[0]).date()))
        if sr is not None and (plan.structure.adjustments or plan.structure.strikes) and n
        else None)
    return Segment(c, paths, state, view, front, tuple(pos.legs), tuple(pos.qty), lower, upper,
                   inputs, row, stale)


def _held_too_long(plan: StrategyPlan, tl: Timeline, k: int, ts: np.ndarray) -> np.ndarray:
    """True from the bar at which the position has been held MaxHoldingDays calendar days."""
    if plan.exits.max_holding_days is None:
        return np.zeros(ts.size, dtype=bool)
    return np.asarray(ts >= tl.ts[k] + np.timedelta64(plan.exits.max_holding_days, "D"))


def _iv_change(iv: np.ndarray, iv_entry: float) -> np.ndarray:
    """IV relative to the IV at entry, minus one (NaN where either is unknown)."""
    if not np.isfinite(iv_entry) or iv_entry <= 0:
        return np.full(iv.shape, np.nan)
    return np.asarray(iv / iv_entry - 1.0)


def first_finite(x: np.ndarray) -> float | None:
    return float(x[0]) if x.size and not np.isnan(x[0]) else None


def _trigger_inputs(plan: StrategyPlan, pos: Position, ts: np.ndarray, spot: np.ndarray,
                    lower: np.ndarray, upper: np.ndarray, iv: np.ndarray, front: dt.date,
                    sr: SRProvider | None) -> TriggerInputs:
    """Per-bar S/R distances and breakeven band (and touch probabilities when a rule asks)."""
    rules = plan.adjustments.rules
    prob = None
    if plan.breakeven.enabled and any(r.trigger.be_type == "PROBABILITY" for r in rules):
        prob = touch_probability_path(ts, spot, lower, upper, iv, front, plan.rate,
                                      plan.breakeven.config.recalc_frequency)
    dist = sr.distance_pts(ts, spot) if sr is not None and plan.structure.adjustments and \
        any(r.trigger.kinds & {Trig.SR_HIT} for r in rules) else None
    return TriggerInputs(lower if plan.breakeven.enabled else None,
                         upper if plan.breakeven.enabled else None, prob, dist)


def close_position(plan: StrategyPlan, tl: Timeline, pos: Position, seg: Segment,
                   decision: ExitDecision, ledger: Ledger) -> int:
    """Fill or settle every open leg at the exit bar and record the trade; returns that bar."""
    j, k = decision.bar, pos.k
    bar = seg.c + j
    exit_at = to_datetime(tl.ts[bar])
    ledger.transitions.append(Transition(pos.trade_id, exit_at, PositionState.OPEN,
                                         PositionState.CLOSING, decision.reason.value,
                                         decision.values))
    for m, leg in enumerate(pos.legs):
        if leg.expiry == seg.front and (decision.reason is ExitReason.EXPIRY
                                        or j == seg.expiry_row):
            pos.fills.append(settle_leg(plan, tl, pos.trade_id, leg, bar, -pos.qty[m]))
        else:
            pos.fills.append(fill_leg(plan, seg.paths, tl, pos.trade_id, leg, j, m, -pos.qty[m]))
    ledger.transitions.append(Transition(pos.trade_id, exit_at, PositionState.CLOSING,
                                         PositionState.CLOSED, decision.reason.value, {}))
    ledger.fills.extend(pos.fills)
    gross = pos.cash_inr
    costs = float(sum(f.costs_inr for f in pos.fills))
    pnl = seg.state.pnl_inr[:j + 1]
    ledger.trades.append(TradeRecord(
        trade_id=pos.trade_id, strategy=plan.name, symbol=plan.symbol, structure=pos.structure,
        entry_ts=to_datetime(tl.ts[k]), exit_ts=exit_at, exit_reason=decision.reason,
        entry_spot=float(tl.close[k]), exit_spot=float(tl.close[bar]),
        lots=entry_lots(pos), lot_size=pos.lot_sizes[0], premium_inr=pos.premium_inr, pnl_gross_inr=gross,
        costs_inr=costs, adjustments=pos.n_adjustments, margin_inr=pos.margin_inr,
        max_profit_inr=float(max(np.nanmax(pnl), pos.peak_inr)),
        max_loss_inr=float(min(np.nanmin(pnl), pos.trough_inr))))
    filled = [m for m, leg in enumerate(pos.legs)
              if not (leg.expiry == seg.front and (decision.reason is ExitReason.EXPIRY
                                                   or j == seg.expiry_row))]
    if seg.stale is not None and seg.stale[j] and filled:
        ledger.anomalies.append(
            f"trade {pos.trade_id}: exit fill at {exit_at} used a quote older than "
            f"{staleness_label(plan.bar_minutes, plan.exits.max_quote_age_minutes)} "
            f"({decision.reason.value})")
    ledger.realized[bar] += gross - costs
    if pos.be_rows and plan.breakeven.config.be_success_tracking:
        ledger.be_stats.append((pos.trade_id, pos.be_inside / pos.be_rows, not pos.be_left))
    return bar


def _track_band(plan: StrategyPlan, tl: Timeline, pos: Position, seg: Segment, end: int,
                ledger: Ledger) -> None:
    """Success counts over the recorded rows, and one log line per band state that does not
    close the position (ALERT / HOLD / ADJUST / HEDGE / REVERSE)."""
    spot, lo, hi = tl.close[seg.c:seg.c + end], seg.lower[:end], seg.upper[:end]
    known = ~np.isnan(lo) & ~np.isnan(hi)
    if known.any():
        stats = success_stats(spot[known], lo[known], hi[known])
        pos.be_rows += stats.n_bars
        pos.be_inside += round(stats.fraction_of_time_inside * stats.n_bars)
        pos.be_left |= not stats.stayed_inside
    st = seg.state.be_state
    if st is None:
        return
    closes = {BandState.APPROACH: plan.exits.be_close_on_approach,
              BandState.BREACH: plan.exits.be_close_on_breach}
    for state in (BandState.APPROACH, BandState.BREACH):
        hits = np.flatnonzero(st[:end] == state)
        if hits.size and state not in pos.be_logged and not closes[state]:
            pos.be_logged.add(state)
            i = int(hits[0])
            ledger.log.append(event_line(plan.breakeven, pos.trade_id, to_datetime(tl.ts[seg.c + i]),
                                         state, float(spot[i]), float(lo[i]), float(hi[i])))


def record_segment(plan: StrategyPlan, tl: Timeline, pos: Position, seg: Segment, upto: int,
                   include_last: bool, ledger: Ledger) -> None:
    """Append the segment's rows [0, upto) (or [0, upto]) to the series; flag breaches."""
    end = upto + 1 if include_last else upto
    if end <= 0:
        return
    c, st = seg.c, seg.state
    s = ledger.series
    rows = slice(0, end)
    s.ts.append(tl.ts[c:c + end])  # type: ignore[attr-defined]
    s.trade_id.append(np.full(end, pos.trade_id))  # type: ignore[attr-defined]
    s.spot.append(tl.close[c:c + end])  # type: ignore[attr-defined]
    s.mtm_inr.append(st.pnl_inr[rows])  # type: ignore[attr-defined]
    s.delta.append(st.delta[rows])  # type: ignore[attr-defined]
    s.gamma.append(st.gamma[rows])  # type: ignore[attr-defined]
    s.vega_inr.append(st.vega_inr[rows])  # type: ignore[attr-defined]
    s.theta_inr.append(st.theta_inr[rows])  # type: ignore[attr-defined]
    days = tl.days[c:c + end].astype(np.int64)[:, None]
    dte = np.array([np.datetime64(leg.expiry, "D").astype(np.int64)
                    for leg in seg.legs])[None, :] - days
    qty = np.array(seg.qty, dtype=float)
    s.vega_tw_inr.append(term_weighted_vega(seg.paths.vega[rows] * qty[None, :],  # type: ignore[attr-defined]
                                            dte.astype(float)))
    s.be_lower.append(seg.lower[rows])  # type: ignore[attr-defined]
    s.be_upper.append(seg.upper[rows])  # type: ignore[attr-defined]
    _track_band(plan, tl, pos, seg, end, ledger)
    ledger.open_mtm[c:c + upto] += st.pnl_inr[:upto]
    pos.peak_inr = max(pos.peak_inr, float(np.nanmax(st.pnl_inr[rows])))
    pos.trough_inr = min(pos.trough_inr, float(np.nanmin(st.pnl_inr[rows])))
    values = {"delta": st.delta[rows], "gamma": st.gamma[rows], "theta": st.theta_inr[rows],
              "vega": capped_vega_inr(seg.paths.vega[rows] * qty[None, :], [g.expiry for g in seg.legs],
                                      tl.days[c:c + end], plan.risk)}
    ivp = seg.view.features.ivp
    for name, (cap, over) in cap_breaches(plan.risk, values,
                                          ivp[rows] if ivp is not None else None).items():
        if over.any():
            scaled = " (scaled by HighIVPScale at high IVP)" if plan.risk.volatility_adjusted \
                else ""
            ledger.anomalies.append(
                f"trade {pos.trade_id}: position {name} exceeded its cap {cap:g}{scaled} on "
                f"{int(over.sum())} bars without an exit rule resolving it")
    if seg.stale is not None and seg.stale[1:end].any():
        ledger.anomalies.append(
            f"trade {pos.trade_id}: {int(seg.stale[1:end].sum())} bars from "
            f"{to_datetime(tl.ts[c + 1 + int(np.argmax(seg.stale[1:end]))])} with a leg quote "
            f"older than {staleness_label(plan.bar_minutes, plan.exits.max_quote_age_minutes)}: "
            f"no exit or adjustment was triggered by their prices")
    jumps = quote_jumps(seg.paths.close[rows], plan.jump_sigma, tl.days[c:c + end])
    if jumps:
        ledger.anomalies.append(f"trade {pos.trade_id}: {jumps} quote jumps beyond "
                                f"{plan.jump_sigma:g} sigma on the legs' paths")
