"""Expiry dates: generated from the contract rules, or taken from market data.

Domain stage, between the contract master / trading calendar (before) and the store's
``expiries`` table, the synthetic market and strike/expiry selection (after).

Rules: a weekly expires on its rule's weekly weekday (where the row in force on that
date has weeklies); a monthly on the LAST monthly weekday of its month; an expiry that
falls on a holiday moves to the previous trading day. A date that is both weekly and
monthly is one MONTHLY expiry, and no weekly is listed in a week that holds a monthly
(e.g. BANKNIFTY Sep 2023 - Feb 2024: Wednesday weeklies, last-Thursday monthlies).
Expiries read from data take precedence over generated ones (``merge_expiries``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import pyarrow as pa

from engine.domain.calendar import TradingCalendar
from engine.domain.contracts import ContractMaster
from engine.domain.errors import ContractError
from engine.domain.kinds import ExpiryKind, ExpirySource

__all__ = [
    "NEAREST_REACH_DAYS",
    "NSE_MONTHLIES_LISTED",
    "NSE_MONTHLY_REACH_DAYS",
    "NSE_WEEKLIES_LISTED",
    "Expiry",
    "ExpiryKind",
    "ExpirySource",
    "exchange_listing",
    "expiry_rows",
    "generate_expiries",
    "listed_expiries",
    "merge_expiries",
]

NSE_WEEKLIES_LISTED = 4
"""Weekly expiries NSE lists at a time, besides the monthlies (NIFTY's contract specification)."""
NSE_MONTHLIES_LISTED = 3
"""Serial monthly expiries NSE lists at a time (quarterlies and half-yearlies aside)."""
NSE_MONTHLY_REACH_DAYS = 97
"""The farthest the third serial monthly is from a trading day (the day after a monthly
expiry; NIFTY and BANKNIFTY, 2021-2026 calendars)."""
NEAREST_REACH_DAYS = 7
"""By nearest DTE, a target at most this many days (one weekly cycle) past the farthest listed
expiry still takes that expiry; a target further out is not listed and the entry is skipped."""

EXPIRY_SCHEMA = pa.schema([
    pa.field("symbol", pa.string(), nullable=False),
    pa.field("expiry", pa.date32(), nullable=False),
    pa.field("kind", pa.string(), nullable=False),
    pa.field("source", pa.string(), nullable=False),
    pa.field("listed_from", pa.date32(), nullable=True),
])


@dataclass(frozen=True, order=True)
class Expiry:
    """An expiry date (after any holiday shift) and its kind; orders by date."""

    date: date
    kind: ExpiryKind


def _month_starts(start: date, end: date) -> list[tuple[int, int]]:
    months: list[tuple[int, int]] = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def _week_key(d: date) -> tuple[int, int]:
    iso = d.isocalendar()
    return iso.year, iso.week


def generate_expiries(symbol: str, start: date, end: date, master: ContractMaster,
                      calendar: TradingCalendar) -> list[Expiry]:
    """Expiries of ``symbol`` dated in ``[start, end]`` (after the holiday shift), by date.

    Raises ``ContractError`` for an unknown symbol. Dates outside the symbol's rows
    produce nothing.
    """
    master.specs(symbol)  # unknown symbol -> ContractError
    if start > end:
        return []
    # Look a week past either end: a holiday shift can move an expiry into the window.
    lo, hi = start - timedelta(days=7), end + timedelta(days=7)
    monthly: dict[date, Expiry] = {}
    monthly_weeks: set[tuple[int, int]] = set()
    for y, m in _month_starts(lo, hi):
        nominal = master.nominal_monthly_expiry(symbol, y, m)
        if nominal is None:
            continue
        monthly_weeks.add(_week_key(nominal))
        shifted = calendar.on_or_before(nominal)
        monthly[shifted] = Expiry(shifted, ExpiryKind.MONTHLY)
    out = dict(monthly)
    d = lo
    while d <= hi:
        spec = master.find_spec(symbol, d)
        if (spec is not None and spec.weekly_expiry_weekday == d.weekday()
                and _week_key(d) not in monthly_weeks):
            shifted = calendar.on_or_before(d)
            out.setdefault(shifted, Expiry(shifted, ExpiryKind.WEEKLY))
        d += timedelta(days=1)
    return sorted(e for e in out.values() if start <= e.date <= end)


def listed_expiries(symbol: str, on: date, horizon_days: int, master: ContractMaster,
                    calendar: TradingCalendar, *, include_on: bool = False) -> list[Expiry]:
    """Expiries in ``(on, on + horizon_days]`` taken as listed on ``on``.

    Kept simple: every generated expiry in the window counts as listed (exchanges list
    a few weeklies and three serial monthlies, so long horizons over-state what traded).
    ``include_on=True`` also returns an expiry on ``on`` itself (tradable until 15:30).
    """
    if horizon_days < 0:
        raise ContractError(f"horizon_days must be >= 0, got {horizon_days}",
                            place="listed_expiries(horizon_days)")
    first = on if include_on else on + timedelta(days=1)
    return generate_expiries(symbol, first, on + timedelta(days=horizon_days), master, calendar)


def exchange_listing(expiries: list[Expiry], weeklies: int | None,
                     monthlies: int | None) -> list[Expiry]:
    """What the exchange lists of ``expiries`` (by date, from the day on): the first
    ``weeklies`` weeklies and ``monthlies`` monthlies (None: all of that kind). NSE's rule
    is ``NSE_WEEKLIES_LISTED`` and ``NSE_MONTHLIES_LISTED``."""
    out: list[Expiry] = []
    counts = {ExpiryKind.WEEKLY: 0, ExpiryKind.MONTHLY: 0}
    limits = {ExpiryKind.WEEKLY: weeklies, ExpiryKind.MONTHLY: monthlies}
    for e in sorted(expiries):
        limit = limits.get(e.kind)
        if limit is not None and counts[e.kind] >= limit:
            continue
        counts[e.kind] = counts.get(e.kind, 0) + 1
        out.append(e)
    return out


def _period_key(e: Expiry) -> tuple[ExpiryKind, int, int]:
    if e.kind is ExpiryKind.MONTHLY:
        return e.kind, e.date.year, e.date.month
    year, week = _week_key(e.date)
    return e.kind, year, week


def merge_expiries(generated: Iterable[Expiry], from_data: Iterable[Expiry]) -> list[Expiry]:
    """Data expiries, plus generated ones whose (kind, month or ISO week) data lacks.

    A data MONTHLY replaces the generated MONTHLY of its month; a data WEEKLY replaces
    the generated WEEKLY of its ISO week; a generated expiry on a date the data already
    has is dropped whatever its kind. Sorted by date.
    """
    data = list(from_data)
    covered = {_period_key(e) for e in data}
    dates = {e.date for e in data}
    kept = [g for g in generated if _period_key(g) not in covered and g.date not in dates]
    merged: dict[date, Expiry] = {g.date: g for g in kept}
    merged.update({e.date: e for e in data})
    return sorted(merged.values())


def expiry_rows(symbol: str, expiries: Iterable[Expiry], source: ExpirySource | str,
                listed_from: Mapping[date, date] | None = None) -> pa.Table:
    """Rows for the store's ``expiries`` table: symbol, expiry, kind, source and the first
    day each expiry is listed (``listed_from`` by expiry date; NULL where not given)."""
    src = ExpirySource(source)
    items = sorted(expiries)
    first = listed_from or {}
    return pa.table(
        {
            "symbol": [symbol] * len(items),
            "expiry": [e.date for e in items],
            "kind": [str(e.kind) for e in items],
            "source": [str(src)] * len(items),
            "listed_from": [first.get(e.date) for e in items],
        },
        schema=EXPIRY_SCHEMA,
    )
