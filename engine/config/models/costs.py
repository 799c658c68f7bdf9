"""Costs and fills, performance tracking, and the backtest window (config stage).

Cost rates are fractions (0.001 = 0.1%) of the premium turnover they apply to;
``INDIA`` uses the date-ranged statutory rates and ignores the custom rate fields.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from engine.config.enums import BarInterval, CostPreset, FillModel, SlippageKind, Symbol
from engine.config.meta import Group, param
from engine.config.models.base import ConfigModel, CsvTuple

DEFAULT_METRICS = ("total_pnl_inr", "win_rate", "max_drawdown_inr", "sharpe")


class CostsConfig(ConfigModel):
    """Fill model, slippage and transaction costs."""

    group: ClassVar[Group] = Group.COSTS

    fill_model: FillModel = param(FillModel.CLOSE, excel="FillModel",
                                  desc="Price a fill happens at")
    slippage_kind: SlippageKind = param(SlippageKind.POINTS, excel="SlippageKind",
                                        desc="Unit of SlippageValue")
    slippage_value: float = param(0.0, excel="SlippageValue", unit="points, % or ticks", ge=0,
                                  desc="Slippage against us on every fill")
    cost_preset: CostPreset = param(CostPreset.INDIA, excel="CostPreset",
                                    desc="INDIA statutory rates, CUSTOM rates, or NONE")
    brokerage_per_order_inr: float = param(20.0, excel="BrokeragePerOrderINR", unit="INR",
                                           ge=0, desc="Brokerage per executed order (CUSTOM)")
    stt_sell_rate: float = param(0.001, excel="STTSellRate", unit="fraction of premium", ge=0,
                                 le=0.1, desc="STT on sell-side premium (CUSTOM)")
    exchange_txn_rate: float = param(0.00035, excel="ExchangeTxnRate",
                                     unit="fraction of premium", ge=0, le=0.1,
                                     desc="Exchange transaction charge (CUSTOM)")
    gst_rate: float = param(0.18, excel="GSTRate", unit="fraction", ge=0, le=1,
                            desc="GST on brokerage and charges (CUSTOM)")
    stamp_duty_buy_rate: float = param(0.00003, excel="StampDutyBuyRate",
                                       unit="fraction of premium", ge=0, le=0.1,
                                       desc="Stamp duty on buys (CUSTOM)")
    tick_size_pts: float = param(0.05, excel="TickSizePts", unit="points", gt=0, le=10,
                                 desc="Price tick fills round to")
    risk_free_rate: float = param(0.065, excel="RiskFreeRate", unit="fraction per year", ge=0,
                                  le=1, desc="Rate used in pricing and greeks")


class PerformanceConfig(ConfigModel):
    """What is tracked and written out."""

    group: ClassVar[Group] = Group.PERFORMANCE

    track_metrics: CsvTuple[str] = param(DEFAULT_METRICS, excel="TrackMetrics",
                                         unit="metric list", desc="Metrics in BT_Summary")
    parameter_optimization: bool = param(False, excel="ParameterOptimization",
                                         desc="Include this strategy in sweeps")
    save_trades: bool = param(True, excel="SaveTrades", desc="Write the BT_Trades sheet")
    save_greek_series: bool = param(True, excel="SaveGreekSeries",
                                    desc="Write the BT_Greeks sheet")
    regime_attribution: bool = param(True, excel="RegimeAttribution",
                                     desc="Split P&L by volatility regime")


class BacktestWindow(ConfigModel):
    """What market and which dates the strategy runs on, and with how much capital."""

    group: ClassVar[Group] = Group.BACKTEST

    symbol: Symbol = param(Symbol.NIFTY, excel="Symbol", desc="Underlying index")
    start_date: date | None = param(None, excel="StartDate", unit="date",
                                    desc="First trading day (blank: first in the store)")
    end_date: date | None = param(None, excel="EndDate", unit="date",
                                  desc="Last trading day (blank: last in the store)")
    bar_interval: BarInterval = param(BarInterval.M5, excel="BarInterval",
                                      desc="Bar size the simulation steps over")
    capital_inr: float = param(1_000_000.0, excel="CapitalINR", unit="INR", gt=0,
                               desc="Starting capital")
    lots: int = param(1, excel="Lots", unit="lots", ge=1, le=10000,
                      desc="Lots per leg unless the leg says otherwise")
