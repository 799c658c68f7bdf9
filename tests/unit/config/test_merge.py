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


def test_merge_shared_gives_what_merge_layers_gives_and_changes_no_input() -> None:
    """The loader's sharing merge: the same keys, values and order as merge_layers, over
    nested mappings, lists and scalars, with no input changed (a shared mapping is copied
    before a later layer merges into it)."""
    import copy

    from engine.config.merge import merge_layers, merge_shared

    base = {"a": 1, "g": {"x": 1, "y": {"deep": 1}}, "legs": [{"side": "SELL"}]}
    mid = {"g": {"y": {"deep": 2, "new": 3}}, "b": "text"}
    top = {"legs": [{"side": "BUY"}], "h": {"only": True}}
    layers = (base, mid, top, {})
    before = copy.deepcopy(layers)
    shared = merge_shared(*layers)
    assert shared == merge_layers(*layers)
    assert list(shared) == list(merge_layers(*layers))
    assert list(shared["g"]["y"]) == ["deep", "new"]
    assert layers == before  # nothing changed
    assert shared["h"] is top["h"] and shared["g"] is not base["g"]  # shared, copied on write
