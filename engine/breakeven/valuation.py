"""Model value of a structure at a horizon, for breakeven root finding (breakeven stage).

Before: a ``Structure`` (domain), leg IVs from a surface callable ``(strike, expiry) -> IV``.
After: ``curve.py`` finds the spots where the P&L at the horizon is zero.

IV assumption (the answer depends on it): the surface is read once, at the valuation time,
and frozen (sticky strike). With the smile adjustment on, each leg uses its own strike's IV
``surface(K, expiry)``; with it off, each leg uses its expiry's ATM IV
``surface(atm_spot, expiry)`` with ``atm_spot`` the spot at valuation. A leg past its expiry
at the horizon is worth its intrinsic value (cash settlement).

Prices are BSM on spot with a continuous yield ``q`` (``engine.pricing.bsm``), per unit, summed
with each leg's signed lots, so a short iron fly entered for a 240-point credit has an entry
value of -240.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine.domain.structures import Structure
from engine.errors import PosbtError
from engine.pricing import bsm, t_years

FloatArray = npt.NDArray[np.float64]
IVSurface = Callable[[float, dt.date], float]


def flat_surface(iv: float) -> IVSurface:
    """A surface with one IV everywhere (for ad-hoc positions and tests)."""
    def surface(strike: float, expiry: dt.date) -> float:
        return iv
    return surface


@dataclass(frozen=True)
class LegBook:
    """A structure's legs as arrays: strikes, rights, signed lots, expiries, IVs."""

    strikes: FloatArray
    rights: npt.NDArray[np.str_]
    signed_lots: FloatArray
    expiries: tuple[dt.date, ...]
    ivs: FloatArray

    def t_left(self, horizon: dt.datetime) -> FloatArray:
        """Years each leg has left at ``horizon`` (0 once expired)."""
        return np.array([t_years(horizon, e) for e in self.expiries], dtype=np.float64)

    def value_pts(self, spots: npt.ArrayLike, horizon: dt.datetime, r: float, q: float,
                  ivs: FloatArray | None = None) -> FloatArray:
        """Position value per unit at ``horizon`` for each spot (shape of ``spots``)."""
        s = np.asarray(spots, dtype=np.float64)[..., None]
        vol = self.ivs if ivs is None else ivs
        price = bsm(s, self.strikes, self.t_left(horizon), r, q, vol, self.rights)
        return np.asarray(price @ self.signed_lots, dtype=np.float64)


def leg_book(structure: Structure, surface: IVSurface, *, smile: bool,
             atm_spot: float) -> LegBook:
    """Read each leg's IV from ``surface`` (strike's IV if ``smile`` else ATM) and check it."""
    ivs = []
    for i, leg in enumerate(structure.legs):
        strike = leg.strike if smile else atm_spot
        iv = float(surface(strike, leg.expiry))
        if not (math.isfinite(iv) and iv > 0):
            raise PosbtError(f"surface gave IV {iv} for strike {strike} expiry {leg.expiry}; "
                             "need a positive volatility",
                             place=f"{structure.name}.{leg.leg_id or f'leg{i + 1}'}")
        ivs.append(iv)
    return LegBook(
        strikes=np.array([leg.strike for leg in structure.legs], dtype=np.float64),
        rights=np.array([leg.right.value for leg in structure.legs]),
        signed_lots=np.array([leg.signed_lots for leg in structure.legs], dtype=np.float64),
        expiries=tuple(leg.expiry for leg in structure.legs),
        ivs=np.array(ivs, dtype=np.float64))
