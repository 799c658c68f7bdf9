"""When an adjustment rule fires (strategy stage): trigger and constraint masks over a path segment.

A segment is the stretch of an open position between two events (entry, adjustment); bar 0 is the
event bar and never fires. Every mask is causal: bar i uses values stamped at or before bar i.
Daily metrics (IVP, IVR, ATR percentile) are the previous trading day's values from daily_features,
so an intraday bar never sees its own day's close. A trigger whose input is unavailable (no daily
features, no breakeven for the structure) cannot fire; the reason is recorded once.

Every trigger kind is implemented here, once; what depends on the adjustment type (the
direction a PRICE_MOVE counts in, a type's own mask and constraints, its default kinds) is
asked of the type through ``engine.strategy.adjustments.base.adjustment_for``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from engine.strategy.adjustments.base import adjustment_for
from engine.strategy.adjustments.rules import AdjRule, Trig
from engine.strategy.adjustments.state import RuleState, SegmentView, TriggerInputs

Mask = np.ndarray
PER_BAR_KINDS = frozenset({Trig.SR_HIT, Trig.BREAKEVEN})


def _move_pts(view: SegmentView) -> np.ndarray:
    return np.asarray(view.spot - view.ref_spot)


def _threshold_pts(rule: AdjRule, view: SegmentView) -> float | None:
    t = rule.trigger
    if t.price_move_pts is not None:
        return t.price_move_pts
    if t.price_move_frac is not None:
        return t.price_move_frac * view.ref_spot
    return None


def _crossing(x: np.ndarray, level: float, above: bool) -> np.ndarray:
    prev = np.concatenate(([x[0]], x[:-1]))
    with np.errstate(invalid="ignore"):
        return np.asarray((prev < level) & (x >= level) if above else (prev > level) & (x <= level))


def _kind_mask(kind: Trig, rule: AdjRule, view: SegmentView, state: RuleState,
               inputs: TriggerInputs | None, touch_threshold: float
               ) -> tuple[Mask | None, str | None]:
    """(mask, None) or (None, why the condition cannot be evaluated)."""
    t = rule.trigger
    n = view.spot.size
    if kind is Trig.PRICE_MOVE:
        thr = _threshold_pts(rule, view)
        if thr is None:
            return None, "PRICE_MOVE needs PriceMoveThreshold or PriceMoveThresholdPts"
        return adjustment_for(rule.action).price_move_mask(_move_pts(view), thr, state), None
    if kind is Trig.TIME_DECAY:
        if t.time_decay_frac is None:
            return None, "TIME_DECAY needs TimeDecayThreshold"
        return view.pnl_inr >= t.time_decay_frac * view.premium_base_inr, None
    if kind is Trig.GREEK:
        if t.greek is None or t.greek_inr is None:
            return None, "GREEK needs GreekThresholdGreek and GreekThresholdValue"
        return np.abs(np.nan_to_num(view.greeks[t.greek])) >= t.greek_inr, None
    if kind in (Trig.IVP_CROSS, Trig.IVR_CROSS, Trig.ATR_CROSS):
        name, level = {Trig.IVP_CROSS: ("ivp", t.ivp_level), Trig.IVR_CROSS: ("ivr", t.ivr_level),
                       Trig.ATR_CROSS: ("atr_pct", t.atr_level)}[kind]
        if level is None:
            return None, f"{kind.value} needs its level"
        series = view.features.metric(name)
        if series is None or not np.isfinite(series).any():
            return None, f"{name} history unavailable (run `posbt data features`)"
        return _crossing(series, level, t.cross_above), None
    if kind is Trig.IV_CHANGE:
        if t.iv_change_frac is None:
            return None, "IV_CHANGE needs IVChangeTrigger"
        if not np.isfinite(view.iv_entry) or view.iv_entry <= 0:
            return None, "IV at entry unavailable"
        with np.errstate(invalid="ignore"):
            return np.abs(view.iv / view.iv_entry - 1.0) >= t.iv_change_frac, None
    if kind is Trig.VOLATILITY:
        series = view.features.ivp
        if series is None or not np.isfinite(view.ivp_entry):
            return None, "IVP history unavailable for the volatility trigger"
        out = np.zeros(n, dtype=bool)
        with np.errstate(invalid="ignore"):
            if t.ivp_drop is not None:
                out |= view.ivp_entry - series >= t.ivp_drop
            if t.ivp_rise is not None:
                out |= series - view.ivp_entry >= t.ivp_rise
        return out, None
    if kind in PER_BAR_KINDS:
        return _per_bar(kind, rule, view, inputs or TriggerInputs(), touch_threshold)
    return None, f"unknown trigger {kind}"  # pragma: no cover


def _per_bar(kind: Trig, rule: AdjRule, view: SegmentView, inputs: TriggerInputs,
             threshold: float) -> tuple[np.ndarray | None, str | None]:
    t = rule.trigger
    if kind is Trig.SR_HIT:
        if inputs.sr_distance is None:
            return None, inputs.sr_missing
        if t.sr_proximity_pts is None:
            return None, "SR_HIT needs RuleSRProximityPts"
        return inputs.sr_distance <= t.sr_proximity_pts, None
    if inputs.lower is None or inputs.upper is None or np.isnan(inputs.lower).all():
        return None, inputs.be_missing
    side = adjustment_for(rule.action).breakeven_side
    with np.errstate(invalid="ignore"):
        below, above = view.spot <= inputs.lower, view.spot >= inputs.upper
        outside = below if side < 0 else above if side > 0 else below | above
        be_type = t.be_type or "DISTANCE"
        if be_type == "BREACH":
            return np.asarray(outside), None
        if be_type == "PROBABILITY":
            if inputs.touch_prob is None:
                return None, "touch probabilities unavailable"
            hot = inputs.touch_prob >= threshold
            if side:  # the touch is two-sided: the spot must be on the watched half of the band
                mid = 0.5 * (inputs.lower + inputs.upper)
                hot &= (view.spot < mid) if side < 0 else (view.spot > mid)
            return np.asarray(hot), None
        if t.be_distance_pts is None:
            return None, f"{be_type} needs BEDistanceTrigger"
        to_lower, to_upper = np.abs(view.spot - inputs.lower), np.abs(view.spot - inputs.upper)
        dist = to_lower if side < 0 else to_upper if side > 0 else np.minimum(to_lower, to_upper)
        return np.asarray((dist <= t.be_distance_pts) | outside), None



def default_kinds(rule: AdjRule) -> frozenset[Trig]:
    """The rule's trigger kinds, or the one its action implies when none are given."""
    if rule.trigger.kinds:
        return rule.trigger.kinds
    return adjustment_for(rule.action).default_triggers(rule)


