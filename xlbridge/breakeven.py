"""Breakevens for cells and the server: iron fly (closed form) and calendar (root finding).

Excel-side wrapper over ``engine.breakeven`` (breakeven stage) for ``POST /v1/breakeven``,
``POSBT_IRONFLY_BE`` and ``POSBT_CALENDAR_BE``. Parameters arrive as a flat mapping of numbers
(or strings from cells); each is checked and a bad one is named in the error.

* ``ironfly``: ``centre_pts``, ``wing_pts``, ``net_credit_pts`` and optionally ``costs_pts``
  (round trip, per unit), ``wings`` (INCLUDE / EXCLUDE / WEIGHTED), ``wing_cost_pts``,
  ``p_put_wing``, ``p_call_wing``: ``engine.breakeven.iron_fly_breakevens``.
* ``calendar``: ``strike_pts``, ``right``, ``front_t_years``, ``back_t_years``, ``front_vol``,
  ``back_vol``, ``net_debit_pts``, optionally ``rate`` (default 0.065) and ``costs_pts``. The
  breakevens at the front expiry: the front leg is worth its intrinsic value and the back leg
  its Black-76 value with ``back_t_years - front_t_years`` left, on the forward
  ``S e^{r tau}``; roots of ``back(S) - front payoff(S) - debit - costs`` on a log grid
  (``engine.breakeven.curve.band_from_curve``). ``front_vol`` does not enter at that horizon
  and is only checked.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from engine.breakeven import iron_fly_breakevens
from engine.breakeven.curve import SPAN_SD, band_from_curve
from engine.config.enums import IronFlyBEWings
from engine.errors import PosbtError
from engine.pricing import black76

N_GRID = 801
DEFAULT_RATE = 0.065


def _num(params: Mapping[str, float | str], name: str, kind: str,
         default: float | None = None) -> float:
    raw = params.get(name)
    if raw is None or raw == "":
        if default is not None:
            return default
        raise PosbtError(f"missing parameter {name}", place=f"breakeven {kind}.{name}")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise PosbtError(f"must be a number, got {raw!r}", place=f"breakeven {kind}.{name}") from None
    if not math.isfinite(value):
        raise PosbtError(f"must be finite, got {raw!r}", place=f"breakeven {kind}.{name}")
    return value


def _optional(params: Mapping[str, float | str], name: str, kind: str) -> float | None:
    return None if params.get(name) in (None, "") else _num(params, name, kind)


def _ironfly(params: Mapping[str, float | str]) -> dict[str, Any]:
    mode = str(params.get("wings") or "INCLUDE").strip().upper()
    if mode not in IronFlyBEWings.__members__:
        raise PosbtError(f"wings must be one of {', '.join(IronFlyBEWings.__members__)}, got "
                         f"{mode!r}", place="breakeven ironfly.wings")
    be = iron_fly_breakevens(
        _num(params, "centre_pts", "ironfly"), _num(params, "wing_pts", "ironfly"),
        _num(params, "net_credit_pts", "ironfly"),
        costs_pts=_num(params, "costs_pts", "ironfly", 0.0), wings=IronFlyBEWings[mode],
        wing_cost_pts=_optional(params, "wing_cost_pts", "ironfly"),
        p_put_wing=_optional(params, "p_put_wing", "ironfly"),
        p_call_wing=_optional(params, "p_call_wing", "ironfly"))
    return {"lower_pts": _plain(be.lower), "upper_pts": _plain(be.upper),
            "max_profit_pts": be.max_profit_pts, "max_loss_pts": be.max_loss_pts,
            "wings": be.wings.value, "reason": be.reason}


def _calendar(params: Mapping[str, float | str]) -> dict[str, Any]:
    k = _num(params, "strike_pts", "calendar")
    right = str(params.get("right") or "").strip().upper()
    if right not in ("CE", "PE"):
        raise PosbtError(f"right must be CE or PE, got {params.get('right')!r}",
                         place="breakeven calendar.right")
    t_front = _num(params, "front_t_years", "calendar")
    t_back = _num(params, "back_t_years", "calendar")
    vols = [_num(params, "front_vol", "calendar"), _num(params, "back_vol", "calendar")]
    debit = _num(params, "net_debit_pts", "calendar")
    rate = _num(params, "rate", "calendar", DEFAULT_RATE)
    costs = _num(params, "costs_pts", "calendar", 0.0)
    if k <= 0 or not 0 < t_front < t_back or min(vols) <= 0 or costs < 0:
        raise PosbtError("need strike > 0, 0 < front_t_years < back_t_years, vols > 0 and "
                         "costs >= 0", place="breakeven calendar")
    tau, sigma = t_back - t_front, vols[1]
    sign = 1.0 if right == "CE" else -1.0

    def pnl(spots: np.ndarray) -> np.ndarray:
        back = black76(spots * math.exp(rate * tau), k, tau, rate, sigma, right)
        front = np.maximum(sign * (spots - k), 0.0)
        return np.asarray(back - front - debit - costs, dtype=np.float64)

    width = SPAN_SD * sigma * math.sqrt(max(tau, 1.0 / 365.0))
    grid = np.geomspace(k * math.exp(-width), k * math.exp(width), N_GRID)
    band = band_from_curve(grid, pnl(grid), lambda s: float(pnl(np.array([s]))[0]))
    return {"lower_pts": _plain(band.lower), "upper_pts": _plain(band.upper),
            "max_profit_pts": band.max_profit_pts, "max_profit_at_pts": band.max_profit_at,
            "reason": band.reason}


def _plain(x: float) -> float | None:
    """JSON- and cell-friendly: NaN or an open side (inf) becomes None (a blank cell)."""
    return float(x) if math.isfinite(x) else None


def breakevens(kind: str, params: Mapping[str, float | str]) -> dict[str, Any]:
    """``{"lower_pts": .., "upper_pts": .., ...}`` for ``kind`` ``ironfly`` or ``calendar``."""
    if kind == "ironfly":
        return _ironfly(params)
    if kind == "calendar":
        return _calendar(params)
    raise PosbtError(f"kind must be ironfly or calendar, got {kind!r}", place="breakeven")
