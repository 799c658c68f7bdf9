"""Several strategies as one portfolio (analytics stage): combined equity, drawdown, margin and
greeks per bar, and the correlation of the strategies' daily P&L.

Input: the ``BacktestResult`` of each strategy (each run on its own capital; the runs do not
share margin or limits). Output: a ``Portfolio`` and the tables of BT_Portfolio
(:mod:`engine.analytics.attrib_sheets` writes the sheet).

Per strategy, on the bars where it holds a position (its per-bar series), at each bar ``t``:
equity = capital + net P&L of the trades closed at or before ``t`` + the mark-to-market of the
positions still open after ``t``; margin = the margin of those open positions as they stand
after ``t``'s fills (:func:`margin_steps`: the trade's entry estimate until its first
adjustment, then the engine's estimator, :func:`engine.strategy.margin.estimate_margin_inr`,
on the legs held after each adjustment); greeks = the sum of the open positions' greeks. A position that
exits at ``t`` counts as realised there (its greeks and margin are 0 after ``t``), as in the
run's own equity curve. Drawdown: combined equity less its running peak, the peak starting at
the combined capital. The common timeline is every bar at which any strategy has a row; a
strategy without a row at ``t`` keeps its last row at or before ``t`` (forward fill only, never
a later value), and before its first row it is flat at its capital. The portfolio is the sum.
Daily P&L: the change of each strategy's end-of-day equity (``BacktestResult.equity_inr``), the
first day against its capital, on the union of the runs' days (a day a run lacks is 0);
correlation: Pearson (numpy.corrcoef), ``n/a`` for one strategy or a constant P&L.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.domain.structures import Leg, Right, Side
from engine.errors import PosbtError
from engine.results.records import FillRecord
from engine.results.result import BacktestResult
from engine.results.tables import Table
from engine.strategy.margin import estimate_margin_inr

GREEKS = ("delta", "gamma", "vega_inr", "theta_inr")
COLUMNS = ("equity_inr", "margin_inr", *GREEKS)


def held_legs(fills: Sequence[FillRecord]) -> tuple[list[Leg], np.ndarray]:
    """The legs a sequence of one trade's fills leaves open (one per contract, netted) and
    the price each was opened at: the quantity-weighted mean of the fills that opened or
    added to it (a partial close keeps it; a fill through flat opens at its own price).
    Lots are in units (``estimate_margin_inr`` with lot sizes of 1)."""
    held: dict[tuple[dt.date, float, str], tuple[int, float]] = {}
    for f in fills:
        key = (f.expiry, f.strike, f.right)
        units, px = held.get(key, (0, 0.0))
        new = units + f.qty_units
        if units == 0 or (units > 0) == (f.qty_units > 0):      # open or add: weighted mean
            px = (units * px + f.qty_units * f.price_pts) / new if new else 0.0
        elif new != 0 and (new > 0) != (units > 0):              # through flat
            px = f.price_pts
        held[key] = (new, px)
    legs, prices = [], []
    for (expiry, strike, right), (units, px) in held.items():
        if units != 0:
            legs.append(Leg(Right(right), Side.BUY if units > 0 else Side.SELL, strike, expiry,
                            lots=abs(units)))
            prices.append(px)
    return legs, np.array(prices, dtype=np.float64)


def margin_steps(result: BacktestResult) -> pd.DataFrame:
    """Each trade's margin from each fill time on (columns trade_id, ts, margin): its entry
    estimate (``TradeRecord.margin_inr``, 0 when unknown) at entry, then at each later time
    with fills before its exit the engine's estimator on the legs held after them, priced at
    their opening prices (:func:`held_legs`), with the spot of the trade's series bar at that
    time (the trade's entry spot when the series has no such bar). A trade without fills keeps
    its entry estimate."""
    s = result.series
    spot_at = {(int(tid), pd.Timestamp(ts)): float(x) for tid, ts, x in
               zip(s.column("trade_id"), s.column("ts"), s.column("spot"), strict=True)} \
        if s.column("ts").size and s.column("spot").size == s.column("ts").size else {}
    by_trade: dict[int, list[FillRecord]] = {}
    for f in result.fills:
        if f.kind == "TRADE":
            by_trade.setdefault(f.trade_id, []).append(f)
    rows: list[tuple[int, pd.Timestamp, float]] = []
    for t in result.trades:
        entry_margin = t.margin_inr if math.isfinite(t.margin_inr) else 0.0
        rows.append((t.trade_id, pd.Timestamp(t.entry_ts), entry_margin))
        fills = sorted(by_trade.get(t.trade_id, ()), key=lambda f: f.ts)
        for ts in sorted({f.ts for f in fills if t.entry_ts < f.ts < t.exit_ts}):
            legs, px = held_legs([f for f in fills if f.ts <= ts])
            spot = spot_at.get((t.trade_id, pd.Timestamp(ts)), t.entry_spot)
            margin = estimate_margin_inr(legs, px, [1] * len(legs), spot, result.plan.risk) \
                if legs else 0.0
            rows.append((t.trade_id, pd.Timestamp(ts), margin))
    return pd.DataFrame(rows, columns=["trade_id", "ts", "margin"]).astype(
        {"trade_id": np.int64, "margin": np.float64})


def strategy_bars(result: BacktestResult) -> pd.DataFrame:
    """One strategy's equity, margin and greeks on its own bars (index: bar time, sorted)."""
    s = result.series
    capital = float(result.plan.capital_inr)
    if s.column("ts").size == 0 or not result.trades:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in COLUMNS},
                            index=pd.DatetimeIndex([], name="ts"))
    frame = pd.DataFrame({"ts": pd.to_datetime(s.column("ts")),
                          "trade_id": s.column("trade_id").astype(np.int64),
                          "mtm_inr": s.column("mtm_inr"),
                          **{g: s.column(g) for g in GREEKS}})
    trades = pd.DataFrame({"trade_id": [t.trade_id for t in result.trades],
                           "exit_ts": pd.to_datetime([t.exit_ts for t in result.trades])})
    frame = frame.merge(trades, on="trade_id", how="inner").sort_values("ts", kind="stable")
    steps = margin_steps(result).sort_values("ts", kind="stable")
    steps["ts"] = steps["ts"].astype(frame["ts"].dtype)
    # each bar takes its trade's latest margin step at or before it (the fills of the bar in)
    frame = pd.merge_asof(frame, steps, on="ts", by="trade_id", direction="backward")
    frame["margin"] = frame["margin"].fillna(0.0)
    still_open = frame["ts"] < frame["exit_ts"]  # the exit bar is realised, not marked
    for col in ("mtm_inr", *GREEKS):
        frame[col] = frame[col].where(still_open, 0.0).fillna(0.0)
    frame["margin_inr"] = frame["margin"].where(still_open, 0.0)
    per_bar = frame.groupby("ts")[["mtm_inr", "margin_inr", *GREEKS]].sum().sort_index()
    exits = trades.assign(pnl=[t.pnl_net_inr for t in result.trades]).sort_values("exit_ts")
    closed = np.cumsum(exits["pnl"].to_numpy())
    upto = np.searchsorted(exits["exit_ts"].to_numpy(), per_bar.index.to_numpy(), side="right")
    realised = np.where(upto > 0, closed[np.maximum(upto - 1, 0)], 0.0)
    per_bar["equity_inr"] = capital + realised + per_bar["mtm_inr"].to_numpy()
    per_bar.index.name = "ts"
    return per_bar[list(COLUMNS)]


