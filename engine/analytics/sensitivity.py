"""Parameter sensitivity of a finished sweep (analytics stage): curves, grids, regimes, stability.

Input: the sweep's parameters (Excel names and the values tried, in order) and, per finished
variant, its parameter values and metrics (the BT_Sweep row). Output: the tables of
BT_Sensitivity (:mod:`engine.analytics.sensi_sheets` lays them out). One metric is analysed
at a time (:class:`SensitivityMetric`, default net P&L); every metric offered is "higher is
better" but the maximum drawdown, which BT_Sweep stores as a positive number of rupees: its
lowest is the best, and its drop at the neighbours is their rise in rupees.

* **Best variant**: the finished variant with the best metric (ties: the lowest variant
  number). Variants whose metric is missing (NaN, an invalid variant) take no part.
* **One-parameter curve** of parameter ``p``: for each value ``v`` of ``p``, ``at_best`` is the
  metric of the variant with ``p = v`` and every other parameter at the best variant's value
  (a slice through the best cell; empty when that variant did not run), and ``mean`` is the
  mean over every finished variant with ``p = v`` (the others averaged), with their count.
* **Interaction grid** of ``(p, q)``: the metric of the variant with ``p = v``, ``q = w`` and
  the other parameters at the best variant's values (a 2-D slice through the best cell).
* **Regime sensitivity**: for each value ``v`` of each parameter and each volatility regime at
  entry (the strategy's regime bands on the VIX or the IV percentile at the entry bar, as
  :func:`entry_regimes` reads them), the net P&L of the trades entered in that regime, averaged
  over the variants with ``p = v``, with the mean trade count and the pooled win rate, and the
  chosen metric over those trades (:func:`regime_metric`), averaged over the variants that
  have a value of it.
* **Stability**: the neighbours of the best cell are the finished variants one step away in
  exactly one parameter (the previous or the next value in the list tried, every other
  parameter equal). ``drop = (best - mean(neighbours)) / |best|``; the label is ``plateau``
  when ``drop <= 0.2``, ``spike`` when ``drop > 0.5``, ``slope`` between. A best metric of 0,
  or no neighbour, has no drop (label ``n/a``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.analytics.entry_regime import UNKNOWN_REGIME, entry_regime
from engine.data.store import Store
from engine.errors import PosbtError
from engine.strategy.plan import StrategyPlan

if TYPE_CHECKING:
    from engine.analytics.window_metrics import ClosedTrade

REGIME_ORDER = ("LOW", "MEDIUM", "HIGH", "EXTREME", UNKNOWN_REGIME)
PLATEAU_MAX_DROP = 0.2
SPIKE_MIN_DROP = 0.5


class SensitivityMetric(StrEnum):
    """The metrics a sensitivity analysis or a walk-forward can rank variants by."""

    NET_PNL = "net_pnl_inr"
    SHARPE = "sharpe"
    SORTINO = "sortino"
    RETURN_ON_CAPITAL = "return_on_capital"
    RETURN_ON_MARGIN = "return_on_margin"
    PROFIT_FACTOR = "profit_factor"
    EXPECTANCY = "expectancy_inr"
    WIN_RATE = "win_rate"
    CALMAR = "calmar"
    MAX_DRAWDOWN = "max_drawdown_inr"

    @property
    def higher_is_better(self) -> bool:
        """True for every metric but the drawdown (a positive number of rupees in BT_Sweep,
        so the lowest is the mildest)."""
        return self is not SensitivityMetric.MAX_DRAWDOWN

    def better(self, value: float) -> float:
        """``value`` signed so that the highest is the best (the drawdown negated)."""
        return value if self.higher_is_better else -value


DEFAULT_METRIC = SensitivityMetric.NET_PNL


def parse_metric(name: str, place: str = "--metric") -> SensitivityMetric:
    """The metric called ``name`` (case ignored); an error listing the choices otherwise."""
    key = name.strip().lower()
    for m in SensitivityMetric:
        if m.value == key:
            return m
    raise PosbtError(f"unknown metric {name!r}; choose one of "
                     f"{', '.join(m.value for m in SensitivityMetric)}", place=place)


@dataclass(frozen=True)
class Point:
    """One finished variant: its number, parameter values and metric."""

    index: int
    values: tuple[Any, ...]
    metric: float


@dataclass(frozen=True)
class SweepGrid:
    """The finished variants of a sweep on its parameter grid, for one metric."""

    names: tuple[str, ...]
    levels: tuple[tuple[Any, ...], ...]
    metric: SensitivityMetric
    points: tuple[Point, ...]

    def at(self, values: Sequence[Any]) -> Point | None:
        """The finished variant with exactly these values (None when it did not run)."""
        key = tuple(values)
        return next((p for p in self.points if p.values == key), None)

    @property
    def best(self) -> Point:
        """The best metric (the highest; the lowest drawdown); ties to the lowest variant
        number."""
        return max(self.points, key=lambda p: (self.metric.better(p.metric), -p.index))



def _finite(x: object) -> float | None:
    if isinstance(x, bool) or not isinstance(x, int | float):
        return None
    return float(x) if math.isfinite(x) else None


def sweep_grid(names: Sequence[str], levels: Sequence[Sequence[Any]],
               rows: Sequence[tuple[int, Sequence[Any], Mapping[str, object]]],
               metric: SensitivityMetric = DEFAULT_METRIC) -> SweepGrid:
    """The grid of ``rows`` (variant number, parameter values, metrics) for ``metric``;
    an error when no variant has a value of it."""
    if len(names) != len(levels):  # pragma: no cover - a wiring mistake
        raise ValueError("one list of values per parameter")
    points = []
    for index, values, metrics in rows:
        value = _finite(metrics.get(metric.value))
        if value is not None:
            points.append(Point(index, tuple(values), value))
    if not points:
        raise PosbtError(f"no finished variant has a value of {metric.value} (no trades, or "
                         "every variant invalid): nothing to analyse", place="--metric")
    return SweepGrid(tuple(names), tuple(tuple(v) for v in levels), metric, tuple(points))


@dataclass(frozen=True)
class CurvePoint:
    """One value of a one-parameter curve."""

    value: Any
    at_best: float | None   # the others at the best variant's values
    mean: float | None      # the mean over every finished variant with this value
    variants: int           # how many finished variants have this value


def curve(grid: SweepGrid, param: int) -> list[CurvePoint]:
    """The metric against each value of parameter number ``param``."""
    best = grid.best.values
    out = []
    for v in grid.levels[param]:
        mine = [p.metric for p in grid.points if p.values[param] == v]
        key = list(best)
        key[param] = v
        slice_point = grid.at(key)
        out.append(CurvePoint(v, slice_point.metric if slice_point else None,
                              sum(mine) / len(mine) if mine else None, len(mine)))
    return out


@dataclass(frozen=True)
class Grid2D:
    """The metric on the values of two parameters, the others at the best variant's values."""

    row_param: str
    col_param: str
    row_values: tuple[Any, ...]
    col_values: tuple[Any, ...]
    cells: tuple[tuple[float | None, ...], ...]
    best_cell: tuple[int, int]           # (row, column) of the best variant
    fixed: tuple[tuple[str, Any], ...]   # the other parameters and their (best) values


