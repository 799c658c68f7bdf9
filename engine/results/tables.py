"""Result tables (results stage): records of a run as column dicts, ready for sheets and stores.

Each function returns ``(headers, rows)`` with units in the header names, so the BT_* sheets,
the results store and the server's JSON share one shape.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from engine.market import to_datetime
from engine.results.metrics import Metrics
from engine.results.records import FillRecord
from engine.results.result import BacktestResult

Table = tuple[list[str], list[list[Any]]]


def _clean(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, np.floating):
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, np.integer):
        return int(v)
    return v


def summary_table(results: Sequence[BacktestResult]) -> Table:
    """One row per metric, one column per strategy (A/B side by side)."""
    names = [f.name for f in dataclasses.fields(Metrics)]
    headers = ["Metric", *(r.plan.name for r in results)]
    rows: list[list[Any]] = [
        ["symbol", *(r.plan.symbol for r in results)],
        ["start", *(r.plan.start for r in results)],
        ["end", *(r.plan.end for r in results)],
        ["capital_inr", *(r.plan.capital_inr for r in results)],
    ]
    for n in names:
        rows.append([n, *(_clean(getattr(r.metrics, n)) if r.metrics else None for r in results)])
    rows.append(["be_success_rate", *(_be_success(r)[0] for r in results)])
    rows.append(["be_time_inside_frac", *(_be_success(r)[1] for r in results)])
    rows.append(["skipped_entries", *(len(r.skips) for r in results)])
    if any(r.no_trade_reason for r in results):
        rows.append(["no_trade_reason", *(r.no_trade_reason for r in results)])
    rows.append(["log_lines", *(len(r.log) for r in results)])
    rows.append(["anomalies", *(len(r.anomalies) for r in results)])
    rows.append(["margin_note", *("SPAN is not public; margin figures are estimates" for _ in results)])
    return headers, rows


def _be_success(r: BacktestResult) -> tuple[float | None, float | None]:
    """(fraction of positions whose spot never left their breakeven band, mean fraction of
    bars inside it); None without tracked positions."""
    if not r.be_stats:
        return None, None
    return (float(np.mean([stayed for _, _, stayed in r.be_stats])),
            float(np.mean([inside for _, inside, _ in r.be_stats])))


def trades_table(results: Sequence[BacktestResult]) -> Table:
    """Every closed trade of every strategy, with its entry legs and the net premium in points
    per unit of its smallest entry leg at entry (+ credit) and at exit (what closing it cost,
    same sign)."""
    headers = ["strategy", "trade_id", "structure", "entry_ts", "exit_ts", "hold_days",
               "exit_reason", "entry_spot", "exit_spot", "lots", "lot_size", "legs",
               "entry_premium_pts", "exit_premium_pts", "premium_inr", "adjustments",
               "pnl_gross_inr", "costs_inr", "pnl_net_inr", "max_profit_inr", "max_loss_inr"]
    rows: list[list[Any]] = []
    for r in results:
        by_trade: dict[int, list[FillRecord]] = {}
        for f in r.fills:
            by_trade.setdefault(f.trade_id, []).append(f)
        for t in r.trades:
            fills = by_trade.get(t.trade_id, [])
            entry = [f for f in fills if f.ts == t.entry_ts and f.kind == "TRADE"]
            close = [f for f in fills if f.ts == t.exit_ts and f not in entry]
            # per unit of the smallest entry leg: how traders quote a spread's net premium
            units = min((abs(f.qty_units) for f in entry if f.qty_units), default=0) \
                or t.lots * t.lot_size or 1
            rows.append([
                r.plan.name, t.trade_id, t.structure, t.entry_ts, t.exit_ts,
                round(t.hold_days, 4), t.exit_reason.value, t.entry_spot, t.exit_spot, t.lots,
                t.lot_size, legs_text(entry),
                sum(f.cash_inr for f in entry) / units if entry else None,
                -sum(f.cash_inr for f in close) / units if close else None,
                t.premium_inr, t.adjustments, t.pnl_gross_inr, t.costs_inr, t.pnl_net_inr,
                _clean(t.max_profit_inr), _clean(t.max_loss_inr)])
    return headers, rows


# BT_Trades' column headers as a trader reads them (the sheet); the keys stay the table's
# (results store, server JSON, tearsheet); readers of the sheet map labels back (trade_key)
TRADE_LABELS: dict[str, str] = {
    "strategy": "Strategy", "trade_id": "Trade", "structure": "Structure",
    "entry_ts": "Entry time", "exit_ts": "Exit time", "hold_days": "Holding (days)",
    "exit_reason": "Exit reason", "entry_spot": "Entry spot", "exit_spot": "Exit spot",
    "lots": "Lots", "lot_size": "Lot size", "legs": "Legs",
    "entry_premium_pts": "Entry premium (pts)", "exit_premium_pts": "Exit premium (pts)",
    "premium_inr": "Premium (INR)", "adjustments": "Adjustments",
    "pnl_gross_inr": "Gross P&L (INR)", "costs_inr": "Costs (INR)",
    "pnl_net_inr": "Net P&L (INR)", "max_profit_inr": "Max profit (INR)",
    "max_loss_inr": "Max loss (INR)"}
_TRADE_KEYS = {label: key for key, label in TRADE_LABELS.items()}


def trade_key(header: str) -> str:
    """The table key of a BT_Trades header: a label posbt writes, or already a key (workbooks
    written before the labels)."""
    return _TRADE_KEYS.get(header, header)


def legs_text(fills: Sequence[FillRecord]) -> str:
    """Legs as a trader writes them: ``SELL 75 22000 CE 2025-01-09 @ 180.00``, ``; `` between."""
    return "; ".join(
        f"{'BUY' if f.qty_units > 0 else 'SELL'} {abs(f.qty_units)} {f.strike:g} {f.right} "
        f"{f.expiry.isoformat()} @ {f.price_pts:.2f}" for f in fills)


def fills_table(results: Sequence[BacktestResult]) -> Table:
    """Every fill (orders and settlements)."""
    headers = ["strategy", "trade_id", "ts", "leg_id", "expiry", "strike", "right", "qty_units",
               "price_pts", "bar_low_pts", "bar_high_pts", "slippage_pts", "costs_inr", "kind", "note"]
    rows = [[r.plan.name, f.trade_id, f.ts, f.leg_id, f.expiry, f.strike, f.right, f.qty_units,
             f.price_pts, f.bar_low_pts, f.bar_high_pts, f.slippage_pts, f.costs_inr, f.kind, f.note]
            for r in results for f in r.fills]
    return headers, rows


def transitions_table(results: Sequence[BacktestResult]) -> Table:
    """Lifecycle transitions with reasons and trigger values, plus skipped entries."""
    headers = ["strategy", "trade_id", "ts", "from_state", "to_state", "reason", "values"]
    rows: list[list[Any]] = [
        [r.plan.name, x.trade_id, x.ts, x.from_state.value, x.to_state.value, x.reason,
         ", ".join(f"{k}={_fmt(v)}" for k, v in x.values.items())]
        for r in results for x in r.transitions]
    rows += [[r.plan.name, None, s.ts, "PENDING", "CLOSED", "entry skipped: " + s.reason, ""]
             for r in results for s in r.skips]
    return headers, rows


def _fmt(v: float) -> str:
    return "" if not math.isfinite(v) else f"{v:.4g}"


def greeks_table(results: Sequence[BacktestResult], every_n: int = 1) -> Table:
    """Per-bar position P&L and greeks of open positions (optionally every n-th bar)."""
    headers = ["strategy", "trade_id", "ts", "spot", "mtm_inr", "delta", "gamma", "vega_inr",
               "theta_inr"]
    rows: list[list[Any]] = []
    for r in results:
        s = r.series
        cols = [s.column(c) for c in ("ts", "trade_id", "spot", "mtm_inr", "delta", "gamma",
                                      "vega_inr", "theta_inr")]
        for i in range(0, cols[0].size, max(every_n, 1)):
            rows.append([r.plan.name, int(cols[1][i]), to_datetime(cols[0][i]),
                         *(_clean(float(c[i])) for c in cols[2:])])
    return headers, rows


def equity_table(results: Sequence[BacktestResult]) -> Table:
    """Daily equity and drawdown per strategy."""
    headers = ["strategy", "date", "equity_inr", "drawdown_inr"]
    rows: list[list[Any]] = []
    for r in results:
        peak = -math.inf
        for d, e in zip(r.equity_dates, r.equity_inr, strict=True):
            peak = max(peak, e)
            rows.append([r.plan.name, d, e, e - peak])
    return headers, rows


def adjustments_table(results: Sequence[BacktestResult]) -> Table:
    """Every adjustment applied or blocked, with trigger values, legs, cash and breakevens."""
    headers = ["strategy", "trade_id", "ts", "rule_id", "action", "status", "reason",
               "trigger_values", "legs_closed", "legs_opened", "cash_inr", "costs_inr",
               "delta_before", "delta_after", "vega_before_inr", "vega_after_inr",
               "be_lower_before", "be_upper_before", "be_lower_after",
               "be_upper_after"]
    rows = [[r.plan.name, a.trade_id, a.ts, a.rule_id, a.action, a.status, a.reason,
             ", ".join(f"{k}={_fmt(v)}" for k, v in a.values.items()), " ".join(a.closed),
             " ".join(a.opened), a.cash_inr, a.costs_inr, a.greeks_before.get("delta"),
             a.greeks_after.get("delta"), a.greeks_before.get("vega_inr"),
             a.greeks_after.get("vega_inr"),
             a.be_before[0], a.be_before[1], a.be_after[0], a.be_after[1]]
            for r in results for a in r.adjustments]
    return headers, rows


def breakevens_table(results: Sequence[BacktestResult], every_n: int = 1) -> Table:
    """Spot against the position's breakeven band per bar (every structure with a band; an open
    side is blank)."""
    headers = ["strategy", "trade_id", "ts", "spot", "be_lower_pts", "be_upper_pts"]
    rows: list[list[Any]] = []
    for r in results:
        s = r.series
        ts, ids, spot = s.column("ts"), s.column("trade_id"), s.column("spot")
        lo, hi = s.column("be_lower"), s.column("be_upper")
        for i in range(0, ts.size, max(every_n, 1)):
            if lo.size and (np.isfinite(lo[i]) or np.isfinite(hi[i])):
                rows.append([r.plan.name, int(ids[i]), to_datetime(ts[i]), float(spot[i]),
                             _clean(float(lo[i])), _clean(float(hi[i]))])
    return headers, rows


def log_table(results: Sequence[BacktestResult]) -> Table:
    """The run's log: volatility-regime changes, anomalies and notes (breakeven alerts, S/R notes,
    stop recoveries), one row each."""
    rows: list[list[Any]] = []
    for r in results:
        rows += [[r.plan.name, "REGIME", ts, f"volatility regime {old} -> {new} (VIX {vix:.2f})"]
                 for ts, old, new, vix in r.regime_changes]
        rows += [[r.plan.name, "ANOMALY", None, line] for line in r.anomalies]
        rows += [[r.plan.name, "NOTE", None, line] for line in r.log]
    return ["strategy", "kind", "ts", "line"], rows
