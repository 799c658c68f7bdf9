"""Result records (results stage): fills, trades, lifecycle transitions, skipped entries.

The simulation produces these; ``engine.results.tables`` turns them into tables for the results
store and the BT_* sheets. Money is in rupees (``_inr``), prices in index points (``_pts``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from engine.domain.lifecycle import ExitReason, PositionState


@dataclass(frozen=True)
class Transition:
    """One lifecycle step with its reason and the values that triggered it."""

    trade_id: int
    ts: dt.datetime
    from_state: PositionState
    to_state: PositionState
    reason: str
    values: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class FillRecord:
    """One executed order for one leg (or a cash settlement at expiry)."""

    trade_id: int
    ts: dt.datetime
    leg_id: str
    expiry: dt.date
    strike: float
    right: str
    qty_units: int          # + bought, - sold
    price_pts: float
    bar_low_pts: float
    bar_high_pts: float
    slippage_pts: float
    costs_inr: float
    kind: str = "TRADE"     # TRADE | SETTLEMENT
    note: str = ""

    @property
    def cash_inr(self) -> float:
        """Cash flow of the fill before costs: selling brings money in."""
        return -self.qty_units * self.price_pts


@dataclass(frozen=True)
class TradeRecord:
    """A position from entry to exit."""

    trade_id: int
    strategy: str
    symbol: str
    structure: str
    entry_ts: dt.datetime
    exit_ts: dt.datetime
    exit_reason: ExitReason
    entry_spot: float
    exit_spot: float
    lots: int
    lot_size: int
    premium_inr: float       # net premium at entry: + credit received, - debit paid
    pnl_gross_inr: float     # sum of fill cash flows (settlement included)
    costs_inr: float
    adjustments: int = 0
    margin_inr: float = float("nan")
    max_profit_inr: float = float("nan")
    max_loss_inr: float = float("nan")

    @property
    def pnl_net_inr(self) -> float:
        """Gross P&L less costs."""
        return self.pnl_gross_inr - self.costs_inr

    @property
    def hold_days(self) -> float:
        """Holding time in calendar days (fractional)."""
        return (self.exit_ts - self.entry_ts).total_seconds() / 86_400.0


@dataclass(frozen=True)
class AdjustmentRecord:
    """An adjustment that fired (APPLIED) or was due and could not (BLOCKED), with why."""

    trade_id: int
    ts: dt.datetime
    rule_id: str
    action: str
    status: str                       # APPLIED | BLOCKED
    reason: str
    values: dict[str, float] = field(default_factory=dict)
    closed: tuple[str, ...] = ()
    opened: tuple[str, ...] = ()
    cash_inr: float = 0.0             # + credit received, - debit paid (before costs)
    costs_inr: float = 0.0
    greeks_before: dict[str, float] = field(default_factory=dict)
    greeks_after: dict[str, float] = field(default_factory=dict)
    be_before: tuple[float | None, float | None] = (None, None)
    be_after: tuple[float | None, float | None] = (None, None)


@dataclass(frozen=True)
class SkipRecord:
    """An entry that was considered and not taken, with the reason."""

    ts: dt.datetime
    reason: str


@dataclass
class SeriesBuffer:
    """Per-bar series of open positions, appended chunk by chunk (columns of equal length)."""

    ts: list[np.ndarray] = field(default_factory=list)
    trade_id: list[np.ndarray] = field(default_factory=list)
    spot: list[np.ndarray] = field(default_factory=list)
    mtm_inr: list[np.ndarray] = field(default_factory=list)
    delta: list[np.ndarray] = field(default_factory=list)
    gamma: list[np.ndarray] = field(default_factory=list)
    vega_inr: list[np.ndarray] = field(default_factory=list)
    theta_inr: list[np.ndarray] = field(default_factory=list)
    vega_tw_inr: list[np.ndarray] = field(default_factory=list)
    be_lower: list[np.ndarray] = field(default_factory=list)
    be_upper: list[np.ndarray] = field(default_factory=list)

    def column(self, name: str) -> np.ndarray:
        """One column concatenated over every chunk."""
        parts: list[np.ndarray] = getattr(self, name)
        return np.concatenate(parts) if parts else np.array([])
