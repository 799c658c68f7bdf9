"""The result of one backtest (results stage): the records a run produced, with its plan.

The simulation fills one ``BacktestResult`` per run; ``engine.results.tables`` turns it into
the tables of the results store and the BT_* sheets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from engine.market.view import MarketStats
from engine.results.metrics import Metrics
from engine.results.records import (
    AdjustmentRecord,
    FillRecord,
    SeriesBuffer,
    SkipRecord,
    TradeRecord,
    Transition,
)
from engine.strategy.plan import StrategyPlan


@dataclass
class BacktestResult:
    """Everything a run produced."""

    plan: StrategyPlan
    trades: list[TradeRecord] = field(default_factory=list)
    fills: list[FillRecord] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    skips: list[SkipRecord] = field(default_factory=list)
    anomalies: list[str] = field(default_factory=list)
    adjustments: list[AdjustmentRecord] = field(default_factory=list)
    regime_changes: list[tuple[dt.datetime, str, str, float]] = field(default_factory=list)
    series: SeriesBuffer = field(default_factory=SeriesBuffer)
    equity_dates: list[dt.date] = field(default_factory=list)
    equity_inr: list[float] = field(default_factory=list)
    metrics: Metrics | None = None
    log: list[str] = field(default_factory=list)   # breakeven alerts, S/R notes
    no_trade_reason: str | None = None  # a run with no trade says why (which filter, or skips)
    be_stats: list[tuple[int, float, bool]] = field(default_factory=list)  # trade, inside, stayed
    market: MarketStats | None = None              # what the market view loaded (engine/market)
    # set by the caller that stores the run (engine.api): shown in BT_Summary for sharing
    run_id: str | None = None
    config_hash: str | None = None
    data_fingerprint: str | None = None
