"""The plan's three YAML examples load as written, with the values they state."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from engine.config import load_config
from engine.config.enums import (
    AdjustmentType,
    Side,
    StrikeMethod,
    TermStructureType,
    TriggerKind,
    VolRegime,
)
from engine.config.models.adjustments import ReverseBuyRule, RollUpRule
from engine.config.registry import Sheet, by_excel_name, is_acted_on
from engine.config.yaml_source import load_yaml

from .conftest import FIXTURES


def _one(name: str):  # type: ignore[no-untyped-def]
    loaded = load_config(FIXTURES / name)
    assert loaded.report.ok, loaded.report.text()
    (strategy,) = loaded.strategies.values()
    return strategy.config


def test_three_examples_exist_and_are_valid(plan_examples: list[Path]) -> None:
    assert len(plan_examples) == 3
    for path in plan_examples:
        assert load_config(path).report.ok


def test_example1_calendar_with_shorthands() -> None:
    cfg = _one("plan_example1_conservative_weekly_calendar.yaml")
    # vix_range: [12, 20] -> VIXMinEntry 12, VIXMaxEntry 20
    assert (cfg.entry_rules.vix_min_entry, cfg.entry_rules.vix_max_entry) == (12, 20)
    # time_window: ["11:00", "13:00"] stays a time (not YAML 1.1's base-60 660)
    assert cfg.entry_rules.entry_start_time == time(11, 0)
    assert cfg.entry_rules.entry_end_time == time(13, 0)
    assert cfg.volatility_filter.ivp_min_entry == pytest.approx(0.30)
    (rule,) = cfg.adjustment_rules
    assert isinstance(rule, RollUpRule)
    assert rule.rule_id == "R1"  # the plan gives none: numbered by position
    # trigger: PRICE_MOVE + threshold 0.01 -> price_move_threshold 0.01 (1% of spot)
    assert rule.trigger_conditions == (TriggerKind.PRICE_MOVE,)
    assert rule.price_move_threshold == pytest.approx(0.01)
    assert rule.max_debit_allowed == pytest.approx(0.10)  # max_debit alias
    assert rule.ivp_trigger == pytest.approx(0.80)
    # the calendar builder: sell ATM at 7 DTE, buy ATM at 30 DTE
    assert [(leg.side, leg.expiry_value) for leg in cfg.legs] == [(Side.SELL, 7), (Side.BUY, 30)]


def test_example2_iron_fly_aliases() -> None:
    cfg = _one("plan_example2_aggressive_iron_fly.yaml")
    vf = cfg.volatility_filter
    assert vf.volatility_regime is VolRegime.HIGH
    assert vf.analyze_term_structure is True  # use_term_structure alias
    assert vf.term_structure_type is TermStructureType.BACKWARDATION
    (rule,) = cfg.adjustment_rules
    assert isinstance(rule, ReverseBuyRule)
    assert rule.rule_type is AdjustmentType.REVERSE_BUY
    assert rule.max_debit_allowed == pytest.approx(0.25)  # max_debit_pct alias
    assert rule.volatility_trigger.ivp_drop == pytest.approx(0.20)
    assert cfg.greek_limits.max_position_vega == 1000
    assert cfg.greek_limits.volatility_adjusted is True
    # iron fly built from defaults: 4 legs, wings 4 strike steps out
    methods = [(leg.leg_id, leg.strike_method, leg.strike_value) for leg in cfg.legs]
    assert methods == [("SC", StrikeMethod.ATM, 0), ("SP", StrikeMethod.ATM, 0),
                       ("LC", StrikeMethod.ATM_OFFSET, 4), ("LP", StrikeMethod.ATM_OFFSET, -4)]


def test_example3_every_volatility_field() -> None:
    cfg = _one("plan_example3_dynamic_vol_suite.yaml")
    raw = load_yaml(FIXTURES / "plan_example3_dynamic_vol_suite.yaml")[0]["volatility_filter"]
    dumped = cfg.volatility_filter.model_dump(mode="json")
    # every key the plan wrote arrives with the value it wrote
    for key, value in raw.items():
        assert dumped[key] == value, key
    assert cfg.legs == ()  # CUSTOM subtype builds nothing


def test_warnings_name_not_yet_acted_on_parameters() -> None:
    loaded = load_config(FIXTURES / "plan_example3_dynamic_vol_suite.yaml")
    warned = {p.excel_name for p in loaded.report.warnings}
    names = by_excel_name(Sheet.POSITIONAL)
    for name in ("IVPMinEntry", "IVHVRatioMax", "PositionType"):  # all set by the example
        assert (name in warned) is not is_acted_on(names[name])
    # parameters left at their default are not warned about (ivp_lookback: 252 is the default)
    assert "IVPLookback" not in warned
