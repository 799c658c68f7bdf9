"""Exit rules (strategy stage): which bar of an open position's path fires an exit, and why.

Two implementations of the same rules: ``first_exit`` evaluates every trigger as a vector over the
whole path and takes the earliest bar (the event-skipping engine), ``first_exit_scalar`` walks bar
by bar (the reference the benchmark and tests compare against). Both are causal: the decision at
bar i uses values at bars <= i only (running peak for the trailing stop). Bar 0 is the entry bar
and never exits. When several triggers fire on the same bar the priority is: stop loss, maximum
loss in rupees, greek limits (delta, gamma, vega), S/R break, breakeven action, volatility
expansion, volatility contraction, IVP extreme, IV-crush protection, VIX / IV limit, trailing stop, profit
target, time exit. The IV is that of the position's first primary leg relative to its IV at
entry; IVP is the previous trading day's (daily_features), so an intraday bar never sees its own
day's close. The S/R-break mask
(``engine.strategy.sr``) and the breakeven band states (``engine.strategy.breakevens``) are
computed by the simulation and carried in the ``PathState``; each is causal on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.domain.lifecycle import ExitReason
from engine.strategy.plan import ExitRules

# Triggers read from the legs' prices (P&L, greeks and IV implied from them): a bar where a
# leg's quote is stale never fires them. Time, spot (S/R, breakeven band), VIX and the previous
# day's IVP do not depend on the legs' quotes.
PRICE_DRIVEN: frozenset[ExitReason] = frozenset({
    ExitReason.STOP_LOSS, ExitReason.MAX_LOSS, ExitReason.GREEK_DELTA, ExitReason.GREEK_GAMMA,
    ExitReason.GREEK_VEGA, ExitReason.VOL_EXPANSION, ExitReason.VOL_CONTRACTION,
    ExitReason.IV_CRUSH, ExitReason.TRAILING_STOP, ExitReason.PROFIT_TARGET})

PRIORITY: tuple[ExitReason, ...] = (
    ExitReason.STOP_LOSS, ExitReason.MAX_LOSS, ExitReason.GREEK_DELTA, ExitReason.GREEK_GAMMA,
    ExitReason.GREEK_VEGA, ExitReason.SR_BREAK, ExitReason.BREAKEVEN,
    ExitReason.VOL_EXPANSION, ExitReason.VOL_CONTRACTION, ExitReason.IVP_EXTREME,
    ExitReason.IV_CRUSH, ExitReason.VOL_LIMIT,
    ExitReason.TRAILING_STOP, ExitReason.PROFIT_TARGET, ExitReason.TIME_EXIT,
)


@dataclass(frozen=True)
class PathState:
    """What exit rules see of an open position, per bar of its path (bar 0 = entry)."""

    pnl_inr: np.ndarray
    delta: np.ndarray      # position delta in index units (NaN unknown)
    gamma: np.ndarray
    vega_inr: np.ndarray   # rupees per vol point
    theta_inr: np.ndarray  # rupees per calendar day
    after_exit_time: np.ndarray  # bool: the scheduled exit time has been reached
    premium_base_inr: float      # |net premium at entry|, the unit of the fraction thresholds
    peak_before_inr: float = -math.inf  # highest P&L of the position before this path segment
    sr_break: np.ndarray | None = None  # bool: spot broke an S/R level on a side that hurts
    be_state: np.ndarray | None = None  # int8 ``BandState`` per bar (None: no breakevens)
    iv_change: np.ndarray | None = None  # IV / IV at entry - 1 per bar (NaN unknown)
    ivp: np.ndarray | None = None        # previous trading day's IVP per bar (NaN unknown)
    pre_event: np.ndarray | None = None  # bool: last bar before an event day
    units_ref: float = math.nan          # units of one structure lot (points thresholds)
    vix: np.ndarray | None = None        # VIX of the latest VIX bar at or before each bar
    iv: np.ndarray | None = None         # IV of the first primary leg per bar
    quote_stale: np.ndarray | None = None  # bool: a leg's latest quote is older than the
    #                                        staleness; price-driven triggers never fire there


@dataclass(frozen=True)
class ExitDecision:
    """The bar (index into the path) and reason of an exit, with the values that fired it."""

    bar: int
    reason: ExitReason
    values: dict[str, float]


def trigger_masks(s: PathState, rules: ExitRules) -> dict[ExitReason, np.ndarray]:
    """Every configured trigger as a boolean vector over the path (bar 0 masked off)."""
    n = s.pnl_inr.size
    base = s.premium_base_inr
    masks: dict[ExitReason, np.ndarray] = {}
    if rules.stop_loss_frac is not None or rules.stop_loss_pts is not None:
        masks[ExitReason.STOP_LOSS] = s.pnl_inr <= -_stop_inr(s, rules)
    if rules.max_loss_inr is not None:
        masks[ExitReason.MAX_LOSS] = s.pnl_inr <= -rules.max_loss_inr
    if rules.max_abs_delta is not None:
        masks[ExitReason.GREEK_DELTA] = np.abs(s.delta) > rules.max_abs_delta
    if rules.max_abs_gamma is not None:
        masks[ExitReason.GREEK_GAMMA] = np.abs(s.gamma) > rules.max_abs_gamma
    if rules.max_abs_vega_inr is not None:
        masks[ExitReason.GREEK_VEGA] = np.abs(s.vega_inr) > rules.max_abs_vega_inr
    with np.errstate(invalid="ignore"):
        if rules.vol_expansion_frac is not None and s.iv_change is not None:
            masks[ExitReason.VOL_EXPANSION] = s.iv_change >= rules.vol_expansion_frac
        if rules.vol_contraction_frac is not None and s.iv_change is not None:
            masks[ExitReason.VOL_CONTRACTION] = s.iv_change <= -rules.vol_contraction_frac
        if s.ivp is not None and (rules.ivp_above is not None or rules.ivp_below is not None):
            hi = rules.ivp_above if rules.ivp_above is not None else math.inf
            lo = rules.ivp_below if rules.ivp_below is not None else -math.inf
            masks[ExitReason.IVP_EXTREME] = (s.ivp > hi) | (s.ivp < lo)
        if rules.iv_crush_protection:
            masks[ExitReason.IV_CRUSH] = iv_crush_mask(s, rules)
        limit = np.zeros(n, dtype=bool)
        if rules.max_vix is not None and s.vix is not None:
            limit |= s.vix > rules.max_vix
        if rules.max_atm_iv is not None and s.iv is not None:
            limit |= s.iv > rules.max_atm_iv
        if limit.any():
            masks[ExitReason.VOL_LIMIT] = limit
    if rules.trailing_stop_frac is not None:
        fresh_pnl = s.pnl_inr if s.quote_stale is None else np.where(s.quote_stale, -np.inf,
                                                                        s.pnl_inr)
        peak = np.maximum(np.maximum.accumulate(fresh_pnl), s.peak_before_inr)
        act = rules.trailing_activation_frac if rules.trailing_activation_frac is not None else 0.0
        armed = peak >= act * base
        masks[ExitReason.TRAILING_STOP] = armed & (s.pnl_inr <= peak - rules.trailing_stop_frac * base)
    if rules.profit_target_frac is not None or rules.profit_target_pts is not None:
        masks[ExitReason.PROFIT_TARGET] = s.pnl_inr >= _target_inr(s, rules)
    if rules.exit_on_sr_break and s.sr_break is not None:
        masks[ExitReason.SR_BREAK] = s.sr_break.copy()
    be = _be_close_mask(s, rules)
    if be is not None:
        masks[ExitReason.BREAKEVEN] = be
    masks[ExitReason.TIME_EXIT] = s.after_exit_time.copy()
    if s.quote_stale is not None:
        for reason in PRICE_DRIVEN & masks.keys():
            masks[reason] = masks[reason] & ~s.quote_stale
    for m in masks.values():
        if n:
            m[0] = False
    return masks


def _be_close_mask(s: PathState, rules: ExitRules) -> np.ndarray | None:
    """Bars where the breakeven band state asks to close (APPROACH = 1, BREACH = 2)."""
    if s.be_state is None or not (rules.be_close_on_approach or rules.be_close_on_breach):
        return None
    state = s.be_state
    return np.asarray(state >= 1) if rules.be_close_on_approach else np.asarray(state == 2)


def _threshold_inr(s: PathState, frac: float | None, pts: float | None) -> float:
    """A stop or target level in rupees: the nearer of a fraction of the entry premium and
    points per structure unit (infinite when neither is set)."""
    levels = []
    if frac is not None:
        levels.append(frac * s.premium_base_inr)
    if pts is not None and math.isfinite(s.units_ref):
        levels.append(pts * s.units_ref)
    return min(levels) if levels else math.inf


def _stop_inr(s: PathState, rules: ExitRules) -> float:
    """The loss (rupees, positive) at which the stop fires."""
    return _threshold_inr(s, rules.stop_loss_frac, rules.stop_loss_pts)


def _target_inr(s: PathState, rules: ExitRules) -> float:
    """The profit (rupees) at which the target fires."""
    return _threshold_inr(s, rules.profit_target_frac, rules.profit_target_pts)


def iv_crush_mask(s: PathState, rules: ExitRules) -> np.ndarray:
    """Long-vega bars that are the last before an event day, or where IV has fallen by the
    crush threshold since entry (IV-crush protection)."""
    long_vega = np.nan_to_num(s.vega_inr) > 0
    crush = np.zeros(long_vega.shape, dtype=bool)
    if s.pre_event is not None:
        crush |= s.pre_event
    if s.iv_change is not None:
        with np.errstate(invalid="ignore"):
            crush |= s.iv_change <= -rules.iv_crush_drop_frac
    return np.asarray(long_vega & crush)


def _values(s: PathState, i: int) -> dict[str, float]:
    return {"pnl_inr": float(s.pnl_inr[i]), "delta": float(s.delta[i]),
            "gamma": float(s.gamma[i]), "vega_inr": float(s.vega_inr[i]),
            "premium_inr": s.premium_base_inr}


def first_exit(s: PathState, rules: ExitRules) -> ExitDecision | None:
    """Earliest bar where a trigger fires (vectorised); None if none fires on the path."""
    masks = trigger_masks(s, rules)
    best: tuple[int, int, ExitReason] | None = None
    for rank, reason in enumerate(PRIORITY):
        m = masks.get(reason)
        if m is None or not m.any():
            continue
        i = int(np.argmax(m))
        if best is None or (i, rank) < (best[0], best[1]):
            best = (i, rank, reason)
    if best is None:
        return None
    return ExitDecision(best[0], best[2], _values(s, best[0]))


def first_exit_scalar(s: PathState, rules: ExitRules) -> ExitDecision | None:
    """The same rules evaluated bar by bar with plain Python (the reference implementation)."""
    base = s.premium_base_inr
    peak = s.peak_before_inr
    for i in range(s.pnl_inr.size):
        pnl = float(s.pnl_inr[i])
        stale = s.quote_stale is not None and bool(s.quote_stale[i])
        if not stale:
            peak = max(peak, pnl)
        if i == 0:
            continue
        fired: list[ExitReason] = []
        if (rules.stop_loss_frac is not None or rules.stop_loss_pts is not None) and \
                pnl <= -_stop_inr(s, rules):
            fired.append(ExitReason.STOP_LOSS)
        if rules.max_loss_inr is not None and pnl <= -rules.max_loss_inr:
            fired.append(ExitReason.MAX_LOSS)
        if rules.max_abs_delta is not None and abs(s.delta[i]) > rules.max_abs_delta:
            fired.append(ExitReason.GREEK_DELTA)
        if rules.max_abs_gamma is not None and abs(s.gamma[i]) > rules.max_abs_gamma:
            fired.append(ExitReason.GREEK_GAMMA)
        if rules.max_abs_vega_inr is not None and abs(s.vega_inr[i]) > rules.max_abs_vega_inr:
            fired.append(ExitReason.GREEK_VEGA)
        if rules.exit_on_sr_break and s.sr_break is not None and s.sr_break[i]:
            fired.append(ExitReason.SR_BREAK)
        if s.be_state is not None and ((rules.be_close_on_approach and s.be_state[i] >= 1) or
                                       (rules.be_close_on_breach and s.be_state[i] == 2)):
            fired.append(ExitReason.BREAKEVEN)
        chg = float(s.iv_change[i]) if s.iv_change is not None else math.nan
        if rules.vol_expansion_frac is not None and chg >= rules.vol_expansion_frac:
            fired.append(ExitReason.VOL_EXPANSION)
        if rules.vol_contraction_frac is not None and chg <= -rules.vol_contraction_frac:
            fired.append(ExitReason.VOL_CONTRACTION)
        ivp = float(s.ivp[i]) if s.ivp is not None else math.nan
        if (rules.ivp_above is not None and ivp > rules.ivp_above) or \
                (rules.ivp_below is not None and ivp < rules.ivp_below):
            fired.append(ExitReason.IVP_EXTREME)
        if rules.iv_crush_protection and float(s.vega_inr[i]) > 0 and (
                (s.pre_event is not None and bool(s.pre_event[i]))
                or chg <= -rules.iv_crush_drop_frac):
            fired.append(ExitReason.IV_CRUSH)
        if (rules.max_vix is not None and s.vix is not None and s.vix[i] > rules.max_vix) or (
                rules.max_atm_iv is not None and s.iv is not None and s.iv[i] > rules.max_atm_iv):
            fired.append(ExitReason.VOL_LIMIT)
        if rules.trailing_stop_frac is not None:
            act = rules.trailing_activation_frac or 0.0
            if peak >= act * base and pnl <= peak - rules.trailing_stop_frac * base:
                fired.append(ExitReason.TRAILING_STOP)
        if (rules.profit_target_frac is not None or rules.profit_target_pts is not None) and \
                pnl >= _target_inr(s, rules):
            fired.append(ExitReason.PROFIT_TARGET)
        if s.after_exit_time[i]:
            fired.append(ExitReason.TIME_EXIT)
        if stale:
            fired = [r for r in fired if r not in PRICE_DRIVEN]
        if fired:
            return ExitDecision(i, fired[0], _values(s, i))
    return None
