"""Several strategies as one portfolio (analytics stage): combined equity, drawdown, margin and
greeks per bar, and the correlation of the strategies' daily P&L.

Input: the ``BacktestResult`` of each strategy (each run on its own capital; the runs do not
share margin or limits). Output: a ``Portfolio`` and the tables of BT_Portfolio
(:mod:`engine.analytics.attrib_sheets` writes the sheet).

Per strategy, on the bars where it holds a position (its per-bar series), at each bar ``t``:
equity = capital + net P&L of the trades closed at or before ``t`` + the mark-to-market of the
positions still open after ``t``; margin = the entry margin of those open positions (held from
entry to exit, an estimate); greeks = the sum of the open positions' greeks. A position that
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

from engine.errors import PosbtError
from engine.results.result import BacktestResult
from engine.results.tables import Table

GREEKS = ("delta", "gamma", "vega_inr", "theta_inr")
COLUMNS = ("equity_inr", "margin_inr", *GREEKS)


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
                           "exit_ts": pd.to_datetime([t.exit_ts for t in result.trades]),
                           "margin": [t.margin_inr if math.isfinite(t.margin_inr) else 0.0
                                      for t in result.trades]})
    frame = frame.merge(trades, on="trade_id", how="inner")
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
