"""Contract master: lot size, strike step and expiry weekdays of each index, by date.

Domain stage, read by expiry generation, the synthetic market, importers' checks, the
simulation (rupee P&L = points x lot size x lots) and costs. The shipped rules live in
``engine/domain/data/contracts.csv``, one row per (symbol, valid_from), rows of a symbol
contiguous in time. A row's weekdays apply to expiry *dates* inside its range.

Lot sizes follow the exchange's series rule: a revision applies to series created after
it, and an open contract keeps its lot size until it expires. Where the exchange
published the first weekly / monthly expiry carrying a new lot size, the row says so
(``first_weekly_expiry`` / ``first_monthly_expiry``) and those dates decide; otherwise
the series' listing date decides, modelled as ``LISTING_LEAD_DAYS`` before its expiry
(about 3 months for a monthly, 5 weeks for a weekly) unless the caller gives it.
"""

from __future__ import annotations

import bisect
import calendar as _cal
import csv
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Final

from engine.domain.errors import ContractError
from engine.domain.kinds import ExpiryKind

SHIPPED_CONTRACTS: Final = Path(__file__).resolve().parent / "data" / "contracts.csv"
CONTRACT_COLUMNS: Final = (
    "symbol", "valid_from", "valid_to", "exchange", "lot_size", "strike_step",
    "weekly_expiry_weekday", "monthly_expiry_weekday",
)
LISTING_LEAD_DAYS: Final[dict[ExpiryKind, int]] = {ExpiryKind.MONTHLY: 91, ExpiryKind.WEEKLY: 35}
# A holiday moves an expiry back by at most a few days; used to recognise a monthly.
_MAX_HOLIDAY_SHIFT_DAYS: Final = 4


@dataclass(frozen=True)
class ContractSpec:
    """One date-ranged row of the contract master (weekday 0 = Monday .. 6 = Sunday)."""

    symbol: str
    valid_from: date
    valid_to: date | None
    exchange: str
    lot_size: int
    strike_step: float
    weekly_expiry_weekday: int | None
    monthly_expiry_weekday: int
    first_weekly_expiry: date | None = None
    first_monthly_expiry: date | None = None
    notes: str = field(default="", compare=False)
    place: str = field(default="", compare=False)

    def covers(self, d: date) -> bool:
        """True when ``d`` lies in ``[valid_from, valid_to]`` (open-ended when valid_to is None)."""
        return self.valid_from <= d and (self.valid_to is None or d <= self.valid_to)

    def first_expiry_with_lot(self, kind: ExpiryKind) -> date | None:
        """The first expiry of ``kind`` trading at this row's lot size, when published."""
        return self.first_monthly_expiry if kind is ExpiryKind.MONTHLY else self.first_weekly_expiry


