"""Expiries and lot sizes an import needs: what the store knows plus what the file shows.

Stage: data ingestion. Monthly exchange tickers (``NIFTY24JAN21500CE``) and continuous
futures (``NIFTY-I``) carry no expiry day: it is resolved from expiries the store already
holds (data-derived first, then generated ones marked MONTHLY) and expiries seen in the
same file, and failing both from the contract rules (``engine.domain``: the last monthly
weekday of the month, moved back over holidays). A monthly expiry is the last expiry of
its calendar month for its symbol. Lot sizes (to turn contract counts into units) come
from the store's ``instruments`` table, else from the shipped contract master (which
keeps an open series on the lot size it was listed with).
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
from collections import defaultdict

from engine.data.importers.tickers import ParsedTicker
from engine.data.store import Store
from engine.domain.calendar import TradingCalendar, load_calendar
from engine.domain.contracts import ContractMaster, load_contracts
from engine.domain.expiries import ExpiryKind, generate_expiries
from engine.errors import PosbtError

DATA = "DATA"


class Rules:
    """The shipped contract master and trading calendars, read on first use."""

    def __init__(self) -> None:
        self._master: ContractMaster | None = None
        self._calendars: dict[str, TradingCalendar] = {}

    def master(self) -> ContractMaster:
        """The contract master (shipped ``contracts.csv``)."""
        if self._master is None:
            self._master = load_contracts()
        return self._master

    def calendar(self, exchange: str) -> TradingCalendar:
        """The trading calendar of ``exchange``."""
        if exchange not in self._calendars:
            self._calendars[exchange] = load_calendar(exchange)
        return self._calendars[exchange]

    def monthlies(self, symbol: str, start: dt.date, end: dt.date) -> list[dt.date]:
        """Monthly expiries of ``symbol`` in ``[start, end]`` by the contract rules; []
        when the master does not know the symbol or the dates."""
        try:
            master = self.master()
            found = generate_expiries(symbol, start, end, master,
                                      self.calendar(master.exchange(symbol)))
        except PosbtError:
            return []
        return [e.date for e in found if e.kind is ExpiryKind.MONTHLY]

    def lot_size(self, symbol: str, expiry: dt.date, on: dt.date) -> int | None:
        """Lot size of the ``symbol`` series expiring ``expiry`` as traded on ``on``."""
        try:
            return self.master().lot_size(symbol, expiry, listed_on=on)
        except PosbtError:
            return None


class ExpiryBook:
    """Known and newly seen expiries per symbol."""

    def __init__(self, store: Store, rules: Rules | None = None) -> None:
        self.rules = rules or Rules()
        self._stored_data: dict[str, set[dt.date]] = defaultdict(set)
        self._stored_monthly: dict[str, set[dt.date]] = defaultdict(set)
        for r in store.query("import_known_expiries").to_pylist():
            if r["source"] == DATA:
                self._stored_data[r["symbol"]].add(r["expiry"])
            if r["kind"] == "MONTHLY":
                self._stored_monthly[r["symbol"]].add(r["expiry"])
        self.seen: dict[str, set[dt.date]] = defaultdict(set)
        self.first_day: dict[tuple[str, dt.date], dt.date] = {}  # earliest bar day in the file

    def add(self, symbol: str, expiry: dt.date, on: dt.date | None = None) -> None:
        """Record an expiry the file shows, with a day it has a bar on (its listing)."""
        self.seen[symbol].add(expiry)
        if on is not None:
            key = (symbol, expiry)
            have = self.first_day.get(key)
            if have is None or on < have:
                self.first_day[key] = on

    def _data(self, symbol: str, seen: bool = True) -> set[dt.date]:
        stored = self._stored_data[symbol]
        return stored | self.seen[symbol] if seen else stored

    def monthly(self, symbol: str, year: int, month: int, *, seen: bool = True) -> dt.date | None:
        """The monthly expiry of ``symbol`` in ``year``-``month``, or None if unknown.

        ``seen=False`` looks only at what the store held before this file (use it while a
        file is still being read: its later rows may show a later expiry of that month).
        """
        in_month = [d for d in self._data(symbol, seen) if (d.year, d.month) == (year, month)]
        if in_month:
            return max(in_month)
        listed = [d for d in self._stored_monthly[symbol] if (d.year, d.month) == (year, month)]
        if listed:
            return max(listed)
        last_day = calendar.monthrange(year, month)[1]
        ruled = self.rules.monthlies(symbol, dt.date(year, month, 1), dt.date(year, month, last_day))
        return ruled[-1] if ruled else None

    def monthlies(self, symbol: str, *, seen: bool = True) -> list[dt.date]:
        """Every known monthly expiry of ``symbol``, sorted."""
        known = self._data(symbol, seen) | self._stored_monthly[symbol]
        found = (self.monthly(symbol, d.year, d.month, seen=seen) for d in known)
        return sorted({d for d in found if d is not None})

    def near_month(self, symbol: str, on: dt.date, series: int,
                   *, seen: bool = True) -> dt.date | None:
        """Expiry of the ``series``-th monthly contract live on ``on`` (1 = near month)."""
        monthlies = self.monthlies(symbol, seen=seen)
        i = bisect.bisect_left(monthlies, on) + series - 1
        if i < len(monthlies):
            return monthlies[i]
        ruled = self.rules.monthlies(symbol, on, on + dt.timedelta(days=31 * series + 7))
        return ruled[series - 1] if len(ruled) >= series else None

    def kind(self, symbol: str, expiry: dt.date) -> str:
        """MONTHLY if ``expiry`` is the last known expiry of its month, else WEEKLY."""
        last = self.monthly(symbol, expiry.year, expiry.month)
        return "MONTHLY" if last == expiry else "WEEKLY"

    def rows(self) -> list[dict[str, object]]:
        """``expiries`` rows for everything seen in the file (source DATA)."""
        return [{"symbol": s, "expiry": e, "kind": self.kind(s, e), "source": DATA,
                 "listed_from": self.first_day.get((s, e))}
                for s in sorted(self.seen) for e in sorted(self.seen[s])]


class LotBook:
    """Date-ranged lot sizes from the store's contract master."""

    def __init__(self, store: Store, rules: Rules | None = None) -> None:
        self.rules = rules or Rules()
        self._ranges: dict[str, list[tuple[dt.date, dt.date | None, int]]] = defaultdict(list)
        self._memo: dict[tuple[str, dt.date, dt.date], int | None] = {}
        for r in store.query("import_lot_sizes").to_pylist():
            self._ranges[r["symbol"]].append((r["valid_from"], r["valid_to"], r["lot_size"]))

    def lot_size(self, symbol: str, on: dt.date, expiry: dt.date) -> int | None:
        """Lot size of ``symbol`` valid on ``on`` from the store, else from the contract
        rules for the series expiring ``expiry``; None when neither knows it."""
        key = (symbol, on, expiry)
        if key not in self._memo:
            self._memo[key] = self._lookup(symbol, on, expiry)
        return self._memo[key]

    def _lookup(self, symbol: str, on: dt.date, expiry: dt.date) -> int | None:
        for start, end, lot in self._ranges.get(symbol, ()):
            if start <= on and (end is None or on <= end):
                return lot
        return self.rules.lot_size(symbol, expiry, on)


