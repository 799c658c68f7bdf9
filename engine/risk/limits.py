"""Risk engine (risk stage): margin estimate, position limits, greek caps, term-weighted vega.

Pure functions the simulation calls at entry (block or allow) and over an open position's path
(flag breaches). Units: greeks per position in rupees per unit of the greek (delta in rupees per
index point = delta per unit x units; vega in rupees per vol point; theta in rupees per day).
Margins are estimates: SPAN is not public, so a defined-risk structure is charged its maximum
loss at expiry plus an exposure margin on the short notional, and anything else a flat fraction
of the short notional.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.domain.structures import Leg, Right


@dataclass(frozen=True)
class RiskLimits:
    """Limits of one strategy; None means no limit."""

    max_lots: int | None = None
    max_capital_per_trade_frac: float = 1.0
    max_loss_per_trade_inr: float | None = None
    max_daily_loss_inr: float | None = None
    max_drawdown_frac: float | None = None
    exposure_margin_frac: float = 0.02
    naked_margin_frac: float = 0.12
    max_delta_inr: float | None = None
    max_gamma_inr: float | None = None
    max_theta_inr: float | None = None
    max_vega_inr: float | None = None
    term_vega_weighting: bool = False
    volatility_adjusted: bool = False
    high_ivp_threshold: float = 0.8
    high_ivp_scale: float = 0.5


def is_defined_risk(legs: Sequence[Leg]) -> bool:
    """Every short lot is covered by a long lot of the same right and expiry."""
    for right in (Right.CE, Right.PE):
        for expiry in {leg.expiry for leg in legs}:
            same = [leg for leg in legs if leg.right is right and leg.expiry == expiry]
            shorts = sum(leg.lots for leg in same if leg.signed_lots < 0)
            longs = sum(leg.lots for leg in same if leg.signed_lots > 0)
            if shorts > longs:
                later_longs = sum(leg.lots for leg in legs if leg.right is right
                                  and leg.expiry > expiry and leg.signed_lots > 0)
                if shorts > longs + later_longs:
                    return False
    return True


def max_loss_at_expiry_inr(legs: Sequence[Leg], entry_px: np.ndarray, lot_sizes: Sequence[int],
                           spot: float) -> float:
    """Worst P&L at the common expiry over spot from 0 to 3x, on a grid that includes every strike."""
    strikes = np.array(sorted({leg.strike for leg in legs}))
    grid = np.unique(np.concatenate([strikes, np.linspace(0.0, 3.0 * spot, 601)]))
    qty = np.array([leg.signed_lots * n for leg, n in zip(legs, lot_sizes, strict=True)], float)
    payoff = np.zeros_like(grid)
    for leg, q in zip(legs, qty, strict=True):
        intrinsic = np.maximum(grid - leg.strike, 0) if leg.right is Right.CE else \
            np.maximum(leg.strike - grid, 0)
        payoff += q * intrinsic
    pnl = payoff - float((qty * entry_px).sum())
    return float(max(0.0, -pnl.min()))


def estimate_margin_inr(legs: Sequence[Leg], entry_px: np.ndarray, lot_sizes: Sequence[int],
                        spot: float, limits: RiskLimits) -> float:
    """Margin estimate of a new position (see the module docstring for the rule)."""
    short_units = sum(leg.lots * n for leg, n in zip(legs, lot_sizes, strict=True)
                      if leg.signed_lots < 0)
    notional = short_units * spot
    if is_defined_risk(legs):
        if len({leg.expiry for leg in legs}) == 1:
            loss = max_loss_at_expiry_inr(legs, entry_px, lot_sizes, spot)
        else:  # calendars: the debit paid (or zero for a credit) is the worst case held to front
            qty = np.array([leg.signed_lots * n for leg, n in zip(legs, lot_sizes, strict=True)])
            loss = max(0.0, float((qty * entry_px).sum()))
        return loss + limits.exposure_margin_frac * notional
    return limits.naked_margin_frac * notional


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
