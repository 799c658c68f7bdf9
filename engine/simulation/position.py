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

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine.breakeven import BandState, success_stats
from engine.domain.structures import Leg, PositionRole
from engine.pricing.iv import implied_vol
from engine.pricing.time import t_years
from engine.results.records import (
    AdjustmentRecord,
    ExitReason,
    FillRecord,
    PositionState,
    TradeRecord,
    Transition,
)
from engine.risk.limits import greek_caps, term_weighted_vega
from engine.simulation.fills import BarQuote
from engine.simulation.market import LegPaths, MarketView, Timeline, to_datetime
from engine.simulation.quality import quote_jumps
from engine.simulation.valuation import exit_clock, fill_missing_greeks
from engine.strategy.adjustments.actions import AdjustmentPlan, Market, plan_adjustment
from engine.strategy.adjustments.rules import AdjAction, AdjRule, Trig
from engine.strategy.adjustments.triggers import RuleState, SegmentView, constraint_masks
from engine.strategy.breakevens import (
    OpenBook,
    TriggerInputs,
    band_path,
    event_line,
    improvement_reason,
    open_book,
    rule_trigger,
    states,
    touch_probability_path,
)
from engine.strategy.exits import ExitDecision, PathState
from engine.strategy.plan import StrategyPlan
from engine.strategy.selection import SelectionError
from engine.strategy.sr import SRProvider

SETTLE_TIME = dt.time(15, 30)
BLOCKED_RETRY_MIN = 30  # minutes before a rule blocked at trade time is tried again


@dataclass
class Ledger:
    """Run-wide accumulators the position writes into (owned by ``run_backtest``)."""

    trades: list[TradeRecord]
    fills: list[FillRecord]
    transitions: list[Transition]
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
    peak_inr: float = -np.inf
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


def fill_leg(plan: StrategyPlan, paths: LegPaths, tl: Timeline, trade_id: int, leg: Leg, row: int,
             col: int, units: int) -> FillRecord:
    """Fill ``units`` (+ buy, - sell) of ``leg`` at ``row`` of its path with the plan's fill model."""
    nxt = row + 1 < paths.open.shape[0]
    quote = BarQuote(open=float(paths.open[row, col]), high=float(paths.high[row, col]),
                     low=float(paths.low[row, col]), close=float(paths.close[row, col]),
                     bid=_opt(paths.bid[row, col]), ask=_opt(paths.ask[row, col]),
                     next_open=float(paths.open[row + 1, col]) if nxt else None)
    is_buy = units > 0
    price = plan.fill.fill(quote, is_buy)
    bar = paths.i0 + row + (1 if plan.fill.model.value == "NEXT_OPEN" and nxt else 0)
    ts = to_datetime(tl.ts[bar])
    costs = plan.costs.for_fill(is_buy, price.price_pts, abs(units), ts.date())
    return FillRecord(trade_id, ts, leg.leg_id, leg.expiry, leg.strike, leg.right.value, units,
                      price.price_pts, quote.low, quote.high, price.slippage_pts, costs.total_inr,
                      note=price.fallback)


def settle_leg(plan: StrategyPlan, tl: Timeline, trade_id: int, leg: Leg, bar: int,
               units: int) -> FillRecord:
    """Cash-settle ``units`` of ``leg`` at the index close of ``bar`` (its intrinsic value)."""
    spot = float(tl.close[bar])
    intrinsic = leg.intrinsic_pts(spot)
    ts = to_datetime(tl.ts[bar])
    costs = plan.costs.for_exercise(units < 0, intrinsic, abs(units), ts.date())
    return FillRecord(trade_id, ts, leg.leg_id, leg.expiry, leg.strike, leg.right.value, units,
                      intrinsic, intrinsic, intrinsic, 0.0, costs.total_inr, kind="SETTLEMENT",
                      note=f"cash settlement at index close {spot:.2f}")


