"""Config -> plan: the fields the engine acts on arrive where the engine reads them."""

from __future__ import annotations

import datetime as dt

from engine.config.acted_on import ACTED_ON
from engine.config.models.strategy import StrategyConfig
from engine.strategy.from_config import plan_from_config
from engine.strategy.plan import ExpiryMethod

D0, D1 = dt.date(2025, 1, 1), dt.date(2025, 12, 31)


def test_legs_exits_entry_and_rules_are_mapped() -> None:
    cfg = StrategyConfig.model_validate({
        "strategy_name": "M", "strategy_subtype": "CUSTOM", "roll_frequency": "BIWEEKLY",
        "legs": [
            {"leg_id": "A", "right": "CE", "side": "SELL", "strike_method": "ATM",
             "timeframe_override": {"dte": 21},
             "dynamic_sizing": {"mode": "VIX_SCALED", "min_lots": 1, "max_lots": 4},
             "conditional_activation": {"condition": "VIX_ABOVE", "threshold": 15}},
            {"leg_id": "B", "right": "PE", "side": "BUY", "strike_method": "ATM",
             "timeframe_override": {"position_type": "MONTHLY"},
             "volatility_scaling": {"metric": "IVP", "high_factor": 0.5}},
        ],
        "entry_rules": {"nearest_strike_fallback": True},
        "exit_rules": {"stop_recovery": "REENTER", "max_recovery_attempts": 2,
                       "exit_vol_expansion": 0.3, "exit_ivp_above": 0.9},
        "volatility_filter": {"ivp_max_exit": 0.85},
        "adjustment_rules": [{"rule_id": "R", "rule_type": "ROLL_UP",
                              "trigger_conditions": ["PRICE_MOVE"],
                              "price_move_threshold": 0.01}],
    })
    plan = plan_from_config(cfg, D0, D1)
    a, b = plan.legs
    assert (a.expiry.method, a.expiry.value) == (ExpiryMethod.DTE, 21.0)
    assert b.expiry.method is ExpiryMethod.MONTHLY_INDEX
    assert a.sizing.mode == "VIX_SCALED" and a.sizing.max_lots == 4
    assert a.sizing.condition == "VIX_ABOVE" and a.sizing.condition_threshold == 15
    assert b.sizing.metric == "IVP" and b.sizing.high_factor == 0.5
    assert plan.entry.roll_period == "BIWEEKLY" and plan.entry.nearest_strike_fallback
    assert plan.exits.stop_recovery == "REENTER" and plan.exits.max_recovery_attempts == 2
    # the stricter of ExitIVPAbove 0.9 and IVPMaxExit 0.85
    assert plan.exits.ivp_above == 0.85 and plan.exits.vol_expansion_frac == 0.3
    assert plan.adjustments.rules[0].trigger.price_move_frac == 0.01
    for path in ("roll_frequency", "exit_rules.stop_recovery",
                 "legs.dynamic_sizing.mode", "entry_rules.nearest_strike_fallback"):
        assert path in ACTED_ON


def test_custom_roll_uses_the_dte_list() -> None:
    cfg = StrategyConfig.model_validate({
        "strategy_name": "C", "strategy_subtype": "IRON_FLY", "roll_frequency": "CUSTOM",
        "custom_dte_list": "7,14"})
    plan = plan_from_config(cfg, D0, D1)
    assert plan.entry.roll_period is None and plan.entry.custom_dtes == (7, 14)
