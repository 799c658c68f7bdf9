"""Option prices and greeks for cells and the server (Black-76 on the forward, BSM on spot).

Excel-side wrapper over ``engine.pricing.greeks`` (pricing stage) for one option: the
server's ``POST /v1/price`` and ``POSBT_PRICE`` / ``POSBT_GREEKS``. Units: points, years,
vols and rates as fractions; vega per vol point, theta per calendar day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.errors import PosbtError
from engine.pricing import PricingModel, greeks

GREEK_NAMES = ("price", "delta", "gamma", "vega", "theta", "rho")


@dataclass(frozen=True)
class OptionInput:
    """One option: ``underlying_pts`` is the forward (black76) or the spot (bsm)."""

    model: PricingModel
    right: str
    underlying_pts: float
    strike_pts: float
    t_years: float
    vol: float
    rate: float = 0.065
    div_yield: float = 0.0


def parse_model(text: str | None) -> PricingModel:
    key = (text or "black76").strip().lower().replace("-", "")
    try:
        return PricingModel(key)
    except ValueError:
        raise PosbtError(f"unknown model {text!r}; use black76 or bsm", place="model") from None


def parse_right(text: str) -> str:
    key = str(text).strip().upper()
    key = {"C": "CE", "CALL": "CE", "P": "PE", "PUT": "PE"}.get(key, key)
    if key not in ("CE", "PE"):
        raise PosbtError(f"unknown right {text!r}; use CE or PE", place="right")
    return key


def price_greeks(o: OptionInput) -> dict[str, float]:
    """Price and greeks of ``o``; PosbtError naming the first impossible input."""
    for name, value in (("underlying_pts", o.underlying_pts), ("strike_pts", o.strike_pts),
                        ("vol", o.vol)):
        if not (math.isfinite(value) and value > 0):
            raise PosbtError(f"must be a positive number, got {value}", place=name)
    if not (math.isfinite(o.t_years) and o.t_years >= 0):
        raise PosbtError(f"must be >= 0, got {o.t_years}", place="t_years")
    right = parse_right(o.right)
    if o.model is PricingModel.BLACK76:
        g = greeks(o.underlying_pts, o.strike_pts, o.t_years, o.rate, o.vol, right)
    else:
        g = greeks(None, o.strike_pts, o.t_years, o.rate, o.vol, right, model=PricingModel.BSM,
                   S=o.underlying_pts, q=o.div_yield)
    return {name: float(getattr(g, name)) for name in GREEK_NAMES}