def _opt(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def horizon(tl: Timeline, legs: list[Leg]) -> tuple[dt.date, int]:
    """The front expiry of ``legs`` and the last timeline bar at or before its settlement."""
    front = min(leg.expiry for leg in legs)
    settle_at = np.datetime64(dt.datetime.combine(front, SETTLE_TIME), "us")
    return front, int(np.searchsorted(tl.ts, settle_at, side="right")) - 1


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


def book_of(pos: Position) -> OpenBook:
    """The position's ``OpenBook`` (legs, units, cash, costs) for its breakevens."""
    return open_book(pos.structure, pos.legs, pos.qty, pos.lot_sizes, pos.fills)


def build_segment(plan: StrategyPlan, tl: Timeline, pos: Position, c: int, paths: LegPaths,
                  daily: dict[str, np.ndarray], sr: SRProvider | None = None) -> Segment:
    """P&L, greeks, breakevens and rule inputs for the current legs from bar ``c``."""
    front, _ = horizon(tl, pos.legs)
    n = paths.close.shape[0]
    qty = np.array(pos.qty, dtype=float)
    pnl = pos.cash_inr + paths.close @ qty
    greeks = {"delta": paths.delta @ qty, "gamma": paths.gamma @ qty,
              "theta": paths.theta @ qty, "vega": paths.vega @ qty}
    ts, spot = tl.ts[c:c + n], tl.close[c:c + n]
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
                      after_exit_time=exit_clock(tl, c, n, plan, front),
                      premium_base_inr=abs(pos.premium_inr), peak_before_inr=pos.peak_inr,
                      sr_break=breaks,
                      be_state=states(bp, spot, lower, upper) if bp.enabled else None)
    view = SegmentView(
        ts=ts, spot=spot, pnl_inr=pnl, greeks=greeks,
        ref_spot=pos.ref_spot, premium_base_inr=abs(pos.premium_inr), iv=paths.iv[:, primary],
        iv_entry=pos.iv_entry, daily={k: v[c:c + n] for k, v in daily.items()},
        ivp_entry=pos.ivp_entry, be_lower=_first(lower), be_upper=_first(upper),
        sr_levels=np.asarray(sr.levels_on(to_datetime(ts[0]).date()))
        if sr is not None and plan.structure.adjustments and n else None)
    return Segment(c, paths, state, view, front, tuple(pos.legs), tuple(pos.qty), lower, upper,
                   inputs)


def _first(x: np.ndarray) -> float | None:
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


@dataclass(frozen=True)
class Firing:
    """A rule due at a bar of the segment (index into the segment)."""

    bar: int
    rule: AdjRule
    scalp_leg: int | None = None


def next_firing(plan: StrategyPlan, pos: Position, seg: Segment, limit: int,
                ledger: Ledger) -> Firing | None:
    """The first rule (by bar, then priority) that fires before or at ``limit``."""
    policy = plan.adjustments
    if not policy.rules:
        return None
    best: Firing | None = None
    for rule in sorted(policy.rules, key=lambda r: r.priority):
        st = pos.rule_states.setdefault(rule.rule_id, RuleState())
        if rule.action is AdjAction.REVERSE_BUY:
            best = _earlier(best, _scalp_firing(rule, pos, seg, st))
        trig, why = rule_trigger(rule, seg.view, st, seg.inputs,
                                 plan.breakeven.probability_for(rule.rule_id))
        if why is not None:
            _note_blocked(pos, rule, st, seg, 0, f"cannot evaluate: {why}", ledger)
            continue
        allowed = np.ones_like(trig)
        reasons: list[tuple[np.ndarray, str]] = []
        if st.times >= rule.max_times:
            reasons.append((np.zeros_like(trig), f"fired {st.times} times (MaxTimesPerPosition)"))
        if pos.n_adjustments >= policy.max_adjustments:
            reasons.append((np.zeros_like(trig), f"{pos.n_adjustments} adjustments (MaxAdjustments)"))
        reasons += constraint_masks(rule, seg.view, st, pos.last_adjustment, policy.cooldown_minutes)
        for mask, _ in reasons:
            allowed &= mask
        fire = trig & allowed
        first = int(np.argmax(fire)) if fire.any() else None
        blocked = trig & ~allowed
        if blocked.any():
            b = int(np.argmax(blocked))
            if (first is None or b < first) and b <= limit:
                reason = next(r for m, r in reasons if not m[b])
                _note_blocked(pos, rule, st, seg, b, reason, ledger)
        if first is not None and first <= limit:
            best = _earlier(best, Firing(first, rule))
    return best