def interaction(grid: SweepGrid, row: int, col: int) -> Grid2D:
    """The interaction grid of parameters number ``row`` and ``col``."""
    if len(grid.names) < 2:
        raise PosbtError(f"a two-parameter grid needs two swept parameters; this sweep has "
                         f"one ({grid.names[0]})", place="--grid")
    if row == col:
        raise PosbtError(f"a two-parameter grid needs two different parameters, got "
                         f"{grid.names[row]} twice", place="--grid")
    best = grid.best.values
    cells = []
    for v in grid.levels[row]:
        line: list[float | None] = []
        for w in grid.levels[col]:
            key = list(best)
            key[row], key[col] = v, w
            p = grid.at(key)
            line.append(p.metric if p else None)
        cells.append(tuple(line))
    fixed = tuple((grid.names[k], best[k]) for k in range(len(grid.names)) if k not in (row, col))
    return Grid2D(grid.names[row], grid.names[col], grid.levels[row], grid.levels[col],
                  tuple(cells), (grid.levels[row].index(best[row]),
                                 grid.levels[col].index(best[col])), fixed)


def param_index(names: Sequence[str], name: str, place: str = "--grid") -> int:
    """Position of the swept parameter ``name`` (case ignored); an error otherwise."""
    folded = [n.lower() for n in names]
    if name.strip().lower() not in folded:
        raise PosbtError(f"{name.strip()!r} is not a swept parameter; the sweep has "
                         f"{', '.join(names)}", place=place)
    return folded.index(name.strip().lower())