def on_timeline(bars: pd.DataFrame, timeline: pd.DatetimeIndex, capital_inr: float
                ) -> pd.DataFrame:
    """``bars`` on ``timeline``: each time takes the last row at or before it (forward fill);
    before the first row the strategy is flat (equity = capital, margin and greeks 0)."""
    out = bars.reindex(timeline, method="ffill") if len(bars) else \
        pd.DataFrame(index=timeline, columns=list(COLUMNS), dtype=float)
    out["equity_inr"] = out["equity_inr"].fillna(capital_inr)
    return out.fillna(0.0)


def daily_pnl(results: Sequence[BacktestResult]) -> pd.DataFrame:
    """Net P&L per day (rows) and strategy (columns): the change of end-of-day equity, the
    first day against capital; a day a run lacks carries its equity (P&L 0)."""
    equity = pd.DataFrame({r.plan.name: pd.Series(r.equity_inr, index=pd.to_datetime(
        r.equity_dates), dtype=float) for r in results}).sort_index()
    capital = pd.Series({r.plan.name: float(r.plan.capital_inr) for r in results})
    equity = equity.ffill().fillna(capital)
    return equity.diff().fillna(equity - capital)


@dataclass(frozen=True)
class Portfolio:
    """The combined book: per-bar totals, each strategy's equity, and the correlation."""

    names: list[str]
    capital_inr: float
    bars: pd.DataFrame               # equity_inr, drawdown_inr, margin_inr, greeks (totals)
    equity_by_strategy: pd.DataFrame
    daily: pd.DataFrame              # daily net P&L, one column per strategy
    correlation: np.ndarray | None   # None for one strategy
    correlation_note: str

    @property
    def max_drawdown_inr(self) -> float:
        """The deepest fall of the combined equity from its running peak (<= 0)."""
        return float(self.bars["drawdown_inr"].min()) if len(self.bars) else 0.0


