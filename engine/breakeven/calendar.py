"""Calendar (and any multi-expiry structure) breakevens by method (breakeven stage).

Before: ``curve.py`` (grid + brentq on the priced P&L). After: the report and the CLI.

Methods (``CalendarBEMethod``), all on ``P&L(S) = V_h(S) - debit - costs``:

* ``T+0``: the horizon is the valuation time itself (an instant move of spot).
* ``T+N``: the horizon is ``horizon_days`` calendar days later, capped at the front expiry
  (15:30); without ``horizon_days`` it is the front expiry, where
  ``V(S) = BS(back; S, K, T_back - T_front, sigma_back) - payoff_front(S)``.
* ``WEIGHTED``: the roots of the mean of the P&L lines at ``n_horizons`` equally spaced
  horizons from valuation to the front expiry: the breakevens of a position whose exit date
  is uniform over the front leg's life.
* ``OPTIMAL``: the horizon among those same ``n_horizons`` (plus T+0) whose band is widest
  (finite width); the chosen horizon is returned in ``Band.horizon``.

IV assumed by every method: the surface read at valuation and frozen (sticky strike); the
back leg keeps ``surface(K, back_expiry)`` with the smile adjustment on, or
``surface(spot, back_expiry)`` (ATM) with it off, at every horizon. The front leg is priced
likewise while alive and at intrinsic value at its expiry.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from engine.breakeven.curve import N_GRID, Band, _check_horizon, book_breakevens
from engine.breakeven.kinds import CalendarBEMethod
from engine.breakeven.valuation import IVSurface, leg_book
from engine.domain.structures import Structure
from engine.errors import PosbtError
from engine.pricing.time import EXPIRY_CLOSE_MINUTES

N_HORIZONS = 5


def expiry_close(day: dt.date) -> dt.datetime:
    """15:30 IST on ``day`` (naive), when an option expires."""
    return dt.datetime(day.year, day.month, day.day) + dt.timedelta(minutes=EXPIRY_CLOSE_MINUTES)


def iv_assumption(smile: bool) -> str:
    """One line saying which IV the back leg is priced with."""
    return ("back leg at its strike's IV from the surface read at valuation (smile on, sticky "
            "strike)" if smile else
            "back leg at its expiry's ATM IV (surface at spot) read at valuation (smile off)")


def calendar_breakevens(structure: Structure, *, valuation: dt.datetime, spot: float,
                        surface: IVSurface, entry_value_pts: float | None = None,
                        method: CalendarBEMethod = CalendarBEMethod.T0,
                        horizon_days: float | None = None, smile: bool = True,
                        r: float = 0.0, q: float = 0.0, costs_pts: float = 0.0,
                        n_horizons: int = N_HORIZONS, n_grid: int = N_GRID) -> Band:
    """Breakevens of a calendar-like structure by ``method`` (see the module docstring).

    ``entry_value_pts`` is the debit paid per unit; when None the model value at valuation
    is used (a fair entry). ``Band.notes['iv']`` states the IV assumption.
    """
    if len(structure.expiries) < 2:
        raise PosbtError("a calendar needs legs on two expiries", place=structure.name)
    if not (math.isfinite(spot) and spot > 0):
        raise PosbtError(f"spot must be positive, got {spot}", place="spot")
    if costs_pts < 0:
        raise PosbtError(f"costs must be >= 0 points, got {costs_pts}", place="costs_pts")
    front = expiry_close(structure.expiries[0])
    _check_horizon(structure, valuation, valuation)
    if front <= valuation:
        raise PosbtError(f"front expiry {front} is not after the valuation time {valuation}",
                         place="valuation")
    book = leg_book(structure, surface, smile=smile, atm_spot=spot)
    entry = float(book.value_pts(spot, valuation, r, q)) if entry_value_pts is None \
        else entry_value_pts

    def band_at(horizons: tuple[dt.datetime, ...]) -> Band:
        return book_breakevens(book, valuation=valuation, horizons=horizons, spot=spot,
                               entry_value_pts=entry, costs_pts=costs_pts, r=r, q=q,
                               n_grid=n_grid)

    steps = tuple(valuation + (front - valuation) * float(x)
                  for x in np.linspace(0.0, 1.0, max(n_horizons, 2)))
    if method is CalendarBEMethod.T0:
        band = band_at((valuation,))
    elif method is CalendarBEMethod.TN:
        if horizon_days is not None and horizon_days < 0:
            raise PosbtError(f"horizon must be >= 0 days, got {horizon_days}", place="horizon_days")
        horizon = front if horizon_days is None else min(
            valuation + dt.timedelta(days=horizon_days), front)
        band = band_at((horizon,))
    elif method is CalendarBEMethod.WEIGHTED:
        band = band_at(steps)
        band = _with_horizon(band, None)
    else:
        bands = [band_at((h,)) for h in steps]
        widths = [b.width_pts if math.isfinite(b.width_pts) else -1.0 for b in bands]
        band = bands[int(np.argmax(widths))]
    notes = {"iv": iv_assumption(smile), "method": method.value,
             "entry_value_pts": f"{entry:.4f}"}
    return Band(band.lower, band.upper, band.roots, band.max_profit_pts, band.max_profit_at,
                band.horizon, band.reason, notes)


def _with_horizon(band: Band, horizon: dt.datetime | None) -> Band:
    return Band(band.lower, band.upper, band.roots, band.max_profit_pts, band.max_profit_at,
                horizon, band.reason, band.notes)
