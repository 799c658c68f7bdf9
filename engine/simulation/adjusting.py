"""Adjustments inside a position (simulation stage): which rule fires first on a segment, and
applying it (planning its trades, checking debit/credit, breakeven and limit constraints, filling,
recording APPLIED or BLOCKED). Called by the run loop between segments of ``position``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.domain.lifecycle import PositionState
from engine.domain.structures import Leg, Side
from engine.market import MarketView, Timeline, to_datetime
from engine.pricing.greeks import greeks
from engine.pricing.iv import implied_vol
from engine.pricing.time import t_years
from engine.results.records import AdjustmentRecord, Transition
from engine.risk.limits import capped_vega_inr, greek_caps
from engine.simulation.position import (
    Ledger,
    Position,
    Segment,
    book_of,
    fill_leg,
    first_finite,
    horizon,
)
from engine.simulation.quality import staleness_label
from engine.simulation.valuation import fill_missing_greeks
from engine.strategy.adjustments.base import AdjustmentPlan, Market, adjustment_for
from engine.strategy.adjustments.rules import AdjRule
from engine.strategy.adjustments.state import RuleState
from engine.strategy.adjustments.triggers import constraint_masks, trigger_mask
from engine.strategy.breakevens import (
    band_path,
    improvement_reason,
)
from engine.strategy.plan import StrategyPlan
from engine.strategy.selection import ChainSlice, SelectionError

BLOCKED_RETRY_MIN = 60  # minutes before a rule blocked at trade time is tried again
MAX_BLOCKED_ATTEMPTS = 3  # blocked trade attempts after which a rule stops for the position


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
        kind = adjustment_for(rule.action)
        if kind.has_tranches:
            best = _earlier(best, _scalp_firing(rule, pos, seg, st))
            if kind.exhausted(rule, st) is not None:
                continue  # every level used: only scalps remain
        if st.given_up:
            continue
        trig, why = trigger_mask(rule, seg.view, st, seg.inputs,
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
        if seg.stale is not None and seg.stale.any():
            reasons.append((~seg.stale, "a leg's quote is older than " + staleness_label(
                plan.bar_minutes, plan.exits.max_quote_age_minutes)))
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
    """The first bar where the rule's type sells back a leg it bought (a tranche's scalp)."""
    def bought_pts(leg_id: str) -> float:
        return next(f.price_pts for f in reversed(pos.fills) if f.leg_id == leg_id)

    best: Firing | None = None
    for bar, j in adjustment_for(rule.action).scalp_firings(rule, st, pos.legs, bought_pts,
                                                            seg.paths.close, seg.view):
        best = _earlier(best, Firing(bar, rule, scalp_leg=j))
    return best


def _note_blocked(pos: Position, rule: AdjRule, st: RuleState, seg: Segment, bar: int,
                  reason: str, ledger: Ledger) -> None:
    if reason in st.blocked_noted:
        return
    st.blocked_noted.add(reason)
    ledger.adjustments.append(AdjustmentRecord(
        trade_id=pos.trade_id, ts=to_datetime(seg.view.ts[bar]), rule_id=rule.rule_id,
        action=str(rule.action), status="BLOCKED", reason=reason,
        values=_values(seg, bar)))


def _values(seg: Segment, bar: int) -> dict[str, float]:
    v = seg.view
    out = {"spot": float(v.spot[bar]), "move_pts": float(v.spot[bar] - v.ref_spot),
           "pnl_inr": float(v.pnl_inr[bar]), "delta": float(v.greeks["delta"][bar]),
           "iv": float(v.iv[bar])}
    out.update(v.features.values_at(bar))
    return out


def apply_firing(plan: StrategyPlan, mv: MarketView, tl: Timeline, pos: Position, seg: Segment,
                 f: Firing, contracts_lot: Callable[[dt.date, dt.date], int],
                 strike_step: Callable[[dt.date], float], ledger: Ledger) -> bool:
    """Trade the firing rule at its bar; False (and a BLOCKED record) when it cannot."""
    rule, bar = f.rule, seg.c + f.bar
    st = pos.rule_states[rule.rule_id]
    kind = adjustment_for(rule.action)
    at = to_datetime(tl.ts[bar])
    spot = float(tl.close[bar])
    direction = 1 if spot >= pos.ref_spot else -1
    chains: dict[dt.date, ChainSlice] = {}
    try:
        if f.scalp_leg is not None:
            adj = AdjustmentPlan((f.scalp_leg,), (), f"scalp {pos.legs[f.scalp_leg].leg_id}")
        else:
            spent = kind.exhausted(rule, st)
            if spent is not None:
                raise SelectionError(spent)
            listed = mv.listed_expiries(at.date())  # what is listed at the adjustment
            expiries = kind.chain_expiries([leg.expiry for leg in pos.legs], listed, at.date())
            step = strike_step(at.date())
            chains = mv.chain(at, expiries, spot - 20 * step, spot + 20 * step)
            levels = tuple(float(x) for x in seg.view.sr_levels) \
                if seg.view.sr_levels is not None else ()
            # lot sizes at the bar: adjustments size in units, as entry does
            lot_sizes = {e: contracts_lot(e, at.date())
                         for e in sorted(set(expiries) | {leg.expiry for leg in pos.legs})}
            market = Market(at, spot, st.tranche_direction or direction, chains,
                            listed, step, pos.lot_sizes[0],
                            float(seg.state.delta[f.bar]), levels, tuple(pos.lot_sizes),
                            lot_sizes, plan.risk.max_lots)
            adj = kind.plan(rule, pos.legs, market, st)
        _check_cash(rule, pos, adj, seg, f.bar, mv, tl, bar, contracts_lot, chains)
        if f.scalp_leg is None:
            _check_limits(plan, pos, adj, seg, f.bar, mv, tl, bar, contracts_lot, chains)
            _check_breakevens(plan, rule, pos, adj, seg, f.bar, mv, tl, bar, contracts_lot, chains)
    except SelectionError as exc:
        reason = str(exc)
        st.retry_after = tl.ts[bar] + np.timedelta64(max(rule.cooldown_minutes, BLOCKED_RETRY_MIN), "m")
        st.failed_attempts += 1
        note = kind.on_blocked(rule, st, direction) if f.scalp_leg is None else None
        if note is not None:
            reason += f"; {note}"
        elif st.failed_attempts >= MAX_BLOCKED_ATTEMPTS:
            st.given_up = True
            reason += f"; rule given up for this position after {st.failed_attempts} blocked attempts"
        ledger.adjustments.append(AdjustmentRecord(
            trade_id=pos.trade_id, ts=at, rule_id=rule.rule_id, action=str(rule.action),
            status="BLOCKED", reason=reason, values=_values(seg, f.bar)))
        return False
    _trade(plan, mv, tl, pos, seg, f, adj, bar, contracts_lot, ledger)
    return True


def _chains_for(mv: MarketView, at: dt.datetime, legs: tuple[Leg, ...],
                chains: dict[dt.date, ChainSlice]) -> dict[dt.date, ChainSlice]:
    """The chains already loaded at the bar, plus any expiry of ``legs`` they lack."""
    missing = sorted({leg.expiry for leg in legs} - set(chains))
    if missing:
        strikes = [leg.strike for leg in legs]
        chains = {**chains, **mv.chain(at, missing, min(strikes), max(strikes))}
    return chains


def _check_cash(rule: AdjRule, pos: Position, adj: AdjustmentPlan, seg: Segment, row: int,
                mv: MarketView, tl: Timeline, bar: int,
                lot_of: Callable[[dt.date, dt.date], int],
                loaded: dict[dt.date, ChainSlice]) -> None:
    """Debit/credit limits on the adjustment's cash at the bar's closes."""
    if rule.max_debit_frac is None and rule.max_debit_pts is None and rule.min_credit_frac is None:
        return
    cash = 0.0
    for j in adj.close:
        cash += pos.qty[j] * float(seg.paths.close[row, j])
    for j, traded_lots in adj.resize:
        cash -= traded_lots * pos.lot_sizes[j] * float(seg.paths.close[row, j])
    at = to_datetime(tl.ts[bar])
    if adj.open:
        chains = _chains_for(mv, at, adj.open, loaded)
        for leg in adj.open:
            px = chains[leg.expiry].price(leg.strike, leg.right) or 0.0
            cash -= leg.signed_lots * lot_of(leg.expiry, at.date()) * px
    base = abs(pos.premium_inr)
    debit = -cash
    units = max([abs(pos.qty[j]) for j in adj.close] +
                [abs(d) * pos.lot_sizes[j] for j, d in adj.resize] +
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


def _check_limits(plan: StrategyPlan, pos: Position, adj: AdjustmentPlan, seg: Segment, row: int,
                  mv: MarketView, tl: Timeline, bar: int,
                  lot_of: Callable[[dt.date, dt.date], int],
                  loaded: dict[dt.date, ChainSlice]) -> None:
    """Raise when the position after the adjustment would exceed MaxLots or a greek cap."""
    limits = plan.risk
    if limits.max_lots is not None:
        too_big = [leg.leg_id for leg in adj.open if leg.lots > limits.max_lots]
        if too_big:
            raise SelectionError(f"{', '.join(too_big)}: more than MaxLots {limits.max_lots}")
    ivp = seg.view.features.ivp
    caps = greek_caps(limits, ivp=float(ivp[row]) if ivp is not None else None)
    if not caps or not (adj.open or adj.resize):
        return
    keep = [j for j in range(len(pos.legs)) if j not in adj.close]
    at, spot = to_datetime(tl.ts[bar]), float(tl.close[bar])
    day = tl.days[bar:bar + 1]

    def vega_w(expiry: dt.date) -> float:  # sqrt(30 / DTE) with TermVegaWeighting, else 1
        return float(capped_vega_inr(np.ones((1, 1)), [expiry], day, limits)[0])

    after = {"delta": sum(pos.qty[j] * float(seg.paths.delta[row, j]) for j in keep),
             "gamma": sum(pos.qty[j] * float(seg.paths.gamma[row, j]) for j in keep),
             "theta": sum(pos.qty[j] * float(seg.paths.theta[row, j]) for j in keep),
             "vega": sum(pos.qty[j] * float(seg.paths.vega[row, j]) * vega_w(pos.legs[j].expiry)
                         for j in keep)}
    for j, traded_lots in adj.resize:
        units_j = traded_lots * pos.lot_sizes[j]
        after["delta"] += units_j * float(seg.paths.delta[row, j])
        after["gamma"] += units_j * float(seg.paths.gamma[row, j])
        after["theta"] += units_j * float(seg.paths.theta[row, j])
        after["vega"] += units_j * float(seg.paths.vega[row, j]) * vega_w(pos.legs[j].expiry)
    before_vega = sum(pos.qty[j] * float(seg.paths.vega[row, j]) * vega_w(pos.legs[j].expiry)
                      for j in range(len(pos.legs)))
    chains = _chains_for(mv, at, adj.open, loaded)
    for leg in adj.open:
        px = chains[leg.expiry].price(leg.strike, leg.right) or float("nan")
        t = t_years(at, leg.expiry)
        fwd = spot * float(np.exp(plan.rate * t))
        iv = implied_vol(px, fwd, leg.strike, t, plan.rate, leg.right.value)
        g = greeks(fwd, leg.strike, t, plan.rate, iv, leg.right.value)
        units = leg.signed_lots * lot_of(leg.expiry, at.date())
        for name, value in (("delta", g.delta), ("gamma", g.gamma), ("theta", g.theta),
                            ("vega", g.vega * vega_w(leg.expiry))):
            after[name] += units * float(value)
    for name, cap in caps.items():
        before = before_vega if name == "vega" else float(
            getattr(seg.state, {"delta": "delta", "gamma": "gamma", "theta": "theta_inr"}[name])[row])
        if np.isfinite(after[name]) and abs(after[name]) > cap and abs(after[name]) > abs(before):
            raise SelectionError(f"position {name} would be {after[name]:,.2f}, above its cap "
                                 f"{cap:,.2f}")


def _check_breakevens(plan: StrategyPlan, rule: AdjRule, pos: Position, adj: AdjustmentPlan,
                      seg: Segment, row: int, mv: MarketView, tl: Timeline, bar: int,
                      lot_of: Callable[[dt.date, dt.date], int],
                      loaded: dict[dt.date, ChainSlice]) -> None:
    """Raise when the adjustment fails BEImprovementRequired / MaintainBEInAdjustments: the band
    after it is priced at the bar (closes, chain prices, kept legs' IVs, new legs' implied IVs)."""
    bp = plan.breakeven
    if not bp.enabled or (rule.be_improvement_pts is None and not bp.maintain_be):
        return
    at, spot = to_datetime(tl.ts[bar]), float(tl.close[bar])
    keep = [j for j in range(len(pos.legs)) if j not in adj.close]
    cash = pos.cash_inr + sum(pos.qty[j] * float(seg.paths.close[row, j]) for j in adj.close)
    legs, qty = [pos.legs[j] for j in keep], [pos.qty[j] for j in keep]
    for j, traded_lots in adj.resize:
        units_j = traded_lots * pos.lot_sizes[j]
        qty[keep.index(j)] += units_j
        cash -= units_j * float(seg.paths.close[row, j])
    ivs = [float(seg.paths.iv[row, j]) for j in keep]
    if adj.open:
        chains = _chains_for(mv, at, adj.open, loaded)
        for leg in adj.open:
            px = chains[leg.expiry].price(leg.strike, leg.right) or float("nan")
            units = leg.signed_lots * lot_of(leg.expiry, at.date())
            t = t_years(at, leg.expiry)
            fwd = spot * float(np.exp(plan.rate * t))
            ivs.append(float(implied_vol(px, fwd, leg.strike, t, plan.rate, leg.right.value)))
            cash -= units * px
            legs.append(leg)
            qty.append(units)
    after_book = dataclasses.replace(book_of(pos), legs=tuple(legs), qty=tuple(qty), cash_inr=cash,
                                     adjusted=True)
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
    be_before = (first_finite(seg.lower[f.bar:]), first_finite(seg.upper[f.bar:]))
    kept_iv = [float(seg.paths.iv[f.bar, j]) for j in range(len(pos.legs)) if j not in adj.close]
    after = {"delta": 0.0, "vega_inr": 0.0}
    for j in range(len(pos.legs)):
        if j not in adj.close:
            after["delta"] += pos.qty[j] * float(seg.paths.delta[f.bar, j])
            after["vega_inr"] += pos.qty[j] * float(seg.paths.vega[f.bar, j])
    new_fills = [fill_leg(plan, seg.paths, tl, pos.trade_id, pos.legs[j], f.bar, j, -pos.qty[j])
                 for j in adj.close]
    keep = [j for j in range(len(pos.legs)) if j not in adj.close]
    legs = [pos.legs[j] for j in keep] + list(adj.open)
    lots = [pos.lot_sizes[j] for j in keep] + [lot_of(leg.expiry, at.date()) for leg in adj.open]
    qty = [pos.qty[j] for j in keep]
    for j, traded_lots in adj.resize:  # a held leg traded in place (the hedge's synthetic)
        n = keep.index(j)
        units = traded_lots * lots[n]
        new_fills.append(fill_leg(plan, seg.paths, tl, pos.trade_id, pos.legs[j], f.bar, j, units))
        after["delta"] += units * float(seg.paths.delta[f.bar, j])
        after["vega_inr"] += units * float(seg.paths.vega[f.bar, j])
        qty[n] += units
        legs[n] = dataclasses.replace(legs[n], side=Side.BUY if qty[n] > 0 else Side.SELL,
                                      lots=abs(qty[n]) // lots[n])
    if adj.open:
        _, h = horizon(tl, list(adj.open))
        opened_paths = mv.leg_paths(list(adj.open), tl, bar, max(h, bar))
        fill_missing_greeks(opened_paths, list(adj.open), tl, bar, plan.rate, mv.memo)
        kept_iv += [float(x) for x in opened_paths.iv[0]]
        for n, leg in enumerate(adj.open):
            units_n = leg.signed_lots * lot_of(leg.expiry, at.date())
            after["delta"] += units_n * float(opened_paths.delta[0, n])
            after["vega_inr"] += units_n * float(opened_paths.vega[0, n])
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
    kind = adjustment_for(rule.action)
    if f.scalp_leg is None:  # a scalp closes a tranche; the type's state moves on an adjustment
        kind.on_applied(rule, st, 1 if tl.close[bar] >= pos.ref_spot else -1)
    if kind.moves_reference:
        pos.ref_spot = float(tl.close[bar])
    cash = float(sum(x.cash_inr for x in new_fills))
    costs = float(sum(x.costs_inr for x in new_fills))
    lo, hi = band_path(plan.breakeven, book_of(pos), tl.ts[bar:bar + 1], tl.close[bar:bar + 1],
                       np.array([kept_iv]), plan.rate)
    be_after = (first_finite(lo), first_finite(hi))
    ledger.adjustments.append(AdjustmentRecord(
        trade_id=pos.trade_id, ts=at, rule_id=rule.rule_id,
        action=str(rule.action) + ("_SCALP" if f.scalp_leg is not None else ""),
        status="APPLIED", reason=adj.note, values=_values(seg, f.bar),
        closed=tuple(x.leg_id for x in new_fills[:len(adj.close)]),
        opened=tuple(leg.leg_id for leg in adj.open) + tuple(
            f"{pos.legs[keep.index(j)].leg_id}:{d:+d}" for j, d in adj.resize),
        cash_inr=cash, costs_inr=costs,
        greeks_before=before, greeks_after=after, be_before=be_before, be_after=be_after))
    ledger.transitions.append(Transition(pos.trade_id, at, PositionState.OPEN,
                                         PositionState.ADJUSTING, rule.rule_id, _values(seg, f.bar)))
    ledger.transitions.append(Transition(pos.trade_id, at, PositionState.ADJUSTING,
                                         PositionState.OPEN, adj.note, {"cash_inr": cash}))


