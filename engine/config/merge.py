"""The inheritance merge: Global defaults -> Strategy -> Leg -> runtime -> volatility.

Config stage, between the sources (plain dicts) and ``model_validate``. The precedence
is the order of the arguments: later layers win. Mappings merge key by key, at every
depth; anything else (scalars, lists such as ``legs`` or ``adjustment_rules``) is
replaced whole by the later layer. Inputs are never modified.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time
from typing import Any


def merge_layers(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``layers`` left to right into a new dict."""
    out: dict[str, Any] = {}
    for layer in layers:
        _merge_into(out, layer)
    return out


# Values that are neither a mapping nor a list, told apart without the Mapping ABC check
# (slow, and asked once a value of a 10,000-strategy file).
_SCALARS = (str, int, float, type(None), date, time)


def merge_shared(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`merge_layers` for a result only read (validated), not changed: a mapping or
    list that one layer alone gives is shared with that layer rather than copied, and a
    shared mapping is copied only where a later layer merges into it. The same keys and
    values as :func:`merge_layers`, in the same order; inputs are never modified. (The
    loader merges each strategy of a 10,000-strategy file: copying every value of every
    strategy cost more than merging.)"""
    out: dict[str, Any] = {}
    owned: set[int] = {id(out)}
    for layer in layers:
        _merge_shared_into(out, layer, owned)
    return out


def _merge_shared_into(target: dict[str, Any], layer: Mapping[str, Any], owned: set[int]
                       ) -> None:
    for key, value in layer.items():
        if isinstance(value, _SCALARS) or not isinstance(value, dict | Mapping):
            target[key] = value  # scalars, lists and the rest are shared as they are
            continue
        current = target.get(key)
        if isinstance(current, dict):
            if id(current) not in owned:  # another layer's: copy before merging
                current = target[key] = dict(current)
                owned.add(id(current))
            _merge_shared_into(current, value, owned)
        elif type(value) is dict:
            target[key] = value
        else:  # another kind of mapping: a dict of it, as merge_layers gives
            target[key] = merge_layers(value)


def _merge_into(target: dict[str, Any], layer: Mapping[str, Any]) -> None:
    for key, value in layer.items():
        if isinstance(value, _SCALARS):
            target[key] = value
        elif isinstance(value, dict | Mapping):
            current = target.get(key)
            if isinstance(current, dict):
                _merge_into(current, value)
            else:
                fresh: dict[str, Any] = {}
                _merge_into(fresh, value)
                target[key] = fresh
        elif isinstance(value, list):
            target[key] = [_copy(v) for v in value]
        else:
            target[key] = value


def _copy(value: Any) -> Any:
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, dict | Mapping):
        return merge_layers(value)
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def nest(flat: Mapping[tuple[str, ...], Any]) -> dict[str, Any]:
    """``{("a", "b"): 1}`` -> ``{"a": {"b": 1}}`` (how a sheet's rows become a layer)."""
    out: dict[str, Any] = {}
    for path, value in flat.items():
        node = out
        for key in path[:-1]:
            if key in node:  # not setdefault: it builds a dict to throw away every time
                node = node[key]
            else:
                node[key] = node = {}
        node[path[-1]] = value
    return out


def flatten(nested: Mapping[str, Any], prefix: tuple[str, ...] = ()
            ) -> dict[tuple[str, ...], Any]:
    """Inverse of :func:`nest` for mappings (lists stay leaves)."""
    out: dict[tuple[str, ...], Any] = {}
    for key, value in nested.items():
        if isinstance(value, Mapping):
            out.update(flatten(value, (*prefix, key)))
        else:
            out[(*prefix, key)] = value
    return out
