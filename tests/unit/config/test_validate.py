"""Validation: every problem at once, each with its YAML place and Excel name."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import ConfigError, load_config
from engine.config.checks import strike_step_pts
from engine.config.loader import resolve
from engine.config.paths import Places
from engine.config.raw import RawConfig, RawStrategy
from engine.config.validate import validate_strategy


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _errors(tmp_path: Path, text: str) -> list[str]:
    loaded = load_config(_write(tmp_path, text), strict=False)
    return [str(p) for p in loaded.report.errors]


def test_min_greater_than_max_names_line_and_excel_name(tmp_path: Path) -> None:
    errs = _errors(tmp_path, "strategy_name: A\nvolatility_filter:\n"
                             "  ivp_min_entry: 0.9\n  ivp_max_entry: 0.7\n")
    assert errs == ["s.yaml:3 volatility_filter.ivp_min_entry (IVPMinEntry): "
                    "must be <= IVPMaxEntry (0.7), got 0.9"]


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    errs = _errors(tmp_path, (
        "strategy_name: A\n"
        "position_type: DAILY\n"                 # line 2: unknown enum
        "short_leg_dte: abc\n"                   # line 3: text in a number
        "volatility_filter:\n"
        "  ivp_min_entry: 1.5\n"                 # line 5: out of range
        "  ivp_lookbak: 100\n"                   # line 6: unknown key, near a real one
    ))
    assert errs == [
        "s.yaml:2 position_type (PositionType): must be one of WEEKLY, MONTHLY, CUSTOM, "
        "got 'DAILY'",
        "s.yaml:3 short_leg_dte (ShortLegDTE): expected a whole number, got 'abc'",
        "s.yaml:5 volatility_filter.ivp_min_entry (IVPMinEntry): must be <= 1, got 1.5",
        "s.yaml:6 volatility_filter.ivp_lookbak: unknown parameter 'ivp_lookbak'; "
        "did you mean 'ivp_lookback'?",
    ]


def test_calendar_needs_long_dte_beyond_short(tmp_path: Path) -> None:
    errs = _errors(tmp_path, "strategy_name: A\nstrategy_subtype: CALENDAR_SPREAD\n"
                             "short_leg_dte: 30\nlong_leg_dte: 7\n")
    assert errs == ["s.yaml:4 long_leg_dte (LongLegDTE): must be > ShortLegDTE (30) for a "
                    "calendar spread, got 7"]
    errs = _errors(tmp_path, "strategy_name: A\nstrategy_subtype: CALENDAR_SPREAD\n")
    assert errs == ["s.yaml:1 long_leg_dte (LongLegDTE): a calendar spread needs LongLegDTE"]


def test_wing_width_on_the_strike_grid(tmp_path: Path) -> None:
    # NIFTY strikes are 50 apart: 275 = 5.5 steps is off the grid, 300 = 6 steps is fine
    assert strike_step_pts("NIFTY", None) == 50
    errs = _errors(tmp_path, "strategy_name: A\nstrategy_subtype: IRON_FLY\n"
                             "wing_width_pts: 275\n")
    assert errs == ["s.yaml:3 wing_width_pts (WingWidthPts): must be a multiple of the NIFTY "
                    "strike step (50), got 275"]
    assert _errors(tmp_path, "strategy_name: A\nstrategy_subtype: IRON_FLY\n"
                             "wing_width_pts: 300\n") == []


def test_lookback_at_least_period_and_rule_checks(tmp_path: Path) -> None:
    errs = _errors(tmp_path, (
        "strategy_name: A\n"
        "volatility_filter: {atr_period: 30, atr_lookback: 20}\n"
        "adjustment_rules:\n"
        "  - {type: ROLL_DOWN, rule_id: X, trigger: IVP_CROSS}\n"
        "  - {type: ROLL_DOWN, rule_id: X, allowed_market_hours: ['14:00', '10:00']}\n"
    ))
    assert errs == [
        "s.yaml:2 volatility_filter.atr_lookback (ATRLookback): must be >= ATRPeriod (30), "
        "got 20",
        "s.yaml:4 adjustment_rules[0].trigger (TriggerConditions): trigger IVP_CROSS needs "
        "IVPTrigger",
        "s.yaml:5 adjustment_rules[1].rule_id (RuleID): duplicate RuleID 'X'",
        "s.yaml:5 adjustment_rules[1] -> allowed_start_time (RuleStartTime): must be <= "
        "RuleEndTime (10:00), got 14:00",
    ]


def test_threshold_without_a_single_trigger(tmp_path: Path) -> None:
    errs = _errors(tmp_path, "strategy_name: A\nadjustment_rules:\n"
                             "  - {type: ROLL_UP, threshold: 0.01}\n")
    assert errs == ["s.yaml:3 adjustment_rules[0]: threshold needs exactly one "
                    "trigger (PRICE_MOVE, ...) to say what it measures, got trigger None"]


def test_unknown_rule_type(tmp_path: Path) -> None:
    errs = _errors(tmp_path, "strategy_name: A\nadjustment_rules:\n  - {type: ROLL_SIDEWAYS}\n")
    assert len(errs) == 1
    assert errs[0].startswith("s.yaml:3 adjustment_rules[0]")
    assert "RuleType must be one of ROLL_UP, ROLL_DOWN" in errs[0]
    assert "'type': 'ROLL_SIDEWAYS'" in errs[0]


def test_risk_coherence(tmp_path: Path) -> None:
    errs = _errors(tmp_path, (
        "strategy_name: A\n"
        "backtest: {capital_inr: 100000, lots: 3}\n"
        "position_limits: {max_loss_per_trade_inr: 200000, max_lots: 2}\n"
        "legs: [{leg_id: A, right: CE, side: SELL}, {leg_id: A, right: PE, side: SELL}]\n"
    ))
    assert "s.yaml:3 position_limits.max_loss_per_trade_inr (MaxLossPerTradeINR): must be <= "\
           "CapitalINR (100000), got 200000" in errs
    assert "s.yaml:4 legs[1].leg_id (LegID): duplicate LegID 'A'" in errs
    # backtest lots 3 > MaxLots 2: both legs take it, reported once where it is set (line 2)
    lots = [e for e in errs if "3 lots" in e and "exceed MaxLots (2)" in e]
    assert lots == ["s.yaml:2 backtest.lots (Lots): 3 lots (taken by every leg without its own "
                    "LegLots) exceed MaxLots (2)"]


def test_strict_load_raises_config_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "strategy_name: A\nshort_leg_dte: -1\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "s.yaml:2 short_leg_dte (ShortLegDTE): must be >= 0, got -1" in str(info.value)


def test_regime_overrides_give_one_config_per_regime(tmp_path: Path) -> None:
    path = _write(tmp_path, (
        "strategy_name: A\n"
        "entry_rules: {min_premium: 20}\n"
        "volatility_overrides:\n"
        "  HIGH: {entry_rules: {min_premium: 40}}\n"
        "  LOW: {entry_rules: {min_premium: -1}}\n"
        "  WILD: {}\n"
    ))
    loaded = load_config(path, strict=False)
    from engine.config.enums import VolRegime
    strat = loaded.strategies["A"]
    assert strat.config.entry_rules.min_premium == 20
    assert strat.for_regime(VolRegime.HIGH).entry_rules.min_premium == 40
    assert strat.for_regime(VolRegime.MEDIUM).entry_rules.min_premium == 20
    errs = [str(p) for p in loaded.report.errors]
    assert errs[0].startswith("s.yaml:5 volatility_overrides.LOW")
    assert "MinPremium" in errs[0] and "must be >= 0, got -1" in errs[0]
    assert errs[1].startswith("s.yaml:6 volatility_overrides.WILD: unknown volatility regime")


def test_runtime_overrides_and_duplicates() -> None:
    raw = RawConfig(source="mem", global_defaults={"short_leg_dte": 14},
                    strategies=[RawStrategy("A", "mem:A", {"strategy_name": "A"}),
                                RawStrategy("A", "mem:A2", {"strategy_name": "A"})])
    loaded = resolve(raw, runtime_overrides={"long_leg_dte": 21})
    cfg = loaded.strategies["A"].config
    assert (cfg.short_leg_dte, cfg.long_leg_dte) == (14, 21)
    assert [str(p) for p in loaded.report.errors] == [
        "mem:A2 (StrategyName): duplicate strategy name 'A' (first at mem:A)"]


def test_lookback_sufficiency_warns_against_the_store(mem_store) -> None:  # type: ignore[no-untyped-def]
    # an empty store has 0 daily closes before the start: every enabled lookback warns
    data = {"strategy_name": "A", "backtest": {"start_date": "2024-01-01"},
            "volatility_filter": {"use_hv": False}}
    cfg, problems = validate_strategy(data, Places({}, "mem"), mem_store)
    assert cfg is not None
    lookback = [str(p) for p in problems if "daily closes" in p.message]
    assert lookback == [
        "mem volatility_filter.ivp_lookback (IVPLookback): needs 252 daily closes before "
        "StartDate (2024-01-01); the store has 0 for NIFTY",
        "mem volatility_filter.ivr_lookback (IVRLookback): needs 252 daily closes before "
        "StartDate (2024-01-01); the store has 0 for NIFTY",
        # ATR needs its lookback plus the period that seeds it: 252 + 14 = 266
        "mem volatility_filter.atr_lookback (ATRLookback): needs 266 daily closes before "
        "StartDate (2024-01-01); the store has 0 for NIFTY",
    ]


def test_yaml_syntax_error_and_empty_file(tmp_path: Path) -> None:
    errs = _errors(tmp_path, "strategy_name: A\n  bad: [\n")
    assert len(errs) == 1 and errs[0].startswith("s.yaml:")
    assert "not valid YAML" in errs[0]
    assert _errors(tmp_path, "") == [f"{tmp_path / 's.yaml'}: no strategies found"]


def test_rules_without_conditions_warn_only_when_they_cannot_fire(tmp_path: Path) -> None:
    from engine.config.loader import load_config

    path = tmp_path / "r.yaml"
    path.write_text(
        "strategy_name: A\nstrategy_subtype: IRON_FLY\nadjustment_rules:\n"
        "  - {rule_id: H, rule_type: DYNAMIC_HEDGE, delta_band: 40}\n"
        "  - {rule_id: U, rule_type: ROLL_UP, price_move_threshold: 0.01}\n"
        "  - {rule_id: X, rule_type: ROLL_UP}\n")
    warnings = [str(p) for p in load_config(path).report.warnings if "never fires" in str(p)]
    # the hedge fires on its delta band and U on its price move; only X can never fire
    assert warnings == ["r.yaml:6 adjustment_rules[2] -> trigger_conditions (TriggerConditions): "
                        "rule has no trigger conditions (and no PriceMoveThreshold); it never fires"]


def test_an_unused_lookback_gets_no_message(tmp_path: Path) -> None:
    # HVLookback 25 < HVPeriod 30 only matters when the HV filter is on (UseHV)
    off = "strategy_name: A\nvolatility_filter: {use_hv: false, hv_period: 30, hv_lookback: 20}\n"
    assert _errors(tmp_path, off.replace("hv_lookback: 20", "hv_lookback: 25")) == []
    on = off.replace("use_hv: false", "use_hv: true").replace("hv_lookback: 20", "hv_lookback: 25")
    assert _errors(tmp_path, on) == [
        "s.yaml:2 volatility_filter.hv_lookback (HVLookback): must be >= HVPeriod (30), got 25"]