def _earlier(a: Firing | None, b: Firing | None) -> Firing | None:
    if a is None:
        return b
    if b is None:
        return a
    return b if (b.bar, b.rule.priority) < (a.bar, a.rule.priority) else a


def _scalp_firing(rule: AdjRule, pos: Position, seg: Segment, st: RuleState) -> Firing | None:
    """Sell a bought tranche at +scalp_frac or when spot reverts to the previous level."""
    thr = seg.view.ref_spot * (rule.trigger.price_move_frac or 0.0) + \
        (rule.trigger.price_move_pts or 0.0)
    best: Firing | None = None
    for j, leg in enumerate(pos.legs):
        if leg.role is not PositionRole.SCALP or not leg.leg_id.startswith(f"{rule.rule_id}_T"):
            continue
        tranche = int(leg.leg_id.rsplit("_T", 1)[1])
        bought = next(f.price_pts for f in reversed(pos.fills) if f.leg_id == leg.leg_id)
        gain = seg.paths.close[:, j] >= bought * (1.0 + rule.scalp_frac)
        prev_level = seg.view.ref_spot + st.tranche_direction * (tranche - 1) * thr
        revert = (seg.view.spot <= prev_level) if st.tranche_direction > 0 else \
            (seg.view.spot >= prev_level)
        mask = gain | revert
        mask[0] = False
        if mask.any():
            best = _earlier(best, Firing(int(np.argmax(mask)), rule, scalp_leg=j))
    return best


def _note_blocked(pos: Position, rule: AdjRule, st: RuleState, seg: Segment, bar: int,
                  reason: str, ledger: Ledger) -> None:
    if reason in st.blocked_noted:
        return
    st.blocked_noted.add(reason)
    ledger.adjustments.append(AdjustmentRecord(
        trade_id=pos.trade_id, ts=to_datetime(seg.view.ts[bar]), rule_id=rule.rule_id,
        action=rule.action.value, status="BLOCKED", reason=reason,
        values=_values(seg, bar)))


def _values(seg: Segment, bar: int) -> dict[str, float]:
    v = seg.view
    out = {"spot": float(v.spot[bar]), "move_pts": float(v.spot[bar] - v.ref_spot),
           "pnl_inr": float(v.pnl_inr[bar]), "delta": float(v.greeks["delta"][bar]),
           "iv": float(v.iv[bar])}
    for name, series in v.daily.items():
        out[name] = float(series[bar])
    return out


@dataclass(frozen=True)
class Applied:
    """The new state after an adjustment: open legs' paths must be reloaded from ``bar``."""

    bar: int