def trigger_mask(rule: AdjRule, view: SegmentView, state: RuleState,
                 inputs: TriggerInputs | None = None, touch_threshold: float = float("nan")
                 ) -> tuple[Mask, str | None]:
    """Bars where the rule's trigger holds (bar 0 off), and why it cannot fire when that is so.

    The rule's kinds and the type's own mask (a delta band, say) are ANDed (ORed with ``any_of``).
    SR_HIT and BREAKEVEN read the per-bar ``inputs`` (levels and bands); ``touch_threshold``
    is the probability a PROBABILITY breakeven trigger fires at.
    """
    n = view.spot.size
    masks: list[Mask] = []
    missing: list[str] = []
    kinds = default_kinds(rule)
    # the path-wide kinds first, then the per-bar ones (the order reasons are reported in)
    for kind in sorted(kinds - PER_BAR_KINDS) + sorted(kinds & PER_BAR_KINDS):
        m, why = _kind_mask(kind, rule, view, state, inputs, touch_threshold)
        if m is None:
            missing.append(why or kind.value)
        else:
            masks.append(m)
    own = adjustment_for(rule.action).extra_trigger(rule, view)
    if own is not None:
        masks.append(own)
    if rule.trigger.any_of:
        out = np.zeros(n, dtype=bool)
        for m in masks:
            out |= m
        reason = "; ".join(missing) if not masks and missing else None
    else:
        out = np.ones(n, dtype=bool) if not missing else np.zeros(n, dtype=bool)
        for m in masks:
            out &= m
        reason = "; ".join(missing) if missing else None
    if n:
        out[0] = False
    return out, reason


def constraint_masks(rule: AdjRule, view: SegmentView, state: RuleState,
                     last_any: np.datetime64 | None, global_cooldown_min: int
                     ) -> list[tuple[Mask, str]]:
    """(allowed mask, reason when not allowed) for each constraint of the rule."""
    ts = view.ts
    minutes = ((ts - ts.astype("datetime64[D]")) // np.timedelta64(1, "m")).astype(int)
    lo = rule.start_time.hour * 60 + rule.start_time.minute
    hi = rule.end_time.hour * 60 + rule.end_time.minute
    out: list[tuple[Mask, str]] = [
        ((minutes >= lo) & (minutes <= hi), f"outside allowed hours {rule.start_time:%H:%M}-"
                                            f"{rule.end_time:%H:%M}"),
    ]
    if rule.blackout_weekdays:
        weekday = (ts.astype("datetime64[D]").astype(np.int64) - 4) % 7
        out.append((~np.isin(weekday, list(rule.blackout_weekdays)), "blackout weekday"))
    if rule.vol_blackout_ivp is not None:
        ivp = view.features.ivp
        if ivp is not None:
            lo_ivp, hi_ivp = rule.vol_blackout_ivp
            with np.errstate(invalid="ignore"):
                out.append((~((ivp >= lo_ivp) & (ivp <= hi_ivp)),
                            f"volatility blackout (IVP in [{lo_ivp:g}, {hi_ivp:g}])"))
    if state.last_fire is not None and rule.cooldown_minutes > 0:
        until = state.last_fire + np.timedelta64(rule.cooldown_minutes, "m")
        out.append((ts >= until, f"cooldown {rule.cooldown_minutes} min"))
    if last_any is not None and global_cooldown_min > 0:
        until = last_any + np.timedelta64(global_cooldown_min, "m")
        out.append((ts >= until, f"adjustment cooldown {global_cooldown_min} min"))
    if state.retry_after is not None:
        out.append((ts >= state.retry_after, "retry wait after a blocked attempt"))
    out += adjustment_for(rule.action).extra_constraints(rule, view, state)
    return out


def to_time(ts: np.datetime64) -> dt.time:
    """Wall-clock time of a datetime64 stamp."""
    minutes = int((ts - ts.astype("datetime64[D]")) // np.timedelta64(1, "m"))
    return dt.time(minutes // 60, minutes % 60)