def portfolio(results: Sequence[BacktestResult]) -> Portfolio:
    """The strategies of ``results`` as one portfolio (names must differ)."""
    names = [r.plan.name for r in results]
    if not names:
        raise PosbtError("a portfolio needs at least one strategy", place="--strategies")
    if len(set(names)) != len(names):
        raise PosbtError(f"strategy names repeat in the portfolio: {', '.join(names)}",
                         place="--strategies")
    own = [strategy_bars(r) for r in results]
    timeline = pd.DatetimeIndex(sorted(set().union(*(b.index for b in own))), name="ts")
    aligned = [on_timeline(b, timeline, float(r.plan.capital_inr))
               for b, r in zip(own, results, strict=True)]
    total = sum(aligned[1:], aligned[0])
    assert isinstance(total, pd.DataFrame)
    capital = float(sum(r.plan.capital_inr for r in results))
    peak = np.maximum(total["equity_inr"].cummax().to_numpy(), capital)  # from the capital on
    total.insert(1, "drawdown_inr", total["equity_inr"].to_numpy() - peak)
    by = pd.DataFrame({n: a["equity_inr"] for n, a in zip(names, aligned, strict=True)},
                      index=timeline)
    daily = daily_pnl(results)
    corr, note = correlation(daily)
    return Portfolio(names, capital, total, by, daily, corr, note)


def correlation(daily: pd.DataFrame) -> tuple[np.ndarray | None, str]:
    """Pearson correlation of the columns (numpy.corrcoef) and a note; None for one column,
    NaN for a column whose P&L never changes."""
    if daily.shape[1] < 2:
        return None, "n/a: a portfolio of one strategy has no correlation"
    if daily.shape[0] < 3:
        return None, f"n/a: {daily.shape[0]} day(s) of P&L; a correlation needs 3"
    x = daily.to_numpy(dtype=float).T
    flat = [n for n, row in zip(daily.columns, x, strict=True) if np.std(row) == 0.0]
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(x)
    note = f"Pearson correlation of daily net P&L over {daily.shape[0]} days"
    if flat:
        note += f"; n/a for {', '.join(map(str, flat))} (P&L never changes)"
    return corr, note


def bars_table(p: Portfolio) -> Table:
    """Per bar: combined equity, drawdown, margin and greeks, then each strategy's equity."""
    headers = ["ts", "equity_inr", "drawdown_inr", "margin_inr", "delta", "gamma", "vega_inr",
               "theta_inr", *(f"equity_{n}_inr" for n in p.names)]
    cols = [p.bars[c].to_numpy(dtype=float) for c in headers[1:8]]
    cols += [p.equity_by_strategy[n].to_numpy(dtype=float) for n in p.names]
    times: list[dt.datetime] = [t.to_pydatetime() for t in p.bars.index]
    rows = [[t, *(float(c[i]) for c in cols)] for i, t in enumerate(times)]
    return headers, rows


def correlation_table(p: Portfolio) -> Table:
    """The correlation matrix with the strategy names as row and column labels (None = n/a)."""
    if p.correlation is None:
        return ["strategy", *p.names], [[n, *(None for _ in p.names)] for n in p.names]
    rows = [[n, *(float(v) if math.isfinite(v) else None for v in row)]
            for n, row in zip(p.names, p.correlation, strict=True)]
    return ["strategy", *p.names], rows
