"""The plan's risk limits (strategy stage): position, loss and greek caps, margin fractions.

Plain parameters, built from the config by ``engine.strategy.from_config``; the risk stage
(``engine.risk.limits``) applies them, and the margin estimate (``engine.strategy.margin``)
reads its fractions.
"""

from __future__ import annotations

from dataclasses import dataclass


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
