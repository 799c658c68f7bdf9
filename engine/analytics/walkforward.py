"""Walk-forward analysis of a finished sweep (analytics stage), from its daily P&L per variant.

No backtest is rerun: each variant's net P&L per day (``sweep_variants.daily_pnl_json``, the
matrix BT_SweepStats uses: one row per date any variant has, 0 where a variant has none) is
cut into calendar-month windows.

Windows, for ``IS:OOS`` months and the first data month ``M0``: window ``k`` (from 0) has the
in-sample months ``[M0 + k*OOS, M0 + k*OOS + IS)`` and the out-of-sample months that follow,
``[M0 + k*OOS + IS, M0 + (k+1)*OOS + IS)``: the in-sample window rolls forward by the
out-of-sample length, so the out-of-sample windows tile the data after the first ``IS``
months without overlap. Windows continue while the out-of-sample window starts on or before
the last data day; the last one may be cut short by the data's end (``partial``).

In each window the variant with the best in-sample metric is chosen: any metric
``posbt sweep --metric`` offers, measured over the window's days and the trades that exit in
it as :mod:`engine.analytics.window_metrics` defines them (net P&L: the sum of the daily P&L;
Sharpe: mean / sample standard deviation of the daily P&L, per day, not annualised; ...). The
highest wins, except for the maximum drawdown, where the lowest wins; ties: the lowest variant
number among the best; NaN last. Its
out-of-sample days' P&L are the window's result; the out-of-sample days of every window, in
date order, stitched together and summed cumulatively are the walk-forward equity (INR from
0): what a trader re-choosing the parameters every ``OOS`` months on the past ``IS`` months
would have made.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from engine.analytics.sensitivity import SensitivityMetric, parse_metric
from engine.analytics.window_metrics import ClosedTrade, window_metric
from engine.errors import PosbtError

PLACE = "--walk-forward"
WALK_FORWARD_METRICS = tuple(m.value for m in SensitivityMetric)


@dataclass(frozen=True)
class WalkSpec:
    """In-sample and out-of-sample window lengths in calendar months."""

    in_sample_months: int
    out_sample_months: int


def parse_walk_spec(text: str) -> WalkSpec:
    """``"6:1"`` -> 6 months in sample, 1 out of sample; a clear error otherwise."""
    parts = text.strip().split(":")
    try:
        a, b = (int(p) for p in parts)
    except ValueError:
        raise PosbtError(f"a walk-forward is IS:OOS in whole months (6:1), got {text!r}",
                         place=PLACE) from None
    if a < 1 or b < 1:
        raise PosbtError(f"both walk-forward windows need at least 1 month, got {text!r}",
                         place=PLACE)
    return WalkSpec(a, b)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``day``'s month."""
    k = day.year * 12 + day.month - 1 + months
    return dt.date(k // 12, k % 12 + 1, 1)


@dataclass(frozen=True)
class Window:
    """One walk-forward window and its result."""

    number: int
    is_start: dt.date
    is_end: dt.date        # inclusive
    oos_start: dt.date
    oos_end: dt.date       # inclusive (the data's last day when partial)
    partial: bool
    chosen: int            # variant number
    is_metric: float
    is_days: int
    oos_pnl_inr: float
    oos_days: int


@dataclass(frozen=True)
class WalkForward:
    """Every window, and the stitched out-of-sample equity."""

    spec: WalkSpec
    metric: str
    windows: tuple[Window, ...]
    dates: tuple[dt.date, ...]           # the out-of-sample days in order
    variant: tuple[int, ...]             # the variant each day's P&L comes from
    pnl_inr: tuple[float, ...]
    equity_inr: tuple[float, ...]        # cumulative sum of pnl_inr

    @property
    def total_oos_pnl_inr(self) -> float:
        """The stitched out-of-sample P&L."""
        return float(sum(self.pnl_inr))


def check_span(spec: WalkSpec, first: dt.date, last: dt.date) -> None:
    """An error when the first in-sample window leaves no out-of-sample day in
    ``first..last`` (checked on the backtest's dates before a sweep runs, and on the data)."""
    m0 = dt.date(first.year, first.month, 1)
    if add_months(m0, spec.in_sample_months) > last:
        span = (last.year - first.year) * 12 + last.month - first.month + 1
        raise PosbtError(f"the in-sample window of {spec.in_sample_months} month(s) leaves no "
                         f"out-of-sample day: the data runs {first} to {last} ({span} calendar "
                         f"month(s)); shorten the windows", place=PLACE)


def walk_forward(daily: Mapping[int, Mapping[str, float]], spec: WalkSpec,
                 metric: str = "net_pnl_inr", *,
                 trades: Mapping[int, Sequence[ClosedTrade]] | None = None,
                 capital_inr: Mapping[int, float] | None = None) -> WalkForward:
    """The walk-forward of the variants' daily P&L (variant -> {ISO date: net P&L INR}).
    ``trades`` (variant -> its trades) is needed to choose by a trade metric (win rate,
    expectancy, profit factor, return on margin), ``capital_inr`` (variant -> capital) by
    return on capital or Calmar; without them such a metric is an error naming ``--metric``."""
    chosen = parse_metric(metric)
    needs = _needs(chosen)
    if (needs == "trades" and trades is None) or (needs == "capital" and capital_inr is None):
        raise PosbtError(f"a walk-forward by {chosen.value} needs each variant's {needs}, "
                         "which were not given", place="--metric")
    keys = sorted(daily)
    dates = sorted({dt.date.fromisoformat(d) for k in keys for d in daily[k]})
    if not keys or not dates:
        raise PosbtError("no finished variant has daily P&L: nothing to walk forward",
                         place=PLACE)
    iso = [d.isoformat() for d in dates]
    m = np.array([[daily[k].get(d, 0.0) for k in keys] for d in iso], dtype=np.float64)
    day = np.array(dates, dtype="datetime64[D]")
    first, last = dates[0], dates[-1]
    check_span(spec, first, last)
    m0 = dt.date(first.year, first.month, 1)
    windows: list[Window] = []
    out_rows: list[int] = []
    out_cols: list[int] = []
    k = 0
    while True:
        is_start = add_months(m0, k * spec.out_sample_months)
        oos_start = add_months(is_start, spec.in_sample_months)
        if oos_start > last:
            break
        oos_next = add_months(oos_start, spec.out_sample_months)
        is_rows = np.flatnonzero((day >= np.datetime64(is_start))
                                 & (day < np.datetime64(oos_start)))
        oos_rows = np.flatnonzero((day >= np.datetime64(oos_start))
                                  & (day < np.datetime64(oos_next)))
        is_days = [dates[r] for r in is_rows]
        scores = [window_metric(chosen, m[is_rows, c], is_days,
                                _exiting(trades, keys[c], is_start, oos_start),
                                capital_inr[keys[c]] if capital_inr is not None else math.nan)
                  for c in range(len(keys))]
        order = sorted(range(len(keys)), key=lambda c: (
            1 if math.isnan(scores[c]) else 0,
            -chosen.better(scores[c]) if not math.isnan(scores[c]) else 0.0, keys[c]))
        c = order[0]
        partial = oos_next - dt.timedelta(days=1) > last
        windows.append(Window(k + 1, is_start, oos_start - dt.timedelta(days=1), oos_start,
                              min(oos_next - dt.timedelta(days=1), last), partial, keys[c],
                              scores[c], int(is_rows.size), float(m[oos_rows, c].sum()),
                              int(oos_rows.size)))
        out_rows += [int(r) for r in oos_rows]
        out_cols += [c] * int(oos_rows.size)
        k += 1
    pnl = [float(m[r, c]) for r, c in zip(out_rows, out_cols, strict=True)]
    return WalkForward(spec, chosen.value, tuple(windows), tuple(dates[r] for r in out_rows),
                       tuple(keys[c] for c in out_cols), tuple(pnl),
                       tuple(float(x) for x in np.cumsum(pnl)))


def _needs(metric: SensitivityMetric) -> str | None:
    """What a metric reads besides the daily P&L: ``trades``, ``capital`` or nothing."""
    if metric in (SensitivityMetric.WIN_RATE, SensitivityMetric.EXPECTANCY,
                  SensitivityMetric.PROFIT_FACTOR, SensitivityMetric.RETURN_ON_MARGIN):
        return "trades"
    if metric in (SensitivityMetric.RETURN_ON_CAPITAL, SensitivityMetric.CALMAR):
        return "capital"
    return None


def _exiting(trades: Mapping[int, Sequence[ClosedTrade]] | None, variant: int,
             start: dt.date, stop: dt.date) -> list[ClosedTrade]:
    """The variant's trades whose exit day is in ``[start, stop)``."""
    if trades is None:
        return []
    return [t for t in trades.get(variant, ()) if start <= t.exit_ts.date() < stop]