class ContractMaster:
    """All contract rows, indexed by symbol; answers lot size, strike step and weekdays."""

    def __init__(self, specs: Iterable[ContractSpec], *, source: str = "contract master") -> None:
        by_symbol: dict[str, list[ContractSpec]] = {}
        for s in specs:
            by_symbol.setdefault(s.symbol, []).append(s)
        self.source = source
        self._specs: dict[str, tuple[ContractSpec, ...]] = {}
        self._starts: dict[str, list[date]] = {}
        for symbol, rows in by_symbol.items():
            rows.sort(key=lambda r: r.valid_from)
            _check_contiguous(rows)
            self._specs[symbol] = tuple(rows)
            self._starts[symbol] = [r.valid_from for r in rows]

    def symbols(self) -> tuple[str, ...]:
        """Symbols in the master, sorted."""
        return tuple(sorted(self._specs))

    def specs(self, symbol: str) -> tuple[ContractSpec, ...]:
        """Every row of ``symbol`` in date order."""
        return self._rows(symbol)

    def all_specs(self) -> tuple[ContractSpec, ...]:
        """Every row of every symbol (symbol, then date order)."""
        return tuple(r for s in self.symbols() for r in self._specs[s])

    def find_spec(self, symbol: str, on: date) -> ContractSpec | None:
        """The row in force on ``on``, or None outside the symbol's rows."""
        rows = self._rows(symbol)
        i = bisect.bisect_right(self._starts[symbol], on) - 1
        if i < 0 or not rows[i].covers(on):
            return None
        return rows[i]

    def spec(self, symbol: str, on: date) -> ContractSpec:
        """The row in force on ``on``; ``ContractError`` outside the symbol's rows."""
        found = self.find_spec(symbol, on)
        if found is None:
            rows = self._rows(symbol)
            last = rows[-1].valid_to
            span = f"{rows[0].valid_from.isoformat()} to {last.isoformat() if last else 'open'}"
            raise ContractError(f"no contract rule for {symbol} on {on.isoformat()}; "
                                f"the master covers {span}", place=self.source)
        return found

    def exchange(self, symbol: str) -> str:
        """The exchange that lists ``symbol`` (its latest row's), e.g. for ``load_calendar``."""
        return self._rows(symbol)[-1].exchange

    def strike_step(self, symbol: str, on: date) -> float:
        """Strike interval in index points for series trading on ``on``."""
        return self.spec(symbol, on).strike_step

    def nominal_monthly_expiry(self, symbol: str, year: int, month: int) -> date | None:
        """The last day of the month on its rule's monthly weekday, before any holiday shift.

        Each day is judged by the row in force on that day, so a weekday change inside
        a month is honoured. None when no row covers the month's candidate days.
        """
        last = date(year, month, _cal.monthrange(year, month)[1])
        for back in range(last.day):
            d = last - timedelta(days=back)
            s = self.find_spec(symbol, d)
            if s is not None and d.weekday() == s.monthly_expiry_weekday:
                return d
        return None

    def infer_kind(self, symbol: str, expiry: date) -> ExpiryKind:
        """MONTHLY when ``expiry`` is its month's monthly date or a holiday shift of it."""
        nominal = self.nominal_monthly_expiry(symbol, expiry.year, expiry.month)
        if nominal is not None and 0 <= (nominal - expiry).days <= _MAX_HOLIDAY_SHIFT_DAYS:
            return ExpiryKind.MONTHLY
        return ExpiryKind.WEEKLY

    def lot_size(self, symbol: str, expiry: date, listed_on: date | None = None,
                 kind: ExpiryKind | None = None) -> int:
        """Units per lot of the ``symbol`` contract expiring on ``expiry``.

        A revision row applies when the exchange's published first expiry of this kind
        is on or before ``expiry``; without one, when the series was listed on or after
        the row's ``valid_from`` (``listed_on``, default ``expiry`` minus
        ``LISTING_LEAD_DAYS[kind]``). ``kind`` defaults to ``infer_kind``.
        """
        rows = self._rows(symbol)
        if expiry < rows[0].valid_from:
            raise ContractError(f"no contract rule for {symbol} expiring {expiry.isoformat()}; "
                                f"the master starts {rows[0].valid_from.isoformat()}",
                                place=self.source)
        k = kind if kind is not None else self.infer_kind(symbol, expiry)
        listed = listed_on if listed_on is not None else expiry - timedelta(LISTING_LEAD_DAYS[k])
        lot = rows[0].lot_size
        for rev in _revisions(rows)[1:]:
            if rev.valid_from > expiry:
                break
            first = rev.first_expiry_with_lot(k)
            if (expiry >= first) if first is not None else (listed >= rev.valid_from):
                lot = rev.lot_size
        return lot

    def _rows(self, symbol: str) -> tuple[ContractSpec, ...]:
        try:
            return self._specs[symbol]
        except KeyError:
            raise ContractError(f"unknown symbol {symbol!r}; known: {', '.join(self.symbols())}",
                                place=self.source) from None


