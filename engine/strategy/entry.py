"""Entry rules (strategy stage): which bars may open a position, and opening the structure.

``entry_mask`` is a vector over the run's timeline: allowed weekday, inside the intraday window,
VIX inside the configured range (VIX of the latest VIX bar at or before the bar). ``open_structure``
runs at one candidate bar: picks expiries and strikes from the chain stamped at or before that bar,
checks quotes and the premium window (the VIX band's window when bands are configured), and
returns the legs to open with their lot sizes. It raises ``SelectionError`` with the reason an
entry is skipped; the loop records it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.domain.structures import Leg
from engine.simulation.market import LegPaths, MarketView, Timeline, to_datetime
from engine.strategy.plan import EntryRules, StrategyPlan
from engine.strategy.selection import SelectionError, select_expiry, select_strike

if TYPE_CHECKING:
    from engine.simulation.loop import ContractInfo


@dataclass(frozen=True)
class EntryAttempt:
    """A structure ready to open at a bar."""

    legs: tuple[Leg, ...]
    lot_sizes: tuple[int, ...]
    structure_name: str
    net_premium_pts: float
    paths: LegPaths | None = None


def entry_mask(tl: Timeline, rules: EntryRules, vix: np.ndarray) -> np.ndarray:
    """Bars at which an entry may be attempted (schedule and VIX filters)."""
    minutes = ((tl.ts - tl.days.astype("datetime64[us]")) // np.timedelta64(1, "m")).astype(int)
    lo = rules.window_start.hour * 60 + rules.window_start.minute
    hi = rules.window_end.hour * 60 + rules.window_end.minute
    weekday = (tl.days.astype(np.int64) - 4) % 7  # 1970-01-01 was a Thursday (3); Monday = 0
    mask = (minutes >= lo) & (minutes <= hi) & np.isin(weekday, list(rules.weekdays))
    if rules.vix_range is not None:
        mask &= (vix >= rules.vix_range[0]) & (vix <= rules.vix_range[1])
    if rules.vix_bands:
        in_band = np.zeros(vix.shape, dtype=bool)
        for band in rules.vix_bands:
            in_band |= (vix >= band.vix_low) & (vix < band.vix_high)
        mask &= in_band
    return np.asarray(mask)


def premium_window(rules: EntryRules, vix: float) -> tuple[float | None, float | None]:
    """(min, max) net premium in points: from the VIX band holding ``vix`` if bands are set."""
    for band in rules.vix_bands:
        if band.vix_low <= vix < band.vix_high:
            return band.premium_min_pts, band.premium_max_pts
    return rules.min_premium_pts, rules.max_premium_pts


def open_structure(plan: StrategyPlan, mv: MarketView, tl: Timeline, k: int, vix: float,
                   contracts: ContractInfo) -> EntryAttempt:
    """Select and price the plan's legs at bar ``k``; raise ``SelectionError`` to skip."""
    at = to_datetime(tl.ts[k])
    on = at.date()
    spot = float(tl.close[k])
    listed = mv.listed_expiries()
    expiries = [select_expiry(listed, on, spec.expiry) for spec in plan.legs]
    step = contracts.strike_step(on)
    width = plan.strike_window_steps * step
    chain = mv.chain(at, sorted(set(expiries)), spot - width, spot + width)
    strikes: dict[str, float] = {}
    legs: list[Leg] = []
    for spec, expiry in zip(plan.legs, expiries, strict=True):
        if spec.strike_anchor is not None:
            if spec.strike_anchor not in strikes:
                raise SelectionError(f"leg {spec.leg_id}: anchor leg {spec.strike_anchor} not selected")
            strike = strikes[spec.strike_anchor] + spec.strike.value
        else:
            strike = select_strike(chain[expiry], spec.right, spec.strike, spot, step)
        strikes[spec.leg_id] = strike
        if chain[expiry].price(strike, spec.right) is None:
            raise SelectionError(f"leg {spec.leg_id}: no quote for {plan.symbol} {expiry} "
                                 f"{strike:g} {spec.right.value} at {at}")
        legs.append(Leg(spec.right, spec.side, strike, expiry, spec.lots, spec.role, spec.leg_id))
    base_lots = min(leg.lots for leg in legs)
    net = sum(-leg.signed_lots * (chain[leg.expiry].price(leg.strike, leg.right) or 0.0)
              for leg in legs) / base_lots
    lo, hi = premium_window(plan.entry, vix)
    if lo is not None and abs(net) < lo:
        raise SelectionError(f"net premium {net:.2f} pts below the minimum {lo:g}")
    if hi is not None and abs(net) > hi:
        raise SelectionError(f"net premium {net:.2f} pts above the maximum {hi:g}")
    lot_sizes = tuple(contracts.lot_size(leg.expiry, on) for leg in legs)
    return EntryAttempt(tuple(legs), lot_sizes, _structure_name(legs, plan.name), net)


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