def apply_firing(plan: StrategyPlan, mv: MarketView, tl: Timeline, pos: Position, seg: Segment,
                 f: Firing, contracts_lot: Callable[[dt.date, dt.date], int],
                 strike_step: Callable[[dt.date], float], ledger: Ledger) -> bool:
    """Trade the firing rule at its bar; False (and a BLOCKED record) when it cannot."""
    rule, bar = f.rule, seg.c + f.bar
    st = pos.rule_states[rule.rule_id]
    at = to_datetime(tl.ts[bar])
    spot = float(tl.close[bar])
    direction = 1 if spot >= pos.ref_spot else -1
    try:
        if f.scalp_leg is not None:
            adj = AdjustmentPlan((f.scalp_leg,), (), f"scalp {pos.legs[f.scalp_leg].leg_id}")
        else:
            if rule.action is AdjAction.REVERSE_BUY and st.tranches_bought >= rule.parts:
                raise SelectionError(f"all {rule.parts} tranches bought")
            expiries = sorted({leg.expiry for leg in pos.legs})
            if rule.action is AdjAction.ROLL_DIAGONAL:
                expiries = sorted({e for e, _ in mv.listed_expiries() if e >= at.date()})[:8]
            step = strike_step(at.date())
            chains = mv.chain(at, expiries, spot - 40 * step, spot + 40 * step)
            market = Market(at, spot, st.tranche_direction or direction, chains,
                            mv.listed_expiries(), step, pos.lot_sizes[0],
                            float(seg.state.delta[f.bar]))
            adj = plan_adjustment(rule, pos.legs, market, tranche=st.tranches_bought + 1,
                                  direction=st.tranche_direction or direction,
                                  n_hedges=st.times + 1)
        _check_cash(rule, pos, adj, seg, f.bar, mv, tl, bar, contracts_lot)
        if f.scalp_leg is None:
            _check_breakevens(plan, rule, pos, adj, seg, f.bar, mv, tl, bar, contracts_lot)
    except SelectionError as exc:
        st.retry_after = tl.ts[bar] + np.timedelta64(max(rule.cooldown_minutes, BLOCKED_RETRY_MIN), "m")
        ledger.adjustments.append(AdjustmentRecord(
            trade_id=pos.trade_id, ts=at, rule_id=rule.rule_id, action=rule.action.value,
            status="BLOCKED", reason=str(exc), values=_values(seg, f.bar)))
        return False
    _trade(plan, mv, tl, pos, seg, f, adj, bar, contracts_lot, ledger)
    return True


def _check_cash(rule: AdjRule, pos: Position, adj: AdjustmentPlan, seg: Segment, row: int,
                mv: MarketView, tl: Timeline, bar: int,
                lot_of: Callable[[dt.date, dt.date], int]) -> None:
    """Debit/credit limits on the adjustment's cash at the bar's closes."""
    if rule.max_debit_frac is None and rule.max_debit_pts is None and rule.min_credit_frac is None:
        return
    cash = 0.0
    for j in adj.close:
        cash += pos.qty[j] * float(seg.paths.close[row, j])
    at = to_datetime(tl.ts[bar])
    if adj.open:
        chains = mv.chain(at, sorted({leg.expiry for leg in adj.open}), 0.0, 1e12)
        for leg in adj.open:
            px = chains[leg.expiry].price(leg.strike, leg.right) or 0.0
            cash -= leg.signed_lots * lot_of(leg.expiry, at.date()) * px
    base = abs(pos.premium_inr)
    debit = -cash
    units = max([abs(pos.qty[j]) for j in adj.close] +
                [leg.lots * lot_of(leg.expiry, at.date()) for leg in adj.open] + [1])
    if rule.max_debit_frac is not None and debit > rule.max_debit_frac * base:
        raise SelectionError(f"debit {debit:,.0f} INR above MaxDebitAllowed "
                             f"{rule.max_debit_frac:g} x entry premium {base:,.0f}")
    if rule.max_debit_pts is not None and debit / units > rule.max_debit_pts:
        raise SelectionError(f"debit {debit / units:.2f} pts per unit above MaxDebitPts "
                             f"{rule.max_debit_pts:g}")
    if rule.min_credit_frac is not None and cash < rule.min_credit_frac * base:
        raise SelectionError(f"credit {cash:,.0f} INR below MinCreditRequired "
                             f"{rule.min_credit_frac:g} x entry premium {base:,.0f}")