def grid_pairs(names: Sequence[str], requested: Sequence[str] = ()) -> list[tuple[int, int]]:
    """The parameter pairs to draw: the ``requested`` ones (``"A:B"``), else every pair.
    Checked before a sweep runs: a pair needs two different swept parameters."""
    if requested:
        out = []
        for text in requested:
            a, sep, b = text.partition(":")
            if not sep:
                raise PosbtError(f"a grid is ROW:COLUMN (two swept parameters), got {text!r}",
                                 place="--grid")
            if len(names) < 2:
                raise PosbtError(f"a two-parameter grid needs two swept parameters; this sweep "
                                 f"has one ({names[0]})", place="--grid")
            i, j = param_index(names, a), param_index(names, b)
            if i == j:
                raise PosbtError(f"a two-parameter grid needs two different parameters, got "
                                 f"{names[i]} twice", place="--grid")
            out.append((i, j))
        return out
    n = len(names)
    return [(i, j) for i in range(n) for j in range(i + 1, n)]


@dataclass(frozen=True)
class Stability:
    """How the metric falls one step away from the best cell."""

    best: Point
    neighbours: tuple[Point, ...]
    neighbour_mean: float | None
    drop: float | None     # (best - mean of neighbours) / |best|
    worst_drop: float | None
    label: str             # plateau, slope, spike or n/a


def stability(grid: SweepGrid) -> Stability:
    """The best cell's neighbours and the relative fall of the metric there."""
    best = grid.best
    nbs: list[Point] = []
    for k, levels in enumerate(grid.levels):
        pos = levels.index(best.values[k])
        for step in (-1, 1):
            if 0 <= pos + step < len(levels):
                key = list(best.values)
                key[k] = levels[pos + step]
                p = grid.at(key)
                if p is not None:
                    nbs.append(p)
    if not nbs:
        return Stability(best, (), None, None, None, "n/a")
    mean = sum(p.metric for p in nbs) / len(nbs)
    if best.metric == 0:
        return Stability(best, tuple(nbs), mean, None, None, "n/a")
    scale = abs(best.metric)
    better = grid.metric.better  # the drawdown's fall is a rise in rupees
    drop = (better(best.metric) - better(mean)) / scale
    worst = (better(best.metric) - min(better(p.metric) for p in nbs)) / scale
    label = "plateau" if drop <= PLATEAU_MAX_DROP else "spike" if drop > SPIKE_MIN_DROP \
        else "slope"
    return Stability(best, tuple(nbs), mean, drop, worst, label)


# ---- regime sensitivity ------------------------------------------------------------------


def entry_regimes(store: Store, plan: StrategyPlan, entry_ts: Sequence[dt.datetime],
                  memo: dict[tuple[object, ...], str]) -> list[str]:
    """The volatility regime at each entry bar (``UNKNOWN`` where the store cannot say), as
    :func:`engine.analytics.entry_regime.entry_regime` reads it (the reading attribution
    uses). ``memo`` is shared by the variants of a sweep, which enter at many of the same
    bars."""
    from engine.volatility import SnapshotCache, VolSnapshot

    cache: SnapshotCache[VolSnapshot] = SnapshotCache(maxsize=256, ttl_s=3600.0)
    return [entry_regime(store, plan, ts, cache, memo) for ts in entry_ts]


@dataclass(frozen=True)
class RegimeCell:
    """One (parameter value, regime) of the regime sensitivity table."""

    param: str
    value: Any
    regime: str
    variants: int            # variants with this value
    mean_trades: float       # trades entered in this regime, per variant
    mean_pnl_inr: float      # their net P&L, per variant
    win_rate: float | None   # winners over trades, pooled over the variants
    metric: float | None = None  # the grid's metric over the regime's trades, mean over the
    #                              variants with a value (None: none has one, or unbounded)
    metric_variants: int = 0     # the variants with a value of it


