"""Store health checks behind ``posbt data check``: what is wrong with the stored data.

Stage: data layer, after imports (and the demo generator), before enrichment and
backtests. Each check is a named query (``sql/duckdb/queries/check_*.sql``) returning
(check_name, tbl, symbol, n, example) rows, except the strike-step check, which compares
each contract's strike with the step in force on its first trading day (the store's
``instruments`` table, else the shipped contract master). Errors: duplicate keys, zero or
negative prices, high below low, open/close outside the range, crossed quotes, strikes
off the step, values no exchange writes (option bars after their expiry, expiries more
than 10 years out, strike 0, a volatility index above 200). Warnings: missing bars inside
sessions, missing trading days, expiries without data, bars on a day the exchange was
closed. Information (never a failure): derived spot bars, no-trade bars, contracts that
stopped trading before they expired, special sessions (budget Saturdays, Muhurat) with bars.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from engine.data.store import Store
from engine.domain.calendar import TradingCalendar, holiday_lists, load_calendar
from engine.domain.contracts import ContractMaster, load_contracts
from engine.errors import PosbtError


class Severity(StrEnum):
    """How bad a finding is: errors make ``posbt data check`` exit 1."""

    ERROR = "ERROR"
    WARNING = "WARNING"
    INFO = "INFO"


@dataclass(frozen=True)
class Finding:
    """One problem kind in one table and symbol: how many and one example."""

    check: str
    severity: Severity
    table: str
    symbol: str
    count: int
    example: str


# named query -> severity of what it finds
CHECK_QUERIES: tuple[tuple[str, Severity], ...] = (
    ("check_duplicates", Severity.ERROR),
    ("check_prices", Severity.ERROR),
    ("check_missing_bars", Severity.WARNING),
    ("check_expiries_without_data", Severity.WARNING),
)


def _steps(store: Store) -> dict[str, list[tuple[dt.date, dt.date | None, float]]]:
    steps: dict[str, list[tuple[dt.date, dt.date | None, float]]] = defaultdict(list)
    for r in store.query("check_instruments").to_pylist():
        steps[r["symbol"]].append((r["valid_from"], r["valid_to"], r["strike_step"]))
    return steps


def _step_on(steps: dict[str, list[tuple[dt.date, dt.date | None, float]]],
             master: ContractMaster | None, symbol: str, on: dt.date) -> float | None:
    for start, end, step in steps.get(symbol, ()):
        if start <= on and (end is None or on <= end):
            return step
    if master is None:
        return None
    try:
        return master.strike_step(symbol, on)
    except PosbtError:
        return None


def strike_findings(store: Store, master: ContractMaster | None = None) -> list[Finding]:
    """Contracts whose strike is not a multiple of the step in force when they traded."""
    steps = _steps(store)
    if master is None:
        master = load_contracts()
    off: dict[str, list[str]] = defaultdict(list)
    for r in store.query("check_strikes").to_pylist():
        step = _step_on(steps, master, r["symbol"], r["first_day"])
        if step is None or step <= 0:
            continue
        ratio = r["strike"] / step
        if not math.isclose(ratio, round(ratio), abs_tol=1e-9):
            off[r["symbol"]].append(f"{r['symbol']} {r['expiry']} {r['strike']:g} "
                                    f"(step {step:g})")
    return [Finding("strike off the strike step", Severity.ERROR, "option_bars", symbol,
                    len(examples), examples[0]) for symbol, examples in sorted(off.items())]


def _stamp(ts: object) -> str:
    return str(ts)[:16] if ts is not None else ""


def value_findings(store: Store) -> list[Finding]:
    """Values no exchange writes (errors) and what is worth knowing (information)."""
    out = [Finding(r["check_name"], Severity.ERROR, r["tbl"], r["symbol"], int(r["n"]),
                   f"first at {_stamp(r['first_ts'])}")
           for r in store.query("check_impossible").to_pylist()]
    for r in store.query("check_info").to_pylist():
        detail = f" ({r['detail']})" if r["detail"] else ""
        out.append(Finding(f"{r['what']}{detail}", Severity.INFO, r["tbl"], r["symbol"],
                           int(r["n"]), f"first at {_stamp(r['first_ts'])}"))
    for r in store.query("check_stale_contracts").to_pylist():
        out.append(Finding("contracts that stopped trading before expiry", Severity.INFO,
                           "option_bars", r["symbol"], int(r["n"]),
                           f"first expiry {r['first_expiry']}, earliest last trade "
                           f"{_stamp(r['first_last'])}"))
    return out


class Calendars:
    """The exchange calendars the checks compare bars with, one per exchange, made on first
    use: the shipped holidays and special sessions plus the store's own ``holidays`` rows
    (what ``seed`` loaded, a user's list included). A symbol the master does not know is
    taken as NSE's."""

    def __init__(self, store: Store, master: ContractMaster) -> None:
        self._master = master
        self._stored: dict[str, dict[dt.date, str]] = defaultdict(dict)
        for r in store.query("check_holidays").to_pylist():
            self._stored[str(r["exchange"]).upper()][r["day"]] = str(r["description"] or "")
        self._made: dict[str, TradingCalendar] = {}

    def of(self, symbol: str) -> TradingCalendar:
        try:
            exchange = self._master.exchange(symbol)
        except PosbtError:
            exchange = "NSE"
        if exchange not in self._made:
            more: dict[dt.date, str] = {}
            for listed in holiday_lists(exchange):
                more.update(self._stored.get(listed, {}))
            self._made[exchange] = load_calendar(exchange).with_holidays(more)
        return self._made[exchange]


def missing_day_findings(store: Store, calendars: Calendars) -> list[Finding]:
    """Trading days of the symbol's exchange (weekdays that are not its holidays) without
    spot bars, between its first and last day of spot bars, per bar interval."""
    have: dict[tuple[str, int], set[dt.date]] = defaultdict(set)
    for r in store.query("check_spot_days").to_pylist():
        have[(str(r["symbol"]), int(r["bar_minutes"]))].add(r["day"])
    out: list[Finding] = []
    for (symbol, minutes), days in sorted(have.items()):
        cal = calendars.of(symbol)
        missing = [d for d in cal.trading_days(min(days), max(days)) if d not in days]
        if missing:
            out.append(Finding("missing trading days", Severity.WARNING, "spot_bars", symbol,
                               len(missing), f"{missing[0]} ({minutes}m)"))
    return out


def calendar_findings(store: Store, calendars: Calendars) -> list[Finding]:
    """Bars on days the exchange was closed (warning) or held a special session (info)."""
    closed: dict[tuple[str, str], list[str]] = defaultdict(list)
    special: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in store.query("check_bar_days").to_pylist():
        cal, day = calendars.of(r["symbol"]), r["day"]
        if cal.is_trading_day(day):
            continue
        key = (r["tbl"], r["symbol"])
        if day in cal.special_sessions:
            special[key].append(f"{day} ({cal.special_sessions[day]})")
        else:
            closed[key].append(f"{day} ({cal.holiday_name(day) or day.strftime('%A')})")
    out = [Finding("bars on a day the exchange was closed", Severity.WARNING, tbl, sym,
                   len(days), days[0]) for (tbl, sym), days in sorted(closed.items())]
    out += [Finding("special session with bars", Severity.INFO, tbl, sym, len(days), days[0])
            for (tbl, sym), days in sorted(special.items())]
    return out


def run_checks(store: Store, master: ContractMaster | None = None) -> list[Finding]:
    """Every check over the whole store; an empty list means nothing was found."""
    findings: list[Finding] = []
    for name, severity in CHECK_QUERIES:
        for r in store.query(name).to_pylist():
            findings.append(Finding(r["check_name"], severity, r["tbl"], r["symbol"],
                                    int(r["n"]), str(r["example"])))
    master = master if master is not None else load_contracts()
    findings.extend(strike_findings(store, master))
    findings.extend(value_findings(store))
    calendars = Calendars(store, master)
    findings.extend(missing_day_findings(store, calendars))
    findings.extend(calendar_findings(store, calendars))
    findings.extend(build_findings(store))
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    return sorted(findings, key=lambda f: order[f.severity])


def build_findings(store: Store) -> list[Finding]:
    """An interrupted ``posbt data demo``: option bars of a symbol with no index bars."""
    from engine.data.build_state import interrupted_build

    symbol = interrupted_build(store)
    if symbol is None:
        return []
    return [Finding("incomplete_build", Severity.ERROR, "option_bars", symbol, 1,
                    "`posbt data demo` was interrupted before this symbol's index bars; run "
                    "it again with the same options to finish it")]


def has_errors(findings: list[Finding]) -> bool:
    """True when any finding is an error."""
    return any(f.severity is Severity.ERROR for f in findings)