def refresh_expiry_kinds(store: Store, books: ExpiryBook | None = None) -> None:
    """Re-derive WEEKLY/MONTHLY for every DATA expiry from all stored DATA expiries and,
    given the committed file's ``books``, move each DATA expiry's ``listed_from`` back to
    the earliest day the file has bars of it (files may come in any date order)."""
    from engine.data.sqlfiles import query_text  # local: only the DuckDB store runs it

    con = getattr(store, "con", None)
    if con is None:  # HeavyDB: the store runs its own twins of the two statements
        refresh = getattr(store, "refresh_expiry_kinds", None)
        if refresh is None:
            return
        refresh()
        if books is not None and books.first_day:
            getattr(store, "refresh_expiry_listing")(books.first_day)  # noqa: B009
        return
    con.execute(query_text("duckdb", "import_expiry_kinds"))
    if books is not None and books.first_day:
        con.executemany(query_text("duckdb", "import_expiry_listing"),
                        [{"symbol": s, "expiry": e, "first_day": d}
                         for (s, e), d in sorted(books.first_day.items())])


def resolve_expiry(books: ExpiryBook, ticker: ParsedTicker, on: dt.date,
                   *, seen: bool = True) -> dt.date | None:
    """The expiry ``ticker`` names on trade date ``on``: explicit, the monthly expiry of
    its month, or the ``series``-th monthly for continuous futures; None if unknown.
    ``seen`` says whether expiries shown by the file being read may be used."""
    if ticker.expiry is not None:
        return ticker.expiry
    if ticker.expiry_month is not None:
        return books.monthly(ticker.symbol, *ticker.expiry_month, seen=seen)
    if ticker.series is not None:
        return books.near_month(ticker.symbol, on, ticker.series, seen=seen)
    return None
