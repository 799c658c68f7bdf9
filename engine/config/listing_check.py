"""Legs asking for an expiry the exchange never lists (config stage, a cross-field check).

NSE lists 4 weeklies besides the monthlies and 3 serial monthlies at a time (the synthetic
market lists the same; ``engine.domain.expiries``), the third monthly at most
``NSE_MONTHLY_REACH_DAYS`` out. A leg whose expiry rule lies beyond that (a 120-DTE leg, the
4th monthly, the 8th expiry) is never met on such a market: every entry is skipped at run
time, so ``posbt validate`` warns. Real data with quarterly contracts may list more, hence
a warning, not an error.
"""

from __future__ import annotations

from collections.abc import Iterator

from engine.config.models.legs import LegConfig
from engine.config.models.strategy import StrategyConfig
from engine.config.problems import Severity
from engine.config.unit_balance import _rule
from engine.domain.expiries import (
    NEAREST_REACH_DAYS,
    NSE_MONTHLIES_LISTED,
    NSE_MONTHLY_REACH_DAYS,
    NSE_WEEKLIES_LISTED,
)

Finding = tuple[tuple[str | int, ...], str, Severity]
_LISTED = NSE_WEEKLIES_LISTED + NSE_MONTHLIES_LISTED


def _path(cfg: StrategyConfig, i: int, leg: LegConfig) -> tuple[str | int, ...]:
    """Where the leg's expiry value is set (as ``unit_balance._rule`` resolves it)."""
    if leg.timeframe_override.dte is not None:
        return ("legs", i, "timeframe_override", "dte")
    if leg.expiry_value is not None:
        return ("legs", i, "expiry_value")
    calendar = cfg.strategy_subtype.value == "CALENDAR_SPREAD"
    if leg.side.value == "BUY" and calendar and cfg.long_leg_dte is not None:
        return ("long_leg_dte",)
    return ("short_leg_dte",)


def unlisted_expiry_findings(cfg: StrategyConfig) -> Iterator[Finding]:
    """A warning for each leg whose expiry rule no NSE-like listing ever meets."""
    at_or_beyond = cfg.entry_rules.expiry_at_or_beyond
    reach = NSE_MONTHLY_REACH_DAYS + (0 if at_or_beyond else NEAREST_REACH_DAYS)
    for i, leg in enumerate(cfg.legs):
        method, value = _rule(cfg, leg)
        why = None
        if method == "DTE" and value > reach:
            why = (f"{value} DTE: no expiry is listed that far out on a market listed as NSE "
                   f"lists (3 serial monthlies, the third at most {NSE_MONTHLY_REACH_DAYS} days "
                   f"out; by nearest DTE a target up to {NEAREST_REACH_DAYS} days past it "
                   "still takes it)")
        elif method == "MONTHLY_INDEX" and value >= NSE_MONTHLIES_LISTED:
            why = (f"monthly {value} (counted from 0): NSE lists {NSE_MONTHLIES_LISTED} serial "
                   "monthlies at a time")
        elif method == "WEEKLY_INDEX" and value >= _LISTED:
            why = (f"expiry {value} (counted from 0): NSE lists {_LISTED} expiries at a time "
                   f"({NSE_WEEKLIES_LISTED} weeklies and {NSE_MONTHLIES_LISTED} monthlies)")
        if why is not None:
            yield (_path(cfg, i, leg),
                   f"leg {leg.leg_id}: {why}, so every entry is skipped on the synthetic market "
                   "(data with quarterly contracts may list it)", "warning")
