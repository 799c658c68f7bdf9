"""Entry rules (strategy stage): which bars may open a position, and opening the structure.

``entry_mask`` is a vector over the run's timeline: allowed weekday, inside the intraday window,
VIX inside the configured range (VIX of the latest VIX bar at or before the bar). ``open_structure``
runs at one candidate bar: picks expiries and strikes from the chain stamped at or before that bar,
checks quotes and the premium window (the VIX band's window when bands are configured), and
returns the legs to open with their lot sizes. It raises ``SelectionError`` with the reason an
entry is skipped; the loop records it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.domain.structures import Leg
from engine.market import LegPaths, MarketView, Timeline, to_datetime
from engine.strategy.margin import estimate_margin_inr
from engine.strategy.plan import EntryRules, LegSpec, StrategyPlan
from engine.strategy.selection import ChainSlice, SelectionError, select_expiry, select_strike
from engine.strategy.sizing import EntryValues, sized_lots
from engine.strategy.units import balanced_lots

if TYPE_CHECKING:
    from engine.market import ContractInfo


@dataclass(frozen=True)
class EntryAttempt:
    """A structure ready to open at a bar."""

    legs: tuple[Leg, ...]
    lot_sizes: tuple[int, ...]
    structure_name: str
    net_premium_pts: float
    paths: LegPaths | None = None
    notes: tuple[str, ...] = ()


DAILY_BAR_MINUTES = 1440


def entry_filters(tl: Timeline, rules: EntryRules, vix: np.ndarray,
                  blocked_days: frozenset[np.datetime64] = frozenset(), *,
                  daily: bool = False) -> list[tuple[str, np.ndarray]]:
    """Each entry filter as (what it requires, bars it allows), in the order they apply.

    At daily bars (``daily``) the bar stands for the whole session, so the intraday window does
    not apply: the day's bar is in the window whenever the day is."""
    out: list[tuple[str, np.ndarray]] = []
    if not daily:
        minutes = ((tl.ts - tl.days.astype("datetime64[us]")) // np.timedelta64(1, "m")).astype(int)
        lo = rules.window_start.hour * 60 + rules.window_start.minute
        hi = rules.window_end.hour * 60 + rules.window_end.minute
        out.append((f"a bar inside the entry window {rules.window_start:%H:%M}-"
                    f"{rules.window_end:%H:%M} (EntryStartTime / EntryEndTime)",
                    np.asarray((minutes >= lo) & (minutes <= hi))))
    weekday = (tl.days.astype(np.int64) - 4) % 7  # 1970-01-01 was a Thursday (3); Monday = 0
    out.append(("an allowed weekday (EntryWeekdays)",
                np.asarray(np.isin(weekday, list(rules.weekdays)))))
    if rules.vix_range is not None:
        with np.errstate(invalid="ignore"):
            out.append((f"VIX within {rules.vix_range[0]:g}-{rules.vix_range[1]:g} "
                        "(VIXMinEntry / VIXMaxEntry)",
                        np.asarray((vix >= rules.vix_range[0]) & (vix <= rules.vix_range[1]))))
    if rules.vix_bands:
        in_band = np.zeros(vix.shape, dtype=bool)
        with np.errstate(invalid="ignore"):
            for band in rules.vix_bands:
                in_band |= (vix >= band.vix_low) & (vix < band.vix_high)
        out.append(("VIX inside one of the VIX bands (UseVIXBands)", in_band))
    if blocked_days:
        out.append(("a day outside the event blackouts and skipped expiry days",
                    np.asarray(~np.isin(tl.days, np.array(sorted(blocked_days),
                                                          dtype="datetime64[D]")))))
    if rules.max_gap_frac is not None:
        out.append((f"an opening gap of at most {rules.max_gap_frac:.2%} (MaxGapPct)",
                    np.asarray(~gap_days(tl, rules.max_gap_frac))))
    return out


def entry_mask(tl: Timeline, rules: EntryRules, vix: np.ndarray,
               blocked_days: frozenset[np.datetime64] = frozenset(), *,
               daily: bool = False) -> np.ndarray:
    """Bars at which an entry may be attempted (schedule, VIX, gap and blocked-day filters)."""
    mask = np.ones(len(tl), dtype=bool)
    for _, allowed in entry_filters(tl, rules, vix, blocked_days, daily=daily):
        mask &= allowed
    return mask


def no_entry_reason(tl: Timeline, filters: list[tuple[str, np.ndarray]]) -> str | None:
    """Why no bar of the run could open a position (None when some bar could): the first filter
    that leaves no candidate bar, with what the bars were."""
    if len(tl) == 0:
        return "the store has no bars in the run's dates"
    mask = np.ones(len(tl), dtype=bool)
    for what, allowed in filters:
        before = int(mask.sum())
        mask &= allowed
        if not mask.any():
            stamps = sorted({t.astype("datetime64[m]").astype(object).strftime("%H:%M")
                             for t in tl.ts[:200]})
            shown = ", ".join(stamps[:6]) + (" ..." if len(stamps) > 6 else "")
            return (f"no entry: none of the {before:,} candidate bars had {what}; "
                    f"the bars are stamped {shown}")
    return None


def gap_skips(tl: Timeline, rules: EntryRules, allowed: np.ndarray
              ) -> list[tuple[dt.datetime, str]]:
    """One skip per gap day that the other filters would have let in: (its first allowed bar,
    the gap and the limit)."""
    if rules.max_gap_frac is None:
        return []
    gap = gap_days(tl, rules.max_gap_frac)
    out: list[tuple[dt.datetime, str]] = []
    starts = np.flatnonzero(np.r_[True, tl.days[1:] != tl.days[:-1]])
    for n in range(1, starts.size):
        first = starts[n]
        end = starts[n + 1] if n + 1 < starts.size else len(tl)
        if not gap[first]:
            continue
        ok = np.flatnonzero(allowed[first:end])
        if ok.size == 0:
            continue
        prev_close = float(tl.close[first - 1])
        move = (float(tl.open[first]) - prev_close) / prev_close
        out.append((to_datetime(tl.ts[first + int(ok[0])]),
                    f"gap filter: the day opened {move:+.2%} from the previous close "
                    f"{prev_close:,.2f}, beyond MaxGapPct {rules.max_gap_frac:.2%}"))
    return out


def gap_days(tl: Timeline, max_gap_frac: float) -> np.ndarray:
    """True on every bar of a day whose first open is beyond ``max_gap_frac`` of the previous
    day's last close (the first day of the timeline has no previous close and is never a gap)."""
    starts = np.flatnonzero(np.r_[True, tl.days[1:] != tl.days[:-1]])
    gap = np.zeros(len(tl), dtype=bool)
    for n in range(1, starts.size):
        prev_close = tl.close[starts[n] - 1]
        move = abs(tl.open[starts[n]] - prev_close) / prev_close
        if move > max_gap_frac:
            end = starts[n + 1] if n + 1 < starts.size else len(tl)
            gap[starts[n]:end] = True
    return gap


def blackout_days(days: np.ndarray, events: list[tuple[dt.date, str, bool]], before: int,
                  after: int) -> frozenset[np.datetime64]:
    """Trading days (of ``days``) from ``before`` trading days ahead of each entry-blackout event
    to ``after`` trading days after it, the event day included."""
    trading = np.unique(days)
    out: set[np.datetime64] = set()
    for when, _name, blocks_entry in events:
        if not blocks_entry:
            continue
        day = np.datetime64(when, "D")
        pos = int(np.searchsorted(trading, day))  # first trading day on or after the event
        on_trading_day = pos < trading.size and trading[pos] == day
        first = max(pos - before, 0)
        last = min(pos + after if on_trading_day else pos + after - 1, trading.size - 1)
        out.update(trading[first:last + 1])
    return frozenset(out)


def premium_window(rules: EntryRules, vix: float) -> tuple[float | None, float | None]:
    """(min, max) net premium in points: from the VIX band holding ``vix`` if bands are set."""
    for band in rules.vix_bands:
        if band.vix_low <= vix < band.vix_high:
            return band.premium_min_pts, band.premium_max_pts
    return rules.min_premium_pts, rules.max_premium_pts


def premium_skip(net_pts: float, min_pts: float | None, max_pts: float | None) -> str | None:
    """Why an entry whose net premium is ``net_pts`` (+ credit received, - debit paid) falls
    outside the [min, max] window, which bounds its size ``|net_pts|``; None when it fits."""
    size_pts = abs(net_pts)
    what = ("net credit" if net_pts > 0 else "net debit" if net_pts < 0 else "net premium")
    if min_pts is not None and size_pts < min_pts:
        return f"{what} {size_pts:.2f} pts below the minimum {min_pts:g}"
    if max_pts is not None and size_pts > max_pts:
        return f"{what} {size_pts:.2f} pts above the maximum {max_pts:g}"
    return None


def open_structure(plan: StrategyPlan, mv: MarketView, tl: Timeline, k: int, vix: float,
                   contracts: ContractInfo, values: EntryValues | None = None,
                   lots_scale: float = 1.0, levels: Sequence[float] = ()) -> EntryAttempt:
    """Select, size and price the plan's legs at bar ``k``; raise ``SelectionError`` to skip."""
    at = to_datetime(tl.ts[k])
    on = at.date()
    spot = float(tl.close[k])
    values = values or EntryValues(vix=vix, capital_inr=plan.capital_inr)
    listed = mv.listed_expiries(on)  # only what the exchange lists on the entry day
    if plan.entry.weeklies_required and not any(k == "WEEKLY" and e >= on for e, k in listed):
        raise SelectionError(f"no weekly {plan.symbol} expiry is listed on or after {on} (weeklies "
                             "ended); set FallbackToMonthly to trade the monthly instead")
    expiries = [select_expiry(listed, on, spec.expiry) for spec in plan.legs]
    step = contracts.strike_step(on)
    width = plan.strike_window_steps * step
    chain = mv.chain(at, sorted(set(expiries)), spot - width, spot + width)
    strikes: dict[str, float] = {}
    chosen: list[tuple[LegSpec, Leg]] = []
    notes: list[str] = []
    for spec, expiry in zip(plan.legs, expiries, strict=True):
        if spec.strike_anchor is not None:
            if spec.strike_anchor not in strikes:
                raise SelectionError(f"leg {spec.leg_id}: anchor leg {spec.strike_anchor} not selected")
            strike = strikes[spec.strike_anchor] + spec.strike.value
        else:
            strike = select_strike(chain[expiry], spec.right, spec.strike, spot, step, levels)
        if chain[expiry].price(strike, spec.right) is None:
            strike = _fallback_strike(plan, chain[expiry], spec, strike, expiry, at, notes)
        strikes[spec.leg_id] = strike
        chosen.append((spec, Leg(spec.right, spec.side, strike, expiry, spec.lots, spec.role,
                                 spec.leg_id)))
    legs = _sized(plan, chosen, chain, values, lots_scale, contracts, on, spot)
    lot_sizes = tuple(contracts.lot_size(leg.expiry, on) for leg in legs)
    legs, balance_note = balanced_lots(legs, lot_sizes, plan.risk.max_lots)
    if balance_note is not None:
        notes.append(balance_note)
    units = [leg.lots * n for leg, n in zip(legs, lot_sizes, strict=True)]
    base_units = min(units)  # net premium per unit of the smallest leg (one structure unit)
    net = sum(-(u if leg.signed_lots > 0 else -u) *
              (chain[leg.expiry].price(leg.strike, leg.right) or 0.0)
              for leg, u in zip(legs, units, strict=True)) / base_units
    front = min(leg.expiry for leg in legs)
    dte = (front - on).days
    if not plan.entry.min_dte <= dte <= plan.entry.max_dte:
        raise SelectionError(f"front expiry {front} is {dte} DTE, outside "
                             f"[{plan.entry.min_dte}, {plan.entry.max_dte}]")
    if plan.entry.custom_dtes and dte not in plan.entry.custom_dtes:
        raise SelectionError(f"front expiry {front} is {dte} DTE, not in CustomDTEList "
                             f"{list(plan.entry.custom_dtes)}")
    for leg in legs:
        _check_liquidity(plan.entry, chain[leg.expiry], leg)
    skip = premium_skip(net, *premium_window(plan.entry, vix))
    if skip is not None:
        raise SelectionError(skip)
    return EntryAttempt(tuple(legs), lot_sizes, _structure_name(legs, plan.name), net,
                        notes=tuple(notes))


def _fallback_strike(plan: StrategyPlan, chain: ChainSlice, spec: LegSpec, strike: float,
                     expiry: dt.date, at: dt.datetime, notes: list[str]) -> float:
    """The nearest quoted strike of the leg's right when configured; else raise the skip."""
    what = f"leg {spec.leg_id}: no quote for {plan.symbol} {expiry} {strike:g} {spec.right.value} at {at}"
    if not plan.entry.nearest_strike_fallback:
        raise SelectionError(what)
    quoted = chain.strikes[(chain.rights == spec.right.value) & np.isfinite(chain.closes)
                           & (chain.closes > 0)]
    if quoted.size == 0:
        raise SelectionError(what + " (no quoted strike to fall back to)")
    nearest = float(quoted[int(np.argmin(np.abs(quoted - strike)))])
    notes.append(f"{what}: used the nearest quoted strike {nearest:g}")
    return nearest


def _sized(plan: StrategyPlan, chosen: list[tuple[LegSpec, Leg]], chain: dict[dt.date, ChainSlice],
           values: EntryValues, lots_scale: float, contracts: ContractInfo, on: dt.date,
           spot: float) -> list[Leg]:
    """Legs with their lots after activation, dynamic sizing, volatility scaling and the
    recovery scale; legs sized to 0 lots are not opened."""
    if any(spec.sizing.mode == "CAPITAL_PCT" for spec, _ in chosen):
        one = [leg.with_lots(1) for _, leg in chosen]
        px = np.array([chain[leg.expiry].price(leg.strike, leg.right) or 0.0 for leg in one])
        per_lot = estimate_margin_inr(one, px, [contracts.lot_size(leg.expiry, on) for leg in one],
                                      spot, plan.risk)
        values = dataclasses.replace(values, margin_per_lot_inr=per_lot)
    legs: list[Leg] = []
    for spec, leg in chosen:
        lots = sized_lots(spec.sizing, leg.lots, values) if not spec.sizing.is_default else leg.lots
        if lots > 0:  # the recovery scale shrinks a leg, never below one lot
            legs.append(leg.with_lots(max(round(lots * lots_scale), 1)))
    if not legs:
        raise SelectionError("no leg is active at entry (ConditionalActivation / sizing)")
    return legs


def _check_liquidity(rules: EntryRules, chain: ChainSlice, leg: Leg) -> None:
    """Raise when a leg's quote at entry fails the minimum OI / volume or the spread cap."""
    name = f"leg {leg.leg_id} ({leg.strike:g} {leg.right.value})"
    oi = chain.field("oi", leg.strike, leg.right)
    if rules.min_oi > 0 and not oi >= rules.min_oi:
        raise SelectionError(f"{name}: open interest {oi:g} below MinOI {rules.min_oi}")
    vol = chain.field("volume", leg.strike, leg.right)
    if rules.min_volume > 0 and not vol >= rules.min_volume:
        raise SelectionError(f"{name}: volume {vol:g} below MinVolume {rules.min_volume}")
    if rules.max_spread_frac is not None:
        bid, ask = chain.field("bid", leg.strike, leg.right), chain.field("ask", leg.strike, leg.right)
        if np.isfinite(bid) and np.isfinite(ask) and ask > 0:
            mid = (bid + ask) / 2
            spread = (ask - bid) / mid
            if spread > rules.max_spread_frac:
                raise SelectionError(f"{name}: bid-ask spread {spread:.1%} of mid above "
                                     f"{rules.max_spread_frac:.1%}")


def _structure_name(legs: list[Leg], fallback: str) -> str:
    rights = {leg.right.value for leg in legs}
    expiries = {leg.expiry for leg in legs}
    if len(legs) == 4 and len(expiries) == 1 and rights == {"CE", "PE"}:
        return "IRON_FLY"
    if len(expiries) == 2 and len(legs) == 2:
        return f"{legs[0].right.value}_CALENDAR"
    if len(expiries) == 2 and len(legs) == 4:
        return "DOUBLE_CALENDAR"
    return fallback


