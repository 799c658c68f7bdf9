"""Margin estimate of a new position (strategy stage: capital-based sizing needs it at entry).

SPAN is not public, so a defined-risk structure is charged its maximum loss at expiry plus
an exposure margin on the short notional, and anything else a flat fraction of the short
notional (``RiskLimits.exposure_margin_frac`` / ``naked_margin_frac``). The risk stage
checks the estimate against the capital limit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.domain.structures import Leg, Right
from engine.strategy.limits import RiskLimits


def is_defined_risk(legs: Sequence[Leg], lot_sizes: Sequence[int] | None = None) -> bool:
    """Every short unit is covered by a long unit of the same right, expiring then or later
    (units: lots x each leg's own lot size; the weekly and monthly series may differ)."""
    sizes = list(lot_sizes) if lot_sizes is not None else [1] * len(legs)
    units = [leg.lots * n for leg, n in zip(legs, sizes, strict=True)]
    for right in (Right.CE, Right.PE):
        for expiry in {leg.expiry for leg in legs}:
            same = [(leg, u) for leg, u in zip(legs, units, strict=True)
                    if leg.right is right and leg.expiry == expiry]
            shorts = sum(u for leg, u in same if leg.signed_lots < 0)
            longs = sum(u for leg, u in same if leg.signed_lots > 0)
            if shorts > longs:
                later_longs = sum(u for leg, u in zip(legs, units, strict=True)
                                  if leg.right is right and leg.expiry > expiry
                                  and leg.signed_lots > 0)
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
    if is_defined_risk(legs, lot_sizes):
        if len({leg.expiry for leg in legs}) == 1:
            loss = max_loss_at_expiry_inr(legs, entry_px, lot_sizes, spot)
        else:  # calendars: the debit paid (or zero for a credit) is the worst case held to front
            qty = np.array([leg.signed_lots * n for leg, n in zip(legs, lot_sizes, strict=True)])
            loss = max(0.0, float((qty * entry_px).sum()))
        return loss + limits.exposure_margin_frac * notional
    return limits.naked_margin_frac * notional