# the metrics a set of trades has without a time axis: Calmar's CAGR needs one
NO_REGIME_VALUE = frozenset({SensitivityMetric.CALMAR})


def regime_metric(metric: SensitivityMetric, trades: Sequence[ClosedTrade],
                  capital_inr: float) -> float:
    """``metric`` over one variant's trades of one regime, taken in exit order as a series of
    per-trade P&L (:func:`engine.analytics.window_metrics.window_metric` with one trade where
    a window has one day): net P&L the sum; Sharpe and Sortino per trade, not annualised;
    the drawdown that of the cumulative trade P&L from 0; return on capital the sum over
    ``capital_inr``; return on margin over the most margin the trades blocked at once; win
    rate, expectancy and profit factor as in BT_Sweep. NaN where undefined (no trade, one
    trade for a Sharpe) and for the metrics of :data:`NO_REGIME_VALUE`."""
    from engine.analytics.window_metrics import window_metric

    if metric in NO_REGIME_VALUE:
        return math.nan
    ordered = sorted(trades, key=lambda t: t.exit_ts)
    return window_metric(metric, np.array([t.pnl_net_inr for t in ordered], dtype=np.float64),
                         [], ordered, capital_inr)


def regime_sensitivity(grid: SweepGrid, trades: Mapping[int, Sequence[tuple[str, ClosedTrade]]],
                       capital_inr: Mapping[int, float] | None = None) -> list[RegimeCell]:
    """Net P&L and the grid's metric by entry regime for each value of each parameter;
    ``trades`` maps a variant number to its trades' (entry regime, trade), ``capital_inr`` a
    variant to its capital (for the return on capital; NaN without it). Variants absent from
    ``trades`` take no part; a regime no variant entered in is left out."""
    regimes = sorted({r for ts in trades.values() for r, _ in ts},
                     key=lambda r: (REGIME_ORDER.index(r) if r in REGIME_ORDER
                                    else len(REGIME_ORDER), r))
    out = []
    for k, name in enumerate(grid.names):
        for v in grid.levels[k]:
            mine = [p.index for p in grid.points if p.values[k] == v and p.index in trades]
            if not mine:
                continue
            for regime in regimes:
                own = [[t for r, t in trades[i] if r == regime] for i in mine]
                pnls = [[t.pnl_net_inr for t in x] for x in own]
                count = sum(len(x) for x in pnls)
                wins = sum(1 for x in pnls for p in x if p > 0)
                values = [regime_metric(grid.metric, x, capital_inr.get(i, math.nan)
                                        if capital_inr is not None else math.nan)
                          for i, x in zip(mine, own, strict=True)]
                values = [x for x in values if not math.isnan(x)]
                mean = sum(values) / len(values) if values else math.nan
                out.append(RegimeCell(name, v, regime, len(mine), count / len(mine),
                                      sum(sum(x) for x in pnls) / len(mine),
                                      wins / count if count else None,
                                      mean if math.isfinite(mean) else None, len(values)))
    return out


@dataclass(frozen=True)
class SensitivityReport:
    """Everything BT_Sensitivity shows."""

    grid: SweepGrid
    curves: tuple[tuple[str, tuple[CurvePoint, ...]], ...]
    grids: tuple[Grid2D, ...]
    stability: Stability
    regimes: tuple[RegimeCell, ...]


def sensitivity(grid: SweepGrid, *, pairs: Sequence[str] = (),
                trades: Mapping[int, Sequence[tuple[str, ClosedTrade]]] | None = None,
                capital_inr: Mapping[int, float] | None = None) -> SensitivityReport:
    """Curves of every parameter, the grids of ``pairs`` (``"A:B"``; default every pair),
    the stability of the best cell, and the regime table when ``trades`` is given."""
    chosen = grid_pairs(grid.names, pairs)
    return SensitivityReport(
        grid,
        tuple((name, tuple(curve(grid, k))) for k, name in enumerate(grid.names)),
        tuple(interaction(grid, i, j) for i, j in chosen),
        stability(grid),
        tuple(regime_sensitivity(grid, trades, capital_inr) if trades else ()))
