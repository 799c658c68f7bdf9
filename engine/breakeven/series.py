"""The breakeven band of an open position along a price path (breakeven stage).

Before: the simulator's holding-window arrays (bar times, spot, each leg's IV per bar).
After: ``monitor.py`` (approach / breach vectors, success tracking), the breakeven_series
results table and the BT_Breakevens sheet (the lead wires these).

At every recalculation bar (``RecalcFrequency``: TICK and MINUTE recompute on every bar,
HOURLY on the first bar of each clock hour, DAILY on the first bar of each day) the band is
recomputed with that bar's leg IVs; between recalculations it is carried forward. The
P&L line is measured at ``BandHorizon.EXPIRY`` (the front expiry, 15:30) or
``BandHorizon.NOW`` (the bar itself, the T+0 line). All recalculation rows are solved at
once: a per-row log grid brackets the outer band's roots (first loss-to-profit crossing,
last profit-to-loss crossing, as in ``curve.py``) and a vectorised Illinois (modified
regula falsi) iteration polishes them to ``XTOL_PTS``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from engine.breakeven.calendar import expiry_close
from engine.breakeven.curve import SPAN_SD, XTOL_PTS
from engine.breakeven.kinds import RecalcFrequency
from engine.domain.structures import Structure
from engine.errors import PosbtError
from engine.pricing import t_years
from engine.pricing.black76 import _black76_core

FloatArray = npt.NDArray[np.float64]
N_GRID_SERIES = 121


class BandHorizon(StrEnum):
    """Where along time the series' P&L line is measured."""

    EXPIRY = "EXPIRY"
    NOW = "NOW"


@dataclass(frozen=True)
class BreakevenSeries:
    """Per-bar breakeven band (points); ``recalc`` marks the bars where it was recomputed."""

    times: npt.NDArray[np.datetime64]
    spots: FloatArray
    lower: FloatArray
    upper: FloatArray
    recalc: npt.NDArray[np.bool_]


def recalc_indices(times: npt.NDArray[np.datetime64], frequency: RecalcFrequency) -> npt.NDArray[np.intp]:
    """Indices of the bars where the band is recomputed (the first bar always is)."""
    if times.size == 0:
        return np.zeros(0, dtype=np.intp)
    if frequency in (RecalcFrequency.TICK, RecalcFrequency.MINUTE):
        return np.arange(times.size, dtype=np.intp)
    unit = "h" if frequency is RecalcFrequency.HOURLY else "D"
    buckets = times.astype(f"datetime64[{unit}]")
    first = np.ones(times.size, dtype=bool)
    first[1:] = buckets[1:] != buckets[:-1]
    return np.flatnonzero(first)


def breakeven_series(structure: Structure, times: npt.ArrayLike, spots: npt.ArrayLike,
                     leg_ivs: npt.ArrayLike, entry_value_pts: float, *,
                     recalc_frequency: RecalcFrequency = RecalcFrequency.MINUTE,
                     horizon: BandHorizon = BandHorizon.EXPIRY, r: float = 0.0, q: float = 0.0,
                     costs_pts: float = 0.0, n_grid: int = N_GRID_SERIES) -> BreakevenSeries:
    """Breakeven band per bar of a path (see the module docstring).

    Args:
        structure: the open position's legs.
        times: bar times, naive IST, sorted (datetime64 or datetimes).
        spots: index level per bar, points.
        leg_ivs: IV per bar and leg, shape (bars, legs), fractions.
        entry_value_pts: signed entry value per unit (debit +, credit -).
        recalc_frequency, horizon, r, q, costs_pts: see the module docstring / ``curve.py``.
    """
    t_arr = np.asarray(times, dtype="datetime64[ns]")
    s_arr = np.asarray(spots, dtype=np.float64)
    ivs = np.asarray(leg_ivs, dtype=np.float64)
    n_legs = len(structure.legs)
    if t_arr.ndim != 1 or s_arr.shape != t_arr.shape or ivs.shape != (t_arr.size, n_legs):
        raise PosbtError(f"need times and spots of one length and leg_ivs of shape (bars, "
                         f"{n_legs}); got {t_arr.shape}, {s_arr.shape}, {ivs.shape}",
                         place="breakeven_series")
    if np.any(~np.isfinite(s_arr) | (s_arr <= 0)) or np.any(~np.isfinite(ivs) | (ivs <= 0)):
        raise PosbtError("spots and leg IVs must be positive and finite on every bar",
                         place="breakeven_series")
    idx = recalc_indices(t_arr, recalc_frequency)
    if horizon is BandHorizon.EXPIRY:
        hz = np.full(idx.size, np.datetime64(expiry_close(structure.expiries[0]), "ns"))
    else:
        hz = t_arr[idx]
    expiries = np.array([leg.expiry for leg in structure.legs], dtype="datetime64[D]")
    t_left = np.asarray(t_years(hz[:, None], expiries[None, :]), dtype=np.float64)
    t_span = np.asarray(t_years(t_arr[idx][:, None], expiries[None, :]), dtype=np.float64)
    strikes = np.array([leg.strike for leg in structure.legs], dtype=np.float64)
    lots = np.array([leg.signed_lots for leg in structure.legs], dtype=np.float64)
    rights = np.array([leg.right.value == "CE" for leg in structure.legs], dtype=bool)
    sub_ivs = ivs[idx]

    def pnl(x: FloatArray, rows: npt.NDArray[np.intp]) -> FloatArray:
        # x: (rows, k) spots -> (rows, k) P&L
        # Black-76 on the forward, as ``bsm`` computes it, on arrays that broadcast already
        # (bsm's argument checks and broadcast copies were a third of this function's time)
        t = t_left[rows][:, None, :]
        with np.errstate(over="ignore", invalid="ignore"):
            fwd = x[:, :, None] * np.exp((r - q) * t)
        price = _black76_core(fwd, strikes, t, np.asarray(r, dtype=np.float64),
                              sub_ivs[rows][:, None, :], rights)
        return np.asarray(price @ lots - entry_value_pts - costs_pts, dtype=np.float64)

    sd = sub_ivs.max(axis=1) * np.sqrt(np.maximum(t_span.max(axis=1), 1.0 / 365.0))
    spot_r = s_arr[idx]
    lo = np.minimum(spot_r, strikes.min()) * np.exp(-SPAN_SD * sd)
    hi = np.maximum(spot_r, strikes.max()) * np.exp(SPAN_SD * sd)
    grid = lo[:, None] * (hi / lo)[:, None] ** np.linspace(0.0, 1.0, n_grid)[None, :]
    all_rows = np.arange(idx.size, dtype=np.intp)
    lower, upper = _outer_band(grid, pnl(grid, all_rows), pnl)
    fill = np.searchsorted(idx, np.arange(t_arr.size), side="right") - 1
    recalc = np.zeros(t_arr.size, dtype=bool)
    recalc[idx] = True
    return BreakevenSeries(t_arr, s_arr, lower[fill], upper[fill], recalc)


