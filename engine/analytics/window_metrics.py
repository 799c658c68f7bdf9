"""A sweep metric measured over one walk-forward window (analytics stage), for choosing the
in-sample best variant by any metric ``posbt sweep --metric`` offers.

Input: a variant's net P&L of each day of the window (the stored daily P&L, 0 on a day it has
none), its trades whose exit falls in the window (:class:`ClosedTrade`, from results.duckdb),
and its capital. No backtest is rerun. The definitions, per window (``x`` the daily P&L):

* ``net_pnl_inr``: ``sum(x)``;
* ``sharpe``: ``mean(x) / sd(x)`` (sample sd), per day, not annualised (NaN under 2 days or
  with ``sd = 0``);
* ``sortino``: ``mean(x) / sqrt(mean(min(x, 0)^2))`` per day, not annualised; no losing day
  and ``mean > 0`` is unbounded (``inf``), NaN under 2 days or with a mean of 0;
* ``return_on_capital``: ``sum(x) / capital``;
* ``return_on_margin``: ``sum(x) / peak margin`` of the window's trades (the most margin
  blocked at once among them, :func:`engine.simulation.loop.peak_margin_inr`); NaN without a
  trade with a margin;
* ``win_rate``, ``expectancy_inr``, ``profit_factor``: over the window's trades: winners
  (net P&L > 0) / trades, mean net P&L, gross wins / gross losses (wins and no loss:
  ``inf``); NaN without trades (the factor also without a win or a loss);
* ``max_drawdown_inr``: the deepest fall of ``cumsum(x)`` below its running peak, the peak
  starting at 0, as a positive number of rupees (as BT_Sweep stores it): *lower* is better;
* ``calmar``: CAGR / max drawdown fraction of the equity ``capital + cumsum(x)``, as
  :func:`engine.results.metrics.compute_metrics` computes them (years: calendar days from the
  window's first to its last data day, at least 1, / 365.25; the fraction against the running
  peak from the capital); no drawdown and a CAGR above 0 is ``inf``, no drawdown otherwise NaN.

A trade that straddles a window edge counts in its days' P&L on both sides but, for the
trade metrics, only in the window where it exits. ``inf`` ranks above every finite value;
NaN ranks last (ties: the lowest variant number), as in :mod:`engine.analytics.walkforward`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.analytics.sensitivity import SensitivityMetric
from engine.results.metrics import drawdown
from engine.simulation.loop import peak_margin_inr

M = SensitivityMetric


@dataclass(frozen=True)
class ClosedTrade:
    """What a window needs from one trade of a variant."""

    entry_ts: dt.datetime
    exit_ts: dt.datetime
    pnl_net_inr: float
    margin_inr: float = math.nan


def _ratio(num: float, den: float) -> float:
    if den > 0:
        return num / den
    return math.inf if num > 0 else math.nan


def window_metric(metric: SensitivityMetric, pnl_inr: np.ndarray, days: Sequence[dt.date],
                  trades: Sequence[ClosedTrade], capital_inr: float) -> float:
    """``metric`` of one variant over one window (module docstring); ``pnl_inr[i]`` is the
    P&L of ``days[i]``, and ``trades`` are the variant's trades exiting in the window."""
    x = np.asarray(pnl_inr, dtype=np.float64)
    if metric is M.NET_PNL:
        return float(x.sum())
    if metric is M.RETURN_ON_CAPITAL:
        return float(x.sum()) / capital_inr
    if metric in (M.SHARPE, M.SORTINO):
        if x.size < 2:
            return math.nan
        if metric is M.SHARPE:
            sd = float(x.std(ddof=1))
            return float(x.mean()) / sd if sd > 0 else math.nan
        mean = float(x.mean())
        if mean == 0:
            return math.nan
        return _ratio(mean, float(np.sqrt(np.mean(np.minimum(x, 0.0) ** 2))))
    if metric is M.MAX_DRAWDOWN:
        eq = np.concatenate(([0.0], np.cumsum(x)))
        return float((np.maximum.accumulate(eq) - eq).max())
    if metric is M.CALMAR:
        return _calmar(x, days, capital_inr)
    pnls = np.array([t.pnl_net_inr for t in trades], dtype=np.float64)
    if pnls.size == 0:
        return math.nan
    if metric is M.WIN_RATE:
        return float((pnls > 0).sum() / pnls.size)
    if metric is M.EXPECTANCY:
        return float(pnls.mean())
    if metric is M.PROFIT_FACTOR:
        return _ratio(float(pnls[pnls > 0].sum()), float(-pnls[pnls < 0].sum()))
    if metric is M.RETURN_ON_MARGIN:
        peak = peak_margin_inr(list(trades))
        return float(x.sum()) / peak if peak else math.nan
    raise AssertionError(f"no window definition of {metric}")  # pragma: no cover


def _calmar(x: np.ndarray, days: Sequence[dt.date], capital_inr: float) -> float:
    if x.size < 2:
        return math.nan
    eq = capital_inr + np.cumsum(x)
    years = max((days[-1] - days[0]).days, 1) / 365.25
    cagr = (eq[-1] / capital_inr) ** (1 / years) - 1 if eq[-1] > 0 else -1.0
    _, frac = drawdown(np.concatenate(([capital_inr], eq)))
    dd = float(-frac.min())
    if dd > 0:
        return float(cagr) / dd
    return math.inf if cagr > 0 else math.nan
