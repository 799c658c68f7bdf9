"""P&L broken down by calendar (results stage): month by year, entry weekday, entry DTE.

A trade's P&L (net of costs) counts in the month it was closed (exit month), and under the
weekday and the days-to-expiry it was opened with. Entry DTE is counted in calendar days from
the entry date to the nearest expiry among the legs opened at entry. Feeds BT_Monthly and the
HTML tearsheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.results.result import BacktestResult

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# entry DTE buckets: (label, lowest day, highest day), inclusive
DTE_BUCKETS: tuple[tuple[str, int, int], ...] = (
    ("0", 0, 0), ("1", 1, 1), ("2", 2, 2), ("3", 3, 3), ("4", 4, 4), ("5-7", 5, 7),
    ("8-14", 8, 14), ("15-30", 15, 30), ("31+", 31, 10_000))


@dataclass(frozen=True)
class Group:
    """Trades of one weekday or DTE bucket."""

    label: str
    trades: int
    pnl_inr: float
    wins: int

    @property
    def win_rate(self) -> float | None:
        """Winning trades over trades (None without trades)."""
        return self.wins / self.trades if self.trades else None


def month_by_year(result: BacktestResult) -> dict[int, list[float | None]]:
    """Year -> twelve monthly net P&L sums (None for a month without a closed trade)."""
    table: dict[int, list[float | None]] = {}
    for t in result.trades:
        row = table.setdefault(t.exit_ts.year, [None] * 12)
        m = t.exit_ts.month - 1
        row[m] = (row[m] or 0.0) + t.pnl_net_inr
    return dict(sorted(table.items()))


def _groups(labels: Sequence[str], keyed: Sequence[tuple[str, float]]) -> list[Group]:
    out = []
    for label in labels:
        pnls = [p for k, p in keyed if k == label]
        out.append(Group(label, len(pnls), float(sum(pnls)), sum(p > 0 for p in pnls)))
    return out


def by_weekday(result: BacktestResult) -> list[Group]:
    """Trades grouped by the weekday they were opened (Mon..Fri, Sat/Sun only when used)."""
    keyed = [(WEEKDAYS[t.entry_ts.weekday()], t.pnl_net_inr) for t in result.trades]
    used = {k for k, _ in keyed}
    return _groups([d for i, d in enumerate(WEEKDAYS) if i < 5 or d in used], keyed)


def entry_dte(result: BacktestResult) -> dict[int, int]:
    """Trade id -> calendar days from entry to the nearest expiry of the legs opened then."""
    out: dict[int, int] = {}
    entry_ts = {t.trade_id: t.entry_ts for t in result.trades}
    for f in result.fills:
        ts = entry_ts.get(f.trade_id)
        if ts is None or f.ts != ts or f.kind != "TRADE":
            continue
        days = (f.expiry - ts.date()).days
        out[f.trade_id] = min(days, out.get(f.trade_id, days))
    return out


def dte_bucket(days: int) -> str:
    """The label of the bucket holding ``days``."""
    for label, lo, hi in DTE_BUCKETS:
        if lo <= days <= hi:
            return label
    return DTE_BUCKETS[-1][0] if days > 0 else DTE_BUCKETS[0][0]


def by_entry_dte(result: BacktestResult) -> list[Group]:
    """Trades grouped by entry DTE bucket (only buckets that hold a trade)."""
    dte = entry_dte(result)
    keyed = [(dte_bucket(dte[t.trade_id]), t.pnl_net_inr) for t in result.trades
             if t.trade_id in dte]
    used = {k for k, _ in keyed}
    return _groups([b[0] for b in DTE_BUCKETS if b[0] in used], keyed)
