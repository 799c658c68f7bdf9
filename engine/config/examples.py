"""The plan's three example strategies (PLAN.md appendix), as the YAML there writes them.

Config stage data: the template generator preloads them as strategy columns, and a test
checks they equal tests/fixtures/config/plan_example*.yaml key for key.
"""

from __future__ import annotations

from typing import Any

EXAMPLES: dict[str, dict[str, Any]] = {
    "Conservative_Weekly_Calendar_IVP": {
        "strategy_name": "Conservative_Weekly_Calendar_IVP",
        "position_type": "WEEKLY",
        "strategy_subtype": "CALENDAR_SPREAD",
        "short_leg_dte": 7,
        "long_leg_dte": 30,
        "entry_rules": {"vix_range": [12, 20], "time_window": ["11:00", "13:00"],
                        "min_premium": 25, "max_premium": 35},
        "volatility_filter": {"use_ivp": True, "ivp_min_entry": 0.30, "ivp_max_entry": 0.70,
                              "use_atr_percentile": True, "atr_percentile_min": 0.20,
                              "atr_percentile_max": 0.80},
        "adjustment_rules": [{"type": "ROLL_UP", "trigger": "PRICE_MOVE", "threshold": 0.01,
                              "max_debit": 0.10, "ivp_trigger": 0.80}],
    },
    "Aggressive_Iron_Fly_Vol_Aware": {
        "strategy_name": "Aggressive_Iron_Fly_Vol_Aware",
        "position_type": "MONTHLY",
        "strategy_subtype": "IRON_FLY",
        "short_leg_dte": 30,
        "volatility_filter": {"volatility_regime": "HIGH", "use_ivr": True,
                              "ivr_min_entry": 0.50, "use_term_structure": True,
                              "term_structure_type": "BACKWARDATION"},
        "adjustment_rules": [{"type": "REVERSE_BUY", "trigger": "SR_HIT", "max_debit_pct": 0.25,
                              "scalping_threshold": 0.70,
                              "volatility_trigger": {"ivp_drop": 0.20}}],
        "greek_limits": {"max_portfolio_gamma": 0.05, "max_position_vega": 1000,
                         "volatility_adjusted": True},
    },
    "Dynamic_Complete_Vol_Suite": {
        "strategy_name": "Dynamic_Complete_Vol_Suite",
        "position_type": "CUSTOM",
        "volatility_filter": {
            "use_ivp": True, "ivp_lookback": 252, "ivp_min_entry": 0.25, "ivp_max_entry": 0.75,
            "ivp_min_exit": 0.10, "ivp_max_exit": 0.90,
            "use_ivr": True, "ivr_lookback": 252, "ivr_min_entry": 0.30, "ivr_max_entry": 0.70,
            "use_atr_percentile": True, "atr_period": 14, "atr_lookback": 252,
            "atr_percentile_min": 0.20, "atr_percentile_max": 0.80,
            "use_hv": True, "hv_period": 20, "hv_lookback": 252,
            "use_iv_hv_ratio": True, "iv_hv_ratio_min": 0.8, "iv_hv_ratio_max": 1.5,
            "analyze_term_structure": True, "term_structure_type": "ANY",
            "analyze_iv_skew": True, "skew_threshold": 0.05,
        },
    },
}