def _revisions(rows: tuple[ContractSpec, ...]) -> list[ContractSpec]:
    """The rows that change the lot size (the first row of each run of equal lots)."""
    out = [rows[0]]
    for r in rows[1:]:
        if r.lot_size != out[-1].lot_size:
            out.append(r)
    return out


def _check_contiguous(rows: list[ContractSpec]) -> None:
    for prev, nxt in itertools.pairwise(rows):
        if prev.valid_to is None or prev.valid_to + timedelta(days=1) != nxt.valid_from:
            raise ContractError(
                f"{nxt.symbol} rows must be contiguous: the row before ends "
                f"{prev.valid_to.isoformat() if prev.valid_to else 'open'} but this one starts "
                f"{nxt.valid_from.isoformat()}", place=nxt.place or nxt.symbol)


def load_contracts(path: Path | str | None = None) -> ContractMaster:
    """The contract master from ``path`` (default: the shipped ``contracts.csv``)."""
    p = Path(path) if path is not None else SHIPPED_CONTRACTS
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ContractError(f"cannot read contract master: {exc.strerror}", place=str(p)) from None
    reader = csv.DictReader(text.splitlines())
    header = [c.strip() for c in (reader.fieldnames or [])]
    missing = [c for c in CONTRACT_COLUMNS if c not in header]
    if missing:
        raise ContractError(f"missing column(s) {', '.join(missing)}", place=f"{p}:1")
    specs = [_parse_row(row, f"{p}:{reader.line_num}") for row in reader]
    if not specs:
        raise ContractError("the contract master has no rows", place=str(p))
    return ContractMaster(specs, source=str(p))


def _parse_row(row: dict[str, str | None], place: str) -> ContractSpec:
    def text(col: str) -> str:
        return (row.get(col) or "").strip()

    def day(col: str, *, required: bool) -> date | None:
        raw = text(col)
        if not raw and not required:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise ContractError(f"{col}: bad date {raw!r}; expected YYYY-MM-DD",
                                place=place) from None

    def number(col: str, *, required: bool = True) -> float | None:
        raw = text(col)
        if not raw and not required:
            return None
        try:
            value = float(raw)
        except ValueError:
            raise ContractError(f"{col}: {raw!r} is not a number", place=place) from None
        return value

    def weekday(col: str, *, required: bool) -> int | None:
        value = number(col, required=required)
        if value is None:
            return None
        if value != int(value) or not 0 <= value <= 6:
            raise ContractError(f"{col}: {text(col)!r} is not a weekday 0 (Mon) .. 6 (Sun)",
                                place=place)
        return int(value)

    symbol = text("symbol").upper()
    if not symbol:
        raise ContractError("symbol: empty", place=place)
    valid_from = day("valid_from", required=True)
    valid_to = day("valid_to", required=False)
    assert valid_from is not None  # required=True never gives None
    if valid_to is not None and valid_to < valid_from:
        raise ContractError(f"valid_to {valid_to} is before valid_from {valid_from}", place=place)
    lot = number("lot_size")
    step = number("strike_step")
    if lot is None or lot <= 0 or lot != int(lot):
        raise ContractError(f"lot_size: {text('lot_size')!r} is not a positive whole number",
                            place=place)
    if step is None or step <= 0:
        raise ContractError(f"strike_step: {text('strike_step')!r} is not positive", place=place)
    monthly = weekday("monthly_expiry_weekday", required=True)
    assert monthly is not None
    return ContractSpec(
        symbol=symbol, valid_from=valid_from, valid_to=valid_to,
        exchange=text("exchange").upper() or "NSE", lot_size=int(lot), strike_step=step,
        weekly_expiry_weekday=weekday("weekly_expiry_weekday", required=False),
        monthly_expiry_weekday=monthly,
        first_weekly_expiry=day("first_weekly_expiry", required=False),
        first_monthly_expiry=day("first_monthly_expiry", required=False),
        notes=text("notes"), place=place,
    )