PnlFn = Callable[[FloatArray, npt.NDArray[np.intp]], FloatArray]


def _outer_band(grid: FloatArray, values: FloatArray, pnl: PnlFn) -> tuple[FloatArray, FloatArray]:
    profit = values >= 0.0
    n = grid.shape[1]
    any_profit = profit.any(axis=1)
    up = ~profit[:, :-1] & profit[:, 1:]
    down = profit[:, :-1] & ~profit[:, 1:]
    first_up = np.argmax(up, axis=1)
    last_down = n - 2 - np.argmax(down[:, ::-1], axis=1)
    lower = _polish(grid, values, first_up, np.asarray(up.any(axis=1)), pnl)
    upper = _polish(grid, values, last_down, np.asarray(down.any(axis=1)), pnl)
    lower = np.where(profit[:, 0], -np.inf, lower)
    upper = np.where(profit[:, -1], np.inf, upper)
    return np.where(any_profit, lower, np.nan), np.where(any_profit, upper, np.nan)


def _polish(grid: FloatArray, values: FloatArray, cell: npt.NDArray[np.intp],
            has: npt.NDArray[np.bool_], pnl: PnlFn, iters: int = 60) -> FloatArray:
    """Illinois iteration on bracket [grid[cell], grid[cell + 1]] for each row with ``has``."""
    out = np.full(grid.shape[0], np.nan)
    rows = np.flatnonzero(has)
    if rows.size == 0:
        return out
    a, b = grid[rows, cell[rows]], grid[rows, cell[rows] + 1]
    fa, fb = values[rows, cell[rows]], values[rows, cell[rows] + 1]
    live = np.arange(rows.size)  # rows still iterating: a converged row stops (it used to
    for _ in range(iters):       # iterate until the slowest row converged)
        la, lb, lfa, lfb = a[live], b[live], fa[live], fb[live]
        with np.errstate(invalid="ignore", divide="ignore"):
            c = np.where(lfb != lfa, lb - lfb * (lb - la) / (lfb - lfa), lb)
        fc = pnl(c[:, None], rows[live])[:, 0]
        flip = fc * lfb < 0
        a[live], fa[live] = np.where(flip, lb, la), np.where(flip, lfb, 0.5 * lfa)
        b[live], fb[live] = c, fc
        live = live[~((np.abs(c - a[live]) < XTOL_PTS) | (fc == 0.0))]
        if live.size == 0:
            break
    out[rows] = b
    return out


def as_datetimes(times: npt.NDArray[np.datetime64]) -> list[dt.datetime]:
    """datetime64 bar times as naive datetimes (for writers)."""
    return [dt.datetime.fromisoformat(str(t)[:26]) for t in times.astype("datetime64[us]")]
