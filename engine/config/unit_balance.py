"""Can a calendar's legs carry equal units within MaxLots? (config stage, a cross-field check)

Before a run: for a strategy whose legs of one right span several expiries (a calendar), each
entry day of the backtest window (one a week, StartDate to EndDate) picks the legs' expiries
as the entry does (nearest DTE, ties to the later; at or beyond; the n-th weekly or monthly)
among those the exchange lists that day: the shipped contract master's expiry calendar cut to
NSE's listing (``NSE_WEEKLIES_LISTED`` weeklies and ``NSE_MONTHLIES_LISTED`` serial monthlies,
as the synthetic market lists and the engine offers by ``expiries.listed_from``; an expiry not
yet listed is never picked). It takes each series' lot size from the master
and balances the legs in units (``engine.domain.units``). A leg that would need more than MaxLots
lots makes that entry impossible: an error when no entry day can be balanced, a warning naming
the first day when some cannot (those entries are skipped at run time with the same reason).
Needs StartDate and EndDate (without them the window is the store's, unknown here).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from functools import cache

from engine.config.models.legs import LegConfig
from engine.config.models.strategy import StrategyConfig
from engine.config.problems import Severity
from engine.domain.calendar import TradingCalendar, load_calendar
from engine.domain.contracts import ContractMaster, load_contracts
from engine.domain.errors import ContractError
from engine.domain.expiries import (
    NSE_MONTHLIES_LISTED,
    NSE_WEEKLIES_LISTED,
    Expiry,
    exchange_listing,
    generate_expiries,
)
from engine.domain.kinds import ExpiryKind
from engine.domain.units import balanced_lot_counts

Finding = tuple[tuple[str | int, ...], str, Severity]
_HORIZON_DAYS = 400  # expiries generated past EndDate for the long legs


@cache
def _master() -> ContractMaster:
    return load_contracts()


@cache
def _calendar(exchange: str) -> TradingCalendar:
    return load_calendar(exchange)


def _rule(cfg: StrategyConfig, leg: LegConfig) -> tuple[str, int]:
    """(method, value) of the leg's expiry, as engine.strategy.from_config resolves it."""
    o = leg.timeframe_override
    if o.dte is not None:
        return "DTE", o.dte
    if o.position_type is not None and o.position_type.value != "CUSTOM":
        kind = "MONTHLY_INDEX" if o.position_type.value == "MONTHLY" else "WEEKLY_INDEX"
        return kind, leg.expiry_value or 0
    method = leg.expiry_method.value
    if leg.expiry_value is not None:
        return method, leg.expiry_value
    if method == "DTE":
        long_dte = cfg.long_leg_dte if cfg.long_leg_dte is not None else cfg.short_leg_dte
        calendar = cfg.strategy_subtype.value == "CALENDAR_SPREAD"
        return method, long_dte if leg.side.value == "BUY" and calendar else cfg.short_leg_dte
    return method, 0


def _pick(listed: list[Expiry], on: date, method: str, value: int,
          at_or_beyond: bool) -> Expiry | None:
    """The expiry a leg's rule picks on ``on`` among those listed that day (None: none)."""
    future = exchange_listing([e for e in listed if e.date >= on], NSE_WEEKLIES_LISTED,
                              NSE_MONTHLIES_LISTED)
    if method == "DTE":
        target = on + timedelta(days=value)
        if at_or_beyond:
            return next((e for e in future if e.date >= target), None)
        return min(future, key=lambda e: (abs((e.date - target).days), -e.date.toordinal()),
                   default=None)
    pool = future if method == "WEEKLY_INDEX" else [e for e in future
                                                     if e.kind is ExpiryKind.MONTHLY]
    return pool[value] if value < len(pool) else None


def calendar_unit_findings(cfg: StrategyConfig) -> Iterator[Finding]:
    """The MaxLots finding for a calendar that cannot be balanced in units (module docstring)."""
    start, end = cfg.backtest.start_date, cfg.backtest.end_date
    max_lots = cfg.position_limits.max_lots
    symbol = cfg.backtest.symbol.value
    rights = sorted({leg.right for leg in cfg.legs})
    groups = [[leg for leg in cfg.legs if leg.right is right] for right in rights]
    groups = [g for g in groups if len({_rule(cfg, leg) for leg in g}) > 1]
    if start is None or end is None or not groups:
        return
    try:
        master = _master()
        listed = generate_expiries(symbol, start, end + timedelta(days=_HORIZON_DAYS), master,
                                   _calendar(master.exchange(symbol)))
    except ContractError:
        return  # an unknown symbol is reported where it is set
    at_or_beyond = cfg.entry_rules.expiry_at_or_beyond
    days = [start + timedelta(days=7 * n) for n in range((end - start).days // 7 + 1)]
    failed: list[str] = []
    tried = 0
    for on in days:
        for legs in groups:
            picked = [_pick(listed, on, *_rule(cfg, leg), at_or_beyond) for leg in legs]
            if any(e is None for e in picked) or len({e.date for e in picked if e}) < 2:
                continue
            tried += 1
            sizes = [master.lot_size(symbol, e.date, kind=e.kind) for e in picked if e]
            lots = [leg.lots or cfg.backtest.lots for leg in legs]
            first = next((i for i, leg in enumerate(legs) if leg.side.value == "SELL"), 0)
            counts = balanced_lot_counts(lots, sizes, sizes[first])
            worst = max(range(len(legs)), key=lambda i: counts[i])
            if counts[worst] > max_lots:
                failed.append(
                    f"on {on} the {legs[0].right.value} legs' series "
                    + " and ".join(f"{e.date} (lot {s})" for e, s in zip(picked, sizes,
                                                                         strict=True) if e)
                    + f" need {counts[worst]} lots of {legs[worst].leg_id} for equal units")
    if not failed:
        return
    severity: Severity = "error" if len(failed) == tried else "warning"
    scope = "any" if severity == "error" else f"{len(failed)} of {tried}"
    yield (("position_limits", "max_lots"),
           f"a calendar's legs cannot carry equal units within MaxLots {max_lots} on {scope} "
           f"weekly entry days from StartDate to EndDate: {failed[0]}", severity)
