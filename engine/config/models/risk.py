"""Risk limits: position limits, greek limits (optionally volatility-adjusted) and
volatility limits (config stage).

Greek limits are per position, in rupees per unit of the greek: delta in INR per index
point, gamma in INR per point squared, theta in INR per calendar day, vega in INR per
volatility point (1%).
"""

from __future__ import annotations

from typing import ClassVar

from engine.config.meta import Group, param
from engine.config.models.base import ConfigModel


class PositionLimits(ConfigModel):
    """Size and loss limits."""

    group: ClassVar[Group] = Group.RISK

    max_lots: int = param(10, excel="MaxLots", unit="lots", ge=1, le=10000,
                          desc="Most lots on any one leg, adjustments included")
    max_open_positions: int = param(1, excel="MaxOpenPositions", unit="count", ge=1, le=100,
                                    desc="Positions of this strategy open at once, at "
                                    "most one per expiry cycle")
    max_capital_per_trade: float = param(1.0, excel="MaxCapitalPerTrade",
                                         unit="fraction of capital", gt=0, le=1,
                                         desc="Margin one position may use")
    max_loss_per_trade_inr: float | None = param(None, excel="MaxLossPerTradeINR", unit="INR",
                                                 gt=0, desc="Close when a position loses this")
    max_daily_loss_inr: float | None = param(None, excel="MaxDailyLossINR", unit="INR", gt=0,
                                             desc="Stop trading for the day after this loss")
    max_drawdown: float | None = param(None, excel="MaxDrawdown", unit="fraction of capital",
                                       gt=0, le=1, desc="Stop the backtest at this drawdown")
    exposure_margin: float = param(0.02, excel="ExposureMargin", unit="fraction of notional",
                                   ge=0, le=1, desc="Exposure margin added to max loss")
    naked_margin: float = param(0.12, excel="NakedMargin", unit="fraction of notional", ge=0,
                                le=1, desc="Margin of undefined-risk positions (SPAN is "
                                "not public)")


class GreekLimits(ConfigModel):
    """Greek caps per position and per portfolio (rupees per unit of the greek)."""

    group: ClassVar[Group] = Group.RISK

    max_position_delta: float | None = param(None, excel="MaxPositionDelta",
                                             unit="INR per index point", gt=0,
                                             desc="Cap on |position delta|")
    max_position_gamma: float | None = param(None, excel="MaxPositionGamma",
                                             unit="INR per point^2", gt=0,
                                             desc="Cap on |position gamma|")
    max_position_theta: float | None = param(None, excel="MaxPositionTheta",
                                             unit="INR per day", gt=0,
                                             desc="Cap on |position theta|")
    max_position_vega: float | None = param(None, excel="MaxPositionVega",
                                            unit="INR per vol point", gt=0,
                                            desc="Cap on |position vega|")
    max_portfolio_delta: float | None = param(None, excel="MaxPortfolioDelta",
                                              unit="INR per index point", gt=0,
                                              desc="Cap on |portfolio delta|")
    max_portfolio_gamma: float | None = param(None, excel="MaxPortfolioGamma",
                                              unit="INR per point^2", gt=0,
                                              desc="Cap on |portfolio gamma|")
    max_portfolio_vega: float | None = param(None, excel="MaxPortfolioVega",
                                             unit="INR per vol point", gt=0,
                                             desc="Cap on |portfolio vega|")
    volatility_adjusted: bool = param(False, excel="GreekLimitsVolAdjusted",
                                      desc="Scale greek caps by IVP")
    high_ivp_threshold: float = param(0.8, excel="GreekHighIVP", unit="fraction 0-1", ge=0,
                                      le=1, desc="IVP above which caps are scaled")
    high_ivp_scale: float = param(0.5, excel="GreekHighIVPScale", unit="x", gt=0, le=1,
                                  desc="Cap multiplier when IVP is high")
    term_vega_weighting: bool = param(False, excel="TermVegaWeighting",
                                      desc="Weight vega by sqrt(30 / DTE) before capping")


class VolatilityLimits(ConfigModel):
    """Limits on the volatility environment and exposure."""

    group: ClassVar[Group] = Group.RISK

    min_vix: float | None = param(None, excel="MinVIX", unit="VIX", ge=0,
                                  desc="No positions below this VIX")
    max_vix: float | None = param(None, excel="MaxVIX", unit="VIX", ge=0,
                                  desc="Close positions above this VIX")
    max_atm_iv: float | None = param(None, excel="MaxATMIV", unit="vol (0.2 = 20%)", gt=0,
                                     le=5, desc="Close positions above this ATM IV")
    max_vega_exposure_inr: float | None = param(None, excel="MaxVegaExposureINR",
                                                unit="INR per vol point", gt=0,
                                                desc="Cap on total vega across strategies")
    iv_crush_protection: bool = param(False, excel="IVCrushProtection",
                                      desc="Cut long vega before events")
    iv_crush_threshold: float = param(0.2, excel="IVCrushThreshold",
                                      unit="fraction of ATM IV", gt=0, le=1,
                                      desc="Expected IV drop that counts as a crush")