def _check_breakevens(plan: StrategyPlan, rule: AdjRule, pos: Position, adj: AdjustmentPlan,
                      seg: Segment, row: int, mv: MarketView, tl: Timeline, bar: int,
                      lot_of: Callable[[dt.date, dt.date], int]) -> None:
    """Raise when the adjustment fails BEImprovementRequired / MaintainBEInAdjustments: the band
    after it is priced at the bar (closes, chain prices, kept legs' IVs, new legs' implied IVs)."""
    bp = plan.breakeven
    if not bp.enabled or (rule.be_improvement_pts is None and not bp.maintain_be):
        return
    at, spot = to_datetime(tl.ts[bar]), float(tl.close[bar])
    keep = [j for j in range(len(pos.legs)) if j not in adj.close]
    cash = pos.cash_inr + sum(pos.qty[j] * float(seg.paths.close[row, j]) for j in adj.close)
    legs, qty = [pos.legs[j] for j in keep], [pos.qty[j] for j in keep]
    ivs = [float(seg.paths.iv[row, j]) for j in keep]
    if adj.open:
        chains = mv.chain(at, sorted({leg.expiry for leg in adj.open}), 0.0, 1e12)
        for leg in adj.open:
            px = chains[leg.expiry].price(leg.strike, leg.right) or float("nan")
            units = leg.signed_lots * lot_of(leg.expiry, at.date())
            t = t_years(at, leg.expiry)
            fwd = spot * float(np.exp(plan.rate * t))
            ivs.append(float(implied_vol(px, fwd, leg.strike, t, plan.rate, leg.right.value)))
            cash -= units * px
            legs.append(leg)
            qty.append(units)
    after_book = dataclasses.replace(book_of(pos), legs=tuple(legs), qty=tuple(qty), cash_inr=cash)
    lo, hi = band_path(bp, after_book, tl.ts[bar:bar + 1], tl.close[bar:bar + 1],
                       np.array([ivs]), plan.rate)
    why = improvement_reason(bp, rule.be_improvement_pts, spot,
                             (float(seg.lower[row]), float(seg.upper[row])),
                             (float(lo[0]), float(hi[0])))
    if why is not None:
        raise SelectionError(why)


