"""BT_Summary as a trader reads it (results stage): labelled metrics, one column per strategy.

The labels are the ones AlgoTest and Opstra users look for first (Net P&L, CAGR, Max drawdown,
Calmar, Win rate, Profit factor, Expectancy, streaks ...); each row carries its number format
(rupees, percentages, ratios, days), so the sheet and the HTML tearsheet show the same thing.
An undefined number (no losing trade for the profit factor, no drawdown for Calmar, no trade at
all) is shown as ``n/a``, never as a division by zero. The run's config hash and data
fingerprint close the sheet, so two people comparing results can tell whether they ran the
same thing on the same data.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np

from engine.results.metrics import Metrics
from engine.results.result import BacktestResult

NA = "n/a"


class Fmt(Enum):
    """How a summary value is shown; the value is the Excel number format."""

    INR = '"₹"#,##0;[Red]-"₹"#,##0'
    PCT = "0.00%;[Red]-0.00%"
    RATIO = "0.00"
    INT = "#,##0"
    DAYS = '#,##0.0" d"'
    DATE = "yyyy-mm-dd"
    TEXT = "@"


@dataclass(frozen=True)
class SummaryRow:
    """One labelled line of BT_Summary: a section heading when ``fmt`` is None."""

    label: str
    fmt: Fmt | None
    values: list[Any]


Getter = Callable[[BacktestResult, Metrics], Any]


def _be_success(r: BacktestResult) -> tuple[float | None, float | None]:
    if not r.be_stats:
        return None, None
    return (float(np.mean([stayed for _, _, stayed in r.be_stats])),
            float(np.mean([inside for _, inside, _ in r.be_stats])))


# (label, format, value) per line; a line whose format is None is a section heading
_LINES: list[tuple[str, Fmt | None, Getter | None]] = [
    ("Window", None, None),
    ("Symbol", Fmt.TEXT, lambda r, m: r.plan.symbol),
    ("Start", Fmt.DATE, lambda r, m: r.plan.start),
    ("End", Fmt.DATE, lambda r, m: r.plan.end),
    ("Capital", Fmt.INR, lambda r, m: r.plan.capital_inr),
    ("Returns", None, None),
    ("Net P&L", Fmt.INR, lambda r, m: m.net_pnl_inr),
    ("Return on capital", Fmt.PCT, lambda r, m: m.return_on_capital),
    ("Return on margin", Fmt.PCT, lambda r, m: m.return_on_margin),
    ("CAGR", Fmt.PCT, lambda r, m: m.cagr),
    ("Risk", None, None),
    ("Max drawdown", Fmt.INR, lambda r, m: -m.max_drawdown_inr),
    ("Max drawdown %", Fmt.PCT, lambda r, m: -m.max_drawdown_frac),
    ("Max drawdown duration (days)", Fmt.INT, lambda r, m: m.max_drawdown_days),
    ("Sharpe", Fmt.RATIO, lambda r, m: m.sharpe),
    ("Sortino", Fmt.RATIO, lambda r, m: m.sortino),
    ("Calmar", Fmt.RATIO, lambda r, m: m.calmar),
    ("Trade statistics", None, None),
    ("Trades", Fmt.INT, lambda r, m: m.trades),
    ("Win rate", Fmt.PCT, lambda r, m: m.win_rate),
    ("Average win", Fmt.INR, lambda r, m: m.avg_win_inr),
    ("Average loss", Fmt.INR, lambda r, m: m.avg_loss_inr),
    ("Largest win", Fmt.INR, lambda r, m: m.largest_win_inr),
    ("Largest loss", Fmt.INR, lambda r, m: m.largest_loss_inr),
    ("Longest win streak", Fmt.INT, lambda r, m: m.max_win_streak),
    ("Longest loss streak", Fmt.INT, lambda r, m: m.max_loss_streak),
    ("Profit factor", Fmt.RATIO, lambda r, m: m.profit_factor),
    ("Expectancy per trade", Fmt.INR, lambda r, m: m.expectancy_inr),
    ("Average holding", Fmt.DAYS, lambda r, m: m.avg_hold_days),
    ("Adjustments per trade", Fmt.RATIO, lambda r, m: m.adjustments_per_trade),
    ("Costs", Fmt.INR, lambda r, m: m.costs_paid_inr),
    ("Breakevens", None, None),
    ("Positions that stayed inside", Fmt.PCT, lambda r, m: _be_success(r)[0]),
    ("Time inside the band", Fmt.PCT, lambda r, m: _be_success(r)[1]),
    ("Run", None, None),
    ("Skipped entries", Fmt.INT, lambda r, m: len(r.skips)),
    ("Log lines", Fmt.INT, lambda r, m: len(r.log)),
    ("Anomalies", Fmt.INT, lambda r, m: len(r.anomalies)),
    ("Run ID", Fmt.TEXT, lambda r, m: r.run_id),
    ("Config hash", Fmt.TEXT, lambda r, m: r.config_hash),
    ("Data fingerprint", Fmt.TEXT, lambda r, m: r.data_fingerprint),
    ("Margin figures", Fmt.TEXT, lambda r, m: "estimates (SPAN is not public)"),
]


def _value(v: Any) -> Any:
    """A number, date or text for a cell; NaN, inf and missing become ``n/a``."""
    if v is None:
        return NA
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        f = float(v)
        return f if math.isfinite(f) else NA
    return v


def summary_rows(results: Sequence[BacktestResult]) -> list[SummaryRow]:
    """Every BT_Summary line for ``results`` (one value per strategy, in order)."""
    rows: list[SummaryRow] = []
    if any(not r.trades for r in results):
        rows.append(SummaryRow("No trades", Fmt.TEXT, [
            (r.no_trade_reason or "this run opened no position") if not r.trades else ""
            for r in results]))
    for label, fmt, get in _LINES:
        if get is None or fmt is None:
            rows.append(SummaryRow(label, None, []))
            continue
        values = [_value(get(r, r.metrics)) if r.metrics is not None else NA for r in results]
        rows.append(SummaryRow(label, fmt, values))
    return rows


def label_formats() -> dict[str, Fmt]:
    """Label -> number format of every BT_Summary line that holds values."""
    return {label: fmt for label, fmt, _ in _LINES if fmt is not None} | {"No trades": Fmt.TEXT}


def headline(rows: Sequence[SummaryRow], label: str) -> list[Any]:
    """The values of the line called ``label`` (KeyError when there is none)."""
    for row in rows:
        if row.label == label and row.fmt is not None:
            return row.values
    raise KeyError(label)
