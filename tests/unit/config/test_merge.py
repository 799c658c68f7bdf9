"""merge_layers: later layers win, mappings merge at every depth, lists are replaced."""

from __future__ import annotations

from engine.config.merge import flatten, merge_layers, nest


def test_precedence_of_the_five_layers() -> None:
    global_defaults = {"volatility_filter": {"ivp_lookback": 252, "ivp_min_entry": 0.1}}
    strategy = {"strategy_name": "S", "volatility_filter": {"ivp_min_entry": 0.3}}
    leg = {"legs": [{"leg_id": "A"}]}
    runtime = {"volatility_filter": {"ivp_max_entry": 0.8}}
    regime = {"volatility_filter": {"ivp_min_entry": 0.5}, "legs": [{"leg_id": "B"}]}
    merged = merge_layers(global_defaults, strategy, leg, runtime, regime)
    assert merged == {
        "strategy_name": "S",
        # 252 from global, 0.1 -> 0.3 (strategy) -> 0.5 (regime), 0.8 from runtime
        "volatility_filter": {"ivp_lookback": 252, "ivp_min_entry": 0.5, "ivp_max_entry": 0.8},
        "legs": [{"leg_id": "B"}],  # a list is replaced whole, not merged by index
    }


def test_inputs_are_not_modified() -> None:
    a = {"x": {"y": 1}, "l": [{"k": 1}]}
    b = {"x": {"z": 2}}
    merged = merge_layers(a, b)
    merged["x"]["y"] = 99
    merged["l"][0]["k"] = 99
    assert a == {"x": {"y": 1}, "l": [{"k": 1}]}
    assert b == {"x": {"z": 2}}


def test_none_in_a_later_layer_overrides() -> None:
    assert merge_layers({"a": 1}, {"a": None}) == {"a": None}


def test_nest_and_flatten_are_inverse() -> None:
    flat = {("a", "b"): 1, ("a", "c"): 2, ("d",): [1, 2]}
    assert nest(flat) == {"a": {"b": 1, "c": 2}, "d": [1, 2]}
    assert flatten(nest(flat)) == flat
