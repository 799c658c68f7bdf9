"""Risk engine (risk stage): position limits, greek caps, term-weighted vega.

Pure functions the simulation calls at entry (block or allow) and over an open position's path
(flag breaches). Units: greeks per position in rupees per unit of the greek (delta in rupees per
index point = delta per unit x units; vega in rupees per vol point; theta in rupees per day).
The margin estimate it checks at entry comes from ``engine.strategy.margin``; the limits
themselves are the plan's ``engine.strategy.limits.RiskLimits``.
"""

from __future__ import annotations

import numpy as np

from engine.strategy.limits import RiskLimits


def term_weighted_vega(vega_inr: np.ndarray, dte_days: np.ndarray, ref_days: float = 30.0
                       ) -> np.ndarray:
    """Leg vegas scaled to a reference tenor by sqrt(ref / DTE) and summed over legs (axis 1)."""
    scale = np.sqrt(ref_days / np.maximum(dte_days, 1.0))
    return np.asarray((vega_inr * scale).sum(axis=1))


def greek_caps(limits: RiskLimits, ivp: float | None) -> dict[str, float]:
    """The greek caps in force, scaled down when volatility-adjusted and IVP is high."""
    scale = 1.0
    if limits.volatility_adjusted and ivp is not None and ivp >= limits.high_ivp_threshold:
        scale = limits.high_ivp_scale
    caps = {"delta": limits.max_delta_inr, "gamma": limits.max_gamma_inr,
            "theta": limits.max_theta_inr, "vega": limits.max_vega_inr}
    return {k: v * scale for k, v in caps.items() if v is not None}


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