def _trade(plan: StrategyPlan, mv: MarketView, tl: Timeline, pos: Position, seg: Segment,
           f: Firing, adj: AdjustmentPlan, bar: int, lot_of: Callable[[dt.date, dt.date], int],
           ledger: Ledger) -> None:
    rule = f.rule
    st = pos.rule_states[rule.rule_id]
    at = to_datetime(tl.ts[bar])
    before = {"delta": float(seg.state.delta[f.bar]), "vega_inr": float(seg.state.vega_inr[f.bar])}
    be_before = (_first(seg.lower[f.bar:]), _first(seg.upper[f.bar:]))
    kept_iv = [float(seg.paths.iv[f.bar, j]) for j in range(len(pos.legs)) if j not in adj.close]
    new_fills = [fill_leg(plan, seg.paths, tl, pos.trade_id, pos.legs[j], f.bar, j, -pos.qty[j])
                 for j in adj.close]
    keep = [j for j in range(len(pos.legs)) if j not in adj.close]
    legs = [pos.legs[j] for j in keep] + list(adj.open)
    lots = [pos.lot_sizes[j] for j in keep] + [lot_of(leg.expiry, at.date()) for leg in adj.open]
    qty = [pos.qty[j] for j in keep]
    if adj.open:
        _, h = horizon(tl, list(adj.open))
        opened_paths = mv.leg_paths(list(adj.open), tl, bar, max(h, bar))
        fill_missing_greeks(opened_paths, list(adj.open), tl, bar, plan.rate)
        kept_iv += [float(x) for x in opened_paths.iv[0]]
        for n, leg in enumerate(adj.open):
            units = leg.signed_lots * lots[len(keep) + n]
            if not np.isfinite(opened_paths.close[0, n]):
                raise SelectionError(f"no quote for {leg.leg_id} at {at}")  # pragma: no cover
            new_fills.append(fill_leg(plan, opened_paths, tl, pos.trade_id, leg, 0, n, units))
            qty.append(units)
    pos.fills.extend(new_fills)
    pos.legs, pos.lot_sizes, pos.qty = legs, lots, qty
    pos.n_adjustments += 1
    pos.last_adjustment = tl.ts[bar]
    st.times += 1 if f.scalp_leg is None else 0
    st.last_fire = tl.ts[bar]
    st.retry_after = None
    if rule.action is AdjAction.REVERSE_BUY:
        if f.scalp_leg is None:  # levels are used once: a scalped tranche is not bought again
            st.tranche_direction = st.tranche_direction or (1 if tl.close[bar] >= pos.ref_spot else -1)
            st.tranches_bought += 1
    elif rule.action is not AdjAction.DYNAMIC_HEDGE:
        pos.ref_spot = float(tl.close[bar])
    cash = float(sum(x.cash_inr for x in new_fills))
    costs = float(sum(x.costs_inr for x in new_fills))
    lo, hi = band_path(plan.breakeven, book_of(pos), tl.ts[bar:bar + 1], tl.close[bar:bar + 1],
                       np.array([kept_iv]), plan.rate)
    be_after = (_first(lo), _first(hi))
    ledger.adjustments.append(AdjustmentRecord(
        trade_id=pos.trade_id, ts=at, rule_id=rule.rule_id,
        action=rule.action.value + ("_SCALP" if f.scalp_leg is not None else ""),
        status="APPLIED", reason=adj.note, values=_values(seg, f.bar),
        closed=tuple(x.leg_id for x in new_fills[:len(adj.close)]),
        opened=tuple(leg.leg_id for leg in adj.open), cash_inr=cash, costs_inr=costs,
        greeks_before=before, be_before=be_before, be_after=be_after))
    ledger.transitions.append(Transition(pos.trade_id, at, PositionState.OPEN,
                                         PositionState.ADJUSTING, rule.rule_id, _values(seg, f.bar)))
    ledger.transitions.append(Transition(pos.trade_id, at, PositionState.ADJUSTING,
                                         PositionState.OPEN, adj.note, {"cash_inr": cash}))


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
        if decision.reason is ExitReason.EXPIRY and leg.expiry == seg.front:
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
        lots=min(f.qty_units for f in pos.fills[:1]) and min(abs(leg.lots) for leg in pos.legs),
        lot_size=pos.lot_sizes[0], premium_inr=pos.premium_inr, pnl_gross_inr=gross,
        costs_inr=costs, adjustments=pos.n_adjustments, margin_inr=pos.margin_inr,
        max_profit_inr=float(max(np.nanmax(pnl), pos.peak_inr)),
        max_loss_inr=float(np.nanmin(pnl))))
    if seg.paths.stale[j].any():
        ledger.anomalies.append(f"trade {pos.trade_id}: stale quote used for the exit fill at "
                                f"{exit_at}")
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
    caps = greek_caps(plan.risk, ivp=None)
    values = {"delta": st.delta, "gamma": st.gamma, "theta": st.theta_inr, "vega": st.vega_inr}
    for name, cap in caps.items():
        over = np.abs(np.nan_to_num(values[name][rows])) > cap
        if over.any():
            ledger.anomalies.append(
                f"trade {pos.trade_id}: position {name} exceeded its cap {cap:g} on "
                f"{int(over.sum())} bars without an exit rule resolving it")
    jumps = quote_jumps(seg.paths.close[rows], plan.jump_sigma, tl.days[c:c + end])
    if jumps:
        ledger.anomalies.append(f"trade {pos.trade_id}: {jumps} quote jumps beyond "
                                f"{plan.jump_sigma:g} sigma on the legs' paths")
