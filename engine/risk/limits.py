"""Risk engine (risk stage): position limits, greek caps, term-weighted vega.

Pure functions the simulation calls at entry (block or allow) and over an open position's path
(flag breaches). Units: greeks per position in rupees per unit of the greek (delta in rupees per
index point = delta per unit x units; vega in rupees per vol point; theta in rupees per day).
The margin estimate it checks at entry comes from ``engine.strategy.margin``; the limits
themselves are the plan's ``engine.strategy.limits.RiskLimits``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from engine.strategy.limits import RiskLimits

VEGA_REF_DAYS = 30.0  # TermVegaWeighting's reference tenor


def term_weights(expiries: Sequence[dt.date], days: np.ndarray,
                 ref_days: float = VEGA_REF_DAYS) -> np.ndarray:
    """sqrt(ref / DTE) per (bar, leg): ``days`` the bars' dates (datetime64[D]), DTE in calendar
    days, at least 1 (an expiring leg weighs sqrt(30) = 5.48, a 30-day leg 1, a 120-day leg 0.5).

    Term-weighted ("normalised") vega: a short tenor's IV moves more than a long one's, roughly
    as 1 / sqrt(T) (the square-root-of-time rule of thumb for the IV term structure), so one
    vol point of 30-day IV corresponds to sqrt(30 / DTE) points at DTE days."""
    d = np.asarray(days, dtype="datetime64[D]").astype(np.int64).reshape(-1, 1)
    e = np.array([np.datetime64(x, "D").astype(np.int64) for x in expiries],
                 dtype=np.int64).reshape(1, -1)
    return np.asarray(np.sqrt(ref_days / np.maximum((e - d).astype(float), 1.0)))


def term_weighted_vega(vega_inr: np.ndarray, dte_days: np.ndarray, ref_days: float = 30.0
                       ) -> np.ndarray:
    """Leg vegas scaled to a reference tenor by sqrt(ref / DTE) and summed over legs (axis 1)."""
    scale = np.sqrt(ref_days / np.maximum(dte_days, 1.0))
    return np.asarray((vega_inr * scale).sum(axis=1))


def capped_vega_inr(leg_vega_inr: np.ndarray, expiries: Sequence[dt.date], days: np.ndarray,
                    limits: RiskLimits) -> np.ndarray:
    """The position vega MaxPositionVega is compared with, per bar: the legs' vegas (rupees per
    vol point, already times their units; bars x legs) summed, each weighted by
    sqrt(30 / DTE) when TermVegaWeighting is on."""
    v = np.atleast_2d(np.asarray(leg_vega_inr, dtype=float))
    if limits.term_vega_weighting:
        v = v * term_weights(expiries, days)
    return np.asarray(v.sum(axis=1))


def cap_scale(limits: RiskLimits, ivp: float | None) -> float:
    """HighIVPScale when VolatilityAdjusted and ``ivp`` >= HighIVPThreshold, else 1 (an unknown
    IVP leaves the caps as set)."""
    if limits.volatility_adjusted and ivp is not None and ivp == ivp and \
            ivp >= limits.high_ivp_threshold:
        return limits.high_ivp_scale
    return 1.0


def greek_caps(limits: RiskLimits, ivp: float | None) -> dict[str, float]:
    """The greek caps in force, scaled down when volatility-adjusted and IVP is high."""
    scale = cap_scale(limits, ivp)
    caps = {"delta": limits.max_delta_inr, "gamma": limits.max_gamma_inr,
            "theta": limits.max_theta_inr, "vega": limits.max_vega_inr}
    return {k: v * scale for k, v in caps.items() if v is not None}


def cap_breaches(limits: RiskLimits, values: dict[str, np.ndarray], ivp: np.ndarray | None
                 ) -> dict[str, tuple[float, np.ndarray]]:
    """Per capped greek: (its cap as set, bars where |value| exceeds the cap in force at that
    bar, i.e. scaled by ``cap_scale`` of that bar's IVP)."""
    base = greek_caps(limits, ivp=None)
    if not base:
        return {}
    n = next(iter(values.values())).size
    scale = np.ones(n) if ivp is None else np.array([cap_scale(limits, float(x)) for x in ivp])
    return {name: (cap, np.abs(np.nan_to_num(values[name])) > cap * scale)
            for name, cap in base.items()}


def entry_block_reason(greeks_inr: dict[str, float], caps: dict[str, float], lots: int,
                       margin_inr: float, capital_inr: float, limits: RiskLimits) -> str | None:
    """Why an entry must be blocked by the limits, or None when it may go ahead."""
    if limits.max_lots is not None and lots > limits.max_lots:
        return f"{lots} lots on a leg exceeds MaxLots {limits.max_lots}"
    if margin_inr > limits.max_capital_per_trade_frac * capital_inr:
        return (f"margin estimate {margin_inr:,.0f} INR exceeds MaxCapitalPerTrade "
                f"{limits.max_capital_per_trade_frac:g} x capital {capital_inr:,.0f}")
    for name, cap in caps.items():
        value = greeks_inr.get(name, float("nan"))
        if np.isfinite(value) and abs(value) > cap:
            return f"position {name} {value:,.2f} exceeds its cap {cap:,.2f}"
    return None
