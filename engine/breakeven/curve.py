"""Breakevens of any structure at a horizon by grid + root finding (breakeven stage).

Before: ``valuation.py`` (the model value of the legs at a horizon). After: the report,
the CLI, ``calendar.py`` and ``series.py``.

The P&L at the horizon is ``V_h(S) - entry_value - costs`` (points per unit). It is
evaluated on a log-spaced grid of spots, every sign change brackets a root, and
``scipy.optimize.brentq`` polishes each root to ``xtol``. Two roots closer together than
one grid step (a tangent touch) can be missed: the grid has ``n_grid`` points over
``+/- span_sd`` standard deviations of the longest-dated leg around spot and the strikes.

The breakeven band is the outer profitable range: ``lower`` is the first crossing from
loss to profit going up, ``upper`` the last crossing from profit to loss. A P&L still
positive at a grid edge gives ``-inf`` / ``+inf`` on that side (no breakeven there); a P&L
never positive gives NaN for both, with a reason.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import brentq

from engine.breakeven.valuation import FloatArray, IVSurface, LegBook, leg_book
from engine.domain.structures import Structure
from engine.errors import PosbtError

N_GRID = 241
SPAN_SD = 6.0
XTOL_PTS = 1e-6


@dataclass(frozen=True)
class Band:
    """Breakevens at one horizon: the outer profitable band and every root found."""

    lower: float
    upper: float
    roots: tuple[float, ...] = ()
    max_profit_pts: float = math.nan
    max_profit_at: float = math.nan
    horizon: dt.datetime | None = None
    reason: str = ""
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def width_pts(self) -> float:
        """upper - lower (inf if open on a side, NaN if no band)."""
        return self.upper - self.lower


def spot_grid(spot: float, book: LegBook, valuation: dt.datetime, n_grid: int = N_GRID,
              span_sd: float = SPAN_SD) -> FloatArray:
    """Log-spaced spots covering spot and every strike, +/- ``span_sd`` sd of the last leg."""
    t_last = float(book.t_left(valuation).max())
    sd = float(book.ivs.max()) * math.sqrt(max(t_last, 1.0 / 365.0))
    lo = min(spot, float(book.strikes.min())) * math.exp(-span_sd * sd)
    hi = max(spot, float(book.strikes.max())) * math.exp(span_sd * sd)
    return np.asarray(np.geomspace(lo, hi, n_grid), dtype=np.float64)


def band_from_curve(grid: FloatArray, pnl: FloatArray, f: Callable[[float], float],
                    xtol: float = XTOL_PTS) -> Band:
    """Roots of ``f`` bracketed by sign changes of ``pnl`` on ``grid``, and the outer band."""
    profit = pnl >= 0.0
    best = int(np.argmax(pnl))
    if not profit.any():
        return Band(math.nan, math.nan, (), float(pnl[best]), float(grid[best]),
                    reason=f"no profit anywhere on {grid[0]:.0f}..{grid[-1]:.0f} "
                           f"(best P&L {pnl[best]:.2f} pts at {grid[best]:.0f})")
    roots: list[float] = []
    ups: list[float] = []
    downs: list[float] = []
    for i in np.flatnonzero(profit[1:] != profit[:-1]):
        a, b = float(grid[i]), float(grid[i + 1])
        root = float(brentq(f, a, b, xtol=xtol)) if pnl[i] * pnl[i + 1] < 0 else (
            a if pnl[i] == 0 else b)
        roots.append(root)
        (ups if profit[i + 1] else downs).append(root)
    lower = -math.inf if profit[0] else ups[0]
    upper = math.inf if profit[-1] else downs[-1]
    return Band(lower, upper, tuple(roots), float(pnl[best]), float(grid[best]))


def structure_breakevens(structure: Structure, *, valuation: dt.datetime, horizon: dt.datetime,
                         spot: float, surface: IVSurface, entry_value_pts: float,
                         costs_pts: float = 0.0, smile: bool = True, r: float = 0.0,
                         q: float = 0.0, n_grid: int = N_GRID) -> Band:
    """Breakevens of ``structure`` at ``horizon``: roots of ``V_h(S) - entry - costs``.

    Args:
        structure: the legs (any number, any expiries).
        valuation: when the surface is read (and the grid is sized); never a clock.
        horizon: when the P&L is measured; at or after ``valuation``, at most the last expiry.
        spot: index level at valuation, points.
        surface: ``(strike, expiry) -> IV`` as a fraction; read per the smile flag (see
            ``valuation.py``).
        entry_value_pts: signed value paid per unit (a debit positive, a credit negative).
        costs_pts: commissions and slippage per unit, points (move breakevens inwards).
        smile: strike IVs (True) or each expiry's ATM IV (False).
        r, q: rate and dividend yield, continuous per year.
        n_grid: grid points for bracketing.
    """
    _check_horizon(structure, valuation, horizon)
    if not (math.isfinite(spot) and spot > 0):
        raise PosbtError(f"spot must be positive, got {spot}", place="spot")
    if costs_pts < 0 or not math.isfinite(costs_pts):
        raise PosbtError(f"costs must be >= 0 points, got {costs_pts}", place="costs_pts")
    book = leg_book(structure, surface, smile=smile, atm_spot=spot)
    return book_breakevens(book, valuation=valuation, horizons=(horizon,), spot=spot,
                           entry_value_pts=entry_value_pts, costs_pts=costs_pts, r=r, q=q,
                           n_grid=n_grid)


def book_breakevens(book: LegBook, *, valuation: dt.datetime,
                    horizons: tuple[dt.datetime, ...], spot: float, entry_value_pts: float,
                    costs_pts: float, r: float, q: float, n_grid: int = N_GRID) -> Band:
    """Breakevens of the mean P&L over ``horizons`` (one horizon: the plain T+N line)."""
    grid = spot_grid(spot, book, valuation, n_grid)
    offset = entry_value_pts + costs_pts

    def curve(spots: FloatArray) -> FloatArray:
        total = np.zeros(np.shape(spots))
        for h in horizons:
            total = total + book.value_pts(spots, h, r, q)
        return np.asarray(total / len(horizons) - offset, dtype=np.float64)

    def f(s: float) -> float:
        return float(curve(np.array([s]))[0])

    band = band_from_curve(grid, curve(grid), f)
    return Band(band.lower, band.upper, band.roots, band.max_profit_pts, band.max_profit_at,
                horizons[-1], band.reason)


def _check_horizon(structure: Structure, valuation: dt.datetime, horizon: dt.datetime) -> None:
    if horizon < valuation:
        raise PosbtError(f"horizon {horizon} is before the valuation time {valuation}",
                         place="horizon")
    last = structure.expiries[-1]
    if horizon.date() > last:
        raise PosbtError(f"horizon {horizon} is after the last expiry {last}", place="horizon")
