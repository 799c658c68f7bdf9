"""Exit rules: time, days before expiry, profit target with trailing, stop loss with
recovery, greek breaches, S/R breaks, volatility expansion/contraction, IVP extremes.

Config stage. Profit and loss thresholds are fractions of the entry credit (or debit
for debit structures) unless the field ends in ``_pts``.
"""

from __future__ import annotations

from datetime import time
from typing import ClassVar

from engine.config.enums import StopRecovery
from engine.config.meta import Group, param
from engine.config.models.base import ConfigModel

_OF_CREDIT = "fraction of entry credit"


class ExitRules(ConfigModel):
    """When an open position is closed."""

    group: ClassVar[Group] = Group.EXIT

    exit_time: time = param(time(15, 15), excel="ExitTime", unit="HH:MM IST",
                            desc="Time of day scheduled exits happen")
    exit_days_before_expiry: int = param(0, excel="ExitDaysBeforeExpiry", unit="trading days",
                                         ge=0, le=60,
                                         desc="Close this many days before the short expiry")
    hold_to_expiry: bool = param(False, excel="HoldToExpiry",
                                 desc="Let the short leg settle instead of closing it")
    max_holding_days: int | None = param(None, excel="MaxHoldingDays", unit="calendar days",
                                         ge=1, le=400, desc="Close after this many days")
    max_quote_age_minutes: float | None = param(
        None, excel="MaxQuoteAgeMinutes", unit="minutes", gt=0, le=10080,
        desc="A leg price older than this never triggers an exit or adjustment and is flagged "
             "(blank: 30 minutes intraday, one session at 1d)")
    profit_target: float | None = param(0.5, excel="ProfitTarget", unit=_OF_CREDIT, gt=0,
                                        le=10, desc="Close when P&L reaches this")
    profit_target_pts: float | None = param(None, excel="ProfitTargetPts", unit="points",
                                            gt=0, desc="Close at this P&L in points")
    use_trailing_profit: bool = param(False, excel="UseTrailingProfit",
                                      desc="Trail the profit target once activated")
    trailing_activation: float = param(0.3, excel="TrailingActivation", unit=_OF_CREDIT,
                                       gt=0, le=10, desc="P&L that starts the trail")
    trailing_step: float = param(0.1, excel="TrailingStep", unit=_OF_CREDIT, gt=0, le=10,
                                 desc="Give-back from the peak P&L that closes")
    stop_loss: float | None = param(1.0, excel="StopLoss", unit=_OF_CREDIT, gt=0, le=20,
                                    desc="Close when the loss reaches this")
    stop_loss_pts: float | None = param(None, excel="StopLossPts", unit="points", gt=0,
                                        desc="Close at this loss in points")
    stop_recovery: StopRecovery = param(StopRecovery.NONE, excel="StopRecovery",
                                        desc="What happens after a stop")
    recovery_wait_minutes: int = param(60, excel="RecoveryWait", unit="minutes", ge=0,
                                       desc="Wait after a stop before recovering")
    max_recovery_attempts: int = param(0, excel="MaxRecoveryAttempts", unit="count", ge=0,
                                       le=20, desc="Recoveries per cycle")
    exit_delta_breach: float | None = param(None, excel="ExitDeltaBreach",
                                            unit="INR per index point", gt=0,
                                            desc="Close when |position delta| exceeds this")
    exit_gamma_breach: float | None = param(None, excel="ExitGammaBreach",
                                            unit="INR per point^2", gt=0,
                                            desc="Close when |position gamma| exceeds this")
    exit_on_sr_break: bool = param(False, excel="ExitOnSRBreak",
                                   desc="Close when spot breaks an S/R level")
    sr_break_buffer_pts: float = param(10.0, excel="SRBreakBufferPts", unit="points", ge=0,
                                       desc="Distance beyond the level that counts as a break")
    exit_vol_expansion: float | None = param(None, excel="ExitVolExpansion",
                                             unit="fraction of entry IV", gt=0, le=5,
                                             desc="Close when ATM IV rose by this")
    exit_vol_contraction: float | None = param(None, excel="ExitVolContraction",
                                               unit="fraction of entry IV", gt=0, le=1,
                                               desc="Close when ATM IV fell by this")
    exit_ivp_above: float | None = param(None, excel="ExitIVPAbove", unit="fraction 0-1",
                                         ge=0, le=1, desc="Close when IVP rises above this")
    exit_ivp_below: float | None = param(None, excel="ExitIVPBelow", unit="fraction 0-1",
                                         ge=0, le=1, desc="Close when IVP falls below this")
    exit_on_event_day: bool = param(False, excel="ExitOnEventDay",
                                    desc="Close before an event of the Events sheet")
