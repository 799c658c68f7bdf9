"""Trading calendar: which days the exchange trades, and the session times on them.

Domain stage. Holidays come from the shipped ``engine/domain/data/holidays_nse.csv``
(exchange,date,description) with a user file (``$POSBT_HOME/holidays.csv``, same
columns) merged on top. BSE shares the NSE list for index derivatives, so ``BSE`` reads
the NSE rows as well as its own. Weekends never trade. Session times are IST, naive
(09:15 to 15:30), as everywhere in posbt. Used by expiry generation (``expiries.py``),
the importers' checks and the simulation clock.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from engine.domain.errors import CalendarError

SESSION_OPEN = time(9, 15)
SESSION_CLOSE = time(15, 30)
HOLIDAY_COLUMNS = ("exchange", "date", "description")
USER_HOLIDAYS_FILE = "holidays.csv"
SHIPPED_HOLIDAYS = Path(__file__).resolve().parent / "data" / "holidays_nse.csv"
# Sessions on days that are otherwise closed (Saturday budget days, DR-site drills, Muhurat
# trading on Diwali): days with bars, but never an expiry (verify new ones each year).
SHIPPED_SPECIAL_SESSIONS = Path(__file__).resolve().parent / "data" / "special_sessions.csv"

# Exchanges whose index-derivative holidays include another exchange's list.
_SHARED_LISTS: dict[str, tuple[str, ...]] = {"NSE": ("NSE",), "BSE": ("BSE", "NSE")}


@dataclass(frozen=True)
class TradingCalendar:
    """An exchange's trading days: weekdays that are not holidays."""

    exchange: str
    holidays: frozenset[date]
    descriptions: dict[date, str] = field(default_factory=dict, compare=False, hash=False)
    special_sessions: dict[date, str] = field(default_factory=dict, compare=False, hash=False)

    def is_trading_day(self, d: date) -> bool:
        """True on a weekday that is not a holiday (the days expiries may fall on)."""
        return d.weekday() < 5 and d not in self.holidays

    def has_session(self, d: date) -> bool:
        """True when the exchange holds a session on ``d``: a trading day, or a special
        session (a Saturday budget day, a Muhurat evening) where data has bars."""
        return self.is_trading_day(d) or d in self.special_sessions

    def with_holidays(self, more: dict[date, str]) -> TradingCalendar:
        """This calendar with the holidays ``more`` added (their descriptions win)."""
        return TradingCalendar(exchange=self.exchange, holidays=self.holidays | frozenset(more),
                               descriptions={**self.descriptions, **more},
                               special_sessions=self.special_sessions)

    def trading_days(self, start: date, end: date) -> list[date]:
        """Trading days in ``[start, end]``, both ends included; empty when start > end."""
        days: list[date] = []
        d = start
        while d <= end:
            if self.is_trading_day(d):
                days.append(d)
            d += timedelta(days=1)
        return days

    def previous_trading_day(self, d: date) -> date:
        """The last trading day strictly before ``d``."""
        p = d - timedelta(days=1)
        while not self.is_trading_day(p):
            p -= timedelta(days=1)
        return p

    def next_trading_day(self, d: date) -> date:
        """The first trading day strictly after ``d``."""
        n = d + timedelta(days=1)
        while not self.is_trading_day(n):
            n += timedelta(days=1)
        return n

    def on_or_before(self, d: date) -> date:
        """``d`` if it trades, else the previous trading day (the expiry holiday shift)."""
        return d if self.is_trading_day(d) else self.previous_trading_day(d)

    def session_open(self, d: date) -> datetime:
        """09:15 IST (naive) on trading day ``d``."""
        self._require_trading(d)
        return datetime.combine(d, SESSION_OPEN)

    def session_close(self, d: date) -> datetime:
        """15:30 IST (naive) on trading day ``d``; options expire at this time."""
        self._require_trading(d)
        return datetime.combine(d, SESSION_CLOSE)

    def holiday_name(self, d: date) -> str | None:
        """The holiday's description, or None when ``d`` is not a listed holiday."""
        if d not in self.holidays:
            return None
        return self.descriptions.get(d, "holiday")

    def _require_trading(self, d: date) -> None:
        if not self.is_trading_day(d):
            why = self.holiday_name(d) or "weekend"
            raise CalendarError(
                f"{d.isoformat()} is not a trading day ({why}); it has no session",
                place=f"{self.exchange} calendar",
            )


def read_holidays(path: Path | str, exchanges: tuple[str, ...]) -> dict[date, str]:
    """Holidays of ``exchanges`` in the CSV at ``path``: date -> description.

    Raises ``CalendarError`` naming the file and line for a missing header or a bad date.
    """
    text = _read_text(path)
    out: dict[date, str] = {}
    reader = csv.DictReader(text.splitlines())
    header = tuple(c.strip() for c in (reader.fieldnames or ()))
    missing = [c for c in HOLIDAY_COLUMNS[:2] if c not in header]
    if missing:
        raise CalendarError(f"missing column(s) {', '.join(missing)}; expected "
                            f"{','.join(HOLIDAY_COLUMNS)}", place=f"{path}:1")
    for row in reader:
        line = reader.line_num
        exchange = (row.get("exchange") or "").strip().upper()
        raw = (row.get("date") or "").strip()
        try:
            d = date.fromisoformat(raw)
        except ValueError:
            raise CalendarError(f"bad date {raw!r}; expected YYYY-MM-DD",
                                place=f"{path}:{line}") from None
        if exchange in exchanges:
            out[d] = (row.get("description") or "").strip() or "holiday"
    return out


def load_calendar(exchange: str = "NSE", extra: Path | None = None) -> TradingCalendar:
    """The calendar of ``exchange`` (NSE or BSE) from the shipped list, plus ``extra``.

    ``extra`` is a CSV with the same columns (``$POSBT_HOME/holidays.csv`` by
    convention, see ``user_holidays_path``); its rows are added to the shipped ones and
    its descriptions win. A missing ``extra`` file is an error: pass None for none.
    """
    key = exchange.strip().upper()
    lists = holiday_lists(key)
    holidays = read_holidays(SHIPPED_HOLIDAYS, lists)
    if extra is not None:
        holidays.update(read_holidays(extra, lists))
    special = read_holidays(SHIPPED_SPECIAL_SESSIONS, lists)
    return TradingCalendar(exchange=key, holidays=frozenset(holidays), descriptions=holidays,
                           special_sessions=special)


def holiday_lists(exchange: str) -> tuple[str, ...]:
    """The exchanges whose holiday rows ``exchange``'s calendar reads (BSE reads NSE's); an
    unknown exchange is a :class:`CalendarError`."""
    key = exchange.strip().upper()
    if key not in _SHARED_LISTS:
        raise CalendarError(f"unknown exchange {exchange!r}; known: {', '.join(_SHARED_LISTS)}",
                            place="load_calendar(exchange)")
    return _SHARED_LISTS[key]


def user_holidays_path(home: Path) -> Path | None:
    """``home/holidays.csv`` when the user has one, else None (pass it as ``extra``)."""
    p = home / USER_HOLIDAYS_FILE
    return p if p.is_file() else None


def _read_text(path: Path | str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CalendarError(f"cannot read holiday file: {exc.strerror}", place=str(path)) from None
