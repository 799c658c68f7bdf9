"""The "accepted, not yet acted on" warnings read the config's attributes; these tests check
them against pydantic's own JSON dump of the same config (the form the messages show)."""

from __future__ import annotations

import copy
from typing import Any

from engine.config.examples import template_strategies
from engine.config.models.strategy import StrategyConfig
from engine.config.paths import Places
from engine.config.registry import Sheet, params
from engine.config.validate import _not_acted_on, _unacted


def _config(**layer: Any) -> StrategyConfig:
    base = copy.deepcopy(template_strategies()["Demo_IronFly_Adjusted"])
    for key, value in layer.items():
        if isinstance(value, dict):
            base.setdefault(key, {}).update(value)
        else:
            base[key] = value
    return StrategyConfig.model_validate(base)


def _from_dump(cfg: StrategyConfig) -> list[tuple[str, str]]:
    """(Excel name, message) of each warning, computed from ``model_dump(mode="json")``."""
    dumped = cfg.model_dump(mode="json")
    out = []
    for p, default in _unacted(Sheet.POSITIONAL):
        node: Any = dumped
        for key in p.path:
            node = node[key]
        changed = ([str(x) for x in node] != [str(x) for x in default]
                   if isinstance(node, list) else node != default)
        if changed:
            out.append((p.excel_name, node))
    for sheet, key in ((Sheet.LEG, "legs"), (Sheet.ADJUSTMENT, "adjustment_rules")):
        for row in dumped[key]:
            for p, default in _unacted(sheet):
                node = row
                for part in p.path:
                    node = node.get(part) if isinstance(node, dict) else None
                    if node is None:
                        break
                if node is not None and node != default:
                    out.append((p.excel_name, node))
    return [(name, "accepted, not yet acted on by the engine (set to "
             f"{repr(value) if isinstance(value, str) else value})") for name, value in out]


def _warnings(cfg: StrategyConfig) -> list[tuple[str, str]]:
    return [(str(p.excel_name), p.message) for p in _not_acted_on(cfg, Places({}, "here"))]


def test_a_template_strategy_set_to_defaults_has_no_warning() -> None:
    cfg = _config()
    assert _warnings(cfg) == [] == _from_dump(cfg)


def test_every_kind_of_value_shows_as_the_json_dump_does() -> None:
    # one changed value of every kind nothing acts on yet: bool, int, float, None -> float,
    # enum, DYNAMIC -> number, a tuple of names, and a rule's nested trigger
    rules = copy.deepcopy(template_strategies()["Demo_IronFly_Adjusted"]["adjustment_rules"])
    rules[0]["volatility_trigger"] = {"ivr_drop": 0.25}
    rules[1]["volatility_adjusted_sizing"] = True
    cfg = _config(
        volatility_filter={"use_hv": False, "hv_lookback": 100, "skew_threshold": 0.07},
        greek_limits={"max_portfolio_delta": 150.0},
        breakeven_config={"calculation_method": "MONTE_CARLO", "upper_target": 120.0,
                          "be_buffer_type": "PERCENTAGE"},
        performance={"track_metrics": ["sharpe", "win_rate"]},
        adjustment_rules=rules)
    got = _warnings(cfg)
    names = {p.path: p.excel_name for p in params(Sheet.POSITIONAL)}
    assert (names[("volatility_filter", "use_hv")],
            "accepted, not yet acted on by the engine (set to False)") in got
    assert (names[("breakeven_config", "calculation_method")],
            "accepted, not yet acted on by the engine (set to 'MONTE_CARLO')") in got
    assert (names[("performance", "track_metrics")],
            "accepted, not yet acted on by the engine (set to ['sharpe', 'win_rate'])") in got
    assert (names[("breakeven_config", "upper_target")],
            "accepted, not yet acted on by the engine (set to 120.0)") in got
    assert len(got) == 10  # 8 positional values and 2 rule values, each once
    assert got == _from_dump(cfg)


def test_every_template_strategy_agrees_with_the_dump() -> None:
    for layer in template_strategies().values():
        cfg = StrategyConfig.model_validate(copy.deepcopy(layer))
        assert _warnings(cfg) == _from_dump(cfg)
