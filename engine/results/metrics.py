"""Performance metrics (results stage): from a daily equity curve and closed trades to numbers.

Comes after the simulation has produced trades and a P&L series; feeds BT_Summary. Conventions:
daily returns are equity changes over the previous day's equity; Sharpe and Sortino are annualised
with sqrt(252) and a zero risk-free rate unless one is given (annual, converted per day); CAGR uses
calendar days / 365.25; drawdown duration is counted in calendar days from the peak to the recovery
(or to the last date when not recovered). Calmar is CAGR over the maximum drawdown fraction
(NaN without a drawdown); win and loss streaks are counted over the trades in the order given
(closing order), a flat trade breaking both.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TradeStats:
    """What the metrics need from one closed trade."""

    pnl_inr: float
    costs_inr: float
    hold_days: float
    adjustments: int


@dataclass(frozen=True)
class Metrics:
    """Headline numbers of one backtest."""

    net_pnl_inr: float
    return_on_capital: float
    return_on_margin: float
    cagr: float
    sharpe: float
    sortino: float
    max_drawdown_inr: float
    max_drawdown_frac: float
    max_drawdown_days: int
    trades: int
    win_rate: float
    profit_factor: float
    expectancy_inr: float
    avg_hold_days: float
    adjustments_per_trade: float
    costs_paid_inr: float
    calmar: float = float("nan")             # CAGR / max drawdown fraction
    avg_win_inr: float = float("nan")
    avg_loss_inr: float = float("nan")       # <= 0
    largest_win_inr: float = float("nan")
    largest_loss_inr: float = float("nan")   # <= 0
    max_win_streak: int = 0                  # consecutive winning trades, in closing order
    max_loss_streak: int = 0


def drawdown(equity_inr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drawdown in rupees (<= 0) and as a fraction of the running peak, per point."""
    peak = np.maximum.accumulate(equity_inr)
    dd = equity_inr - peak
    frac = np.divide(dd, peak, out=np.zeros_like(dd), where=peak > 0)
    return dd, frac


def max_drawdown_duration_days(dates: Sequence[dt.date], equity_inr: np.ndarray) -> int:
    """Longest stretch in calendar days from a peak until equity regains it (or the end)."""
    longest = 0
    peak_val = -math.inf
    peak_date: dt.date | None = None
    under_water = False
    for d, v in zip(dates, equity_inr, strict=True):
        if v >= peak_val:
            if under_water and peak_date is not None:
                longest = max(longest, (d - peak_date).days)
            peak_val, peak_date, under_water = float(v), d, False
        elif peak_date is not None:
            under_water = True
            longest = max(longest, (d - peak_date).days)
    return longest


def longest_streaks(pnls: Sequence[float]) -> tuple[int, int]:
    """(longest run of winning trades, longest run of losing trades) in the order given; a
    flat trade (P&L 0) breaks both runs."""
    best_win = best_loss = win = loss = 0
    for p in pnls:
        win = win + 1 if p > 0 else 0
        loss = loss + 1 if p < 0 else 0
        best_win, best_loss = max(best_win, win), max(best_loss, loss)
    return best_win, best_loss


def _annualised_ratio(excess: np.ndarray, downside_only: bool) -> float:
    if excess.size < 2:
        return float("nan")
    if downside_only:
        downside = np.minimum(excess, 0.0)
        denom = float(np.sqrt(np.mean(downside**2)))
    else:
        denom = float(np.std(excess, ddof=1))
    if denom == 0.0:
        return float("nan")
    return float(np.mean(excess) / denom * math.sqrt(252.0))


def compute_metrics(
    dates: Sequence[dt.date],
    equity_inr: Sequence[float],
    trades: Sequence[TradeStats],
    capital_inr: float,
    margin_inr: float | None = None,
    risk_free_annual: float = 0.0,
) -> Metrics:
    """Every headline metric; NaN where a metric is undefined (e.g. no losing trade for PF)."""
    eq = np.asarray(equity_inr, dtype=float)
    net = float(eq[-1] - capital_inr) if eq.size else 0.0
    if eq.size >= 2:
        prev = np.concatenate(([capital_inr], eq[:-1]))
        rets = (eq - prev) / prev
        excess = rets - risk_free_annual / 252.0
        sharpe = _annualised_ratio(excess, downside_only=False)
        sortino = _annualised_ratio(excess, downside_only=True)
        years = max((dates[-1] - dates[0]).days, 1) / 365.25
        cagr = (eq[-1] / capital_inr) ** (1 / years) - 1 if eq[-1] > 0 else -1.0
    else:
        sharpe = sortino = cagr = float("nan")
    if eq.size:
        dd, dd_frac = drawdown(np.concatenate(([capital_inr], eq)))
        max_dd, max_dd_frac = float(-dd.min()), float(-dd_frac.min())
        dd_days = max_drawdown_duration_days(list(dates), eq)
    else:
        max_dd = max_dd_frac = 0.0
        dd_days = 0
    pnls = np.array([t.pnl_inr for t in trades], dtype=float)
    wins, losses = pnls[pnls > 0], pnls[pnls < 0]
    n = len(trades)
    win_streak, loss_streak = longest_streaks(list(pnls))
    calmar = (float(cagr) / max_dd_frac if max_dd_frac > 0 and math.isfinite(cagr)
              else float("nan"))
    return Metrics(
        net_pnl_inr=net,
        return_on_capital=net / capital_inr,
        return_on_margin=net / margin_inr if margin_inr else float("nan"),
        cagr=float(cagr),
        sharpe=sharpe,
        sortino=sortino,
        max_drawdown_inr=max_dd,
        max_drawdown_frac=max_dd_frac,
        max_drawdown_days=dd_days,
        trades=n,
        win_rate=float(wins.size / n) if n else float("nan"),
        profit_factor=float(wins.sum() / -losses.sum()) if losses.size else float("nan"),
        expectancy_inr=float(pnls.mean()) if n else float("nan"),
        avg_hold_days=float(np.mean([t.hold_days for t in trades])) if n else float("nan"),
        adjustments_per_trade=float(np.mean([t.adjustments for t in trades])) if n else float("nan"),
        costs_paid_inr=float(sum(t.costs_inr for t in trades)),
        calmar=calmar,
        avg_win_inr=float(wins.mean()) if wins.size else float("nan"),
        avg_loss_inr=float(losses.mean()) if losses.size else float("nan"),
        largest_win_inr=float(wins.max()) if wins.size else float("nan"),
        largest_loss_inr=float(losses.min()) if losses.size else float("nan"),
        max_win_streak=win_streak,
        max_loss_streak=loss_streak,
    )
