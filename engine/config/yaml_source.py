"""YAML source: strategy files in the plan's key names, read into plain dicts with lines.

Config stage (a source; the loader merges and validates). A file holds one strategy
mapping (as in the plan's examples), a list of them, or a mapping with
``global_defaults:`` and ``strategies:``; several ``---`` documents are read in turn.
Each strategy may carry ``volatility_overrides: {HIGH: {...}}``. Times such as 11:00
stay text (YAML 1.1 would read them as the base-60 number 660).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from engine.config.paths import Key, dotted_path
from engine.config.problems import Problem
from engine.config.raw import PlaceMap, RawConfig, RawStrategy

_INT = re.compile(r"""^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$""")
_FLOAT = re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)
    |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+)$""", re.X)


class _Loader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1's base-60 numbers."""


_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers
         if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))


def _build(node: Node, path: tuple[Key, ...], where: str, places: PlaceMap,
           loader: _Loader) -> Any:
    dotted = dotted_path(path)
    places[path] = f"{where}:{node.start_mark.line + 1}" + (f" {dotted}" if dotted else "")
    if isinstance(node, MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(loader.construct_object(key_node))
            out[key] = _build(value_node, (*path, key), where, places, loader)
        return out
    if isinstance(node, SequenceNode):
        return [_build(v, (*path, i), where, places, loader) for i, v in enumerate(node.value)]
    assert isinstance(node, ScalarNode)
    return loader.construct_object(node)


def _documents(path: Path) -> list[tuple[Any, PlaceMap]]:
    text = path.read_text(encoding="utf-8")
    loader = _Loader(text)
    docs: list[tuple[Any, PlaceMap]] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            places: PlaceMap = {}
            if node is not None:
                docs.append((_build(node, (), path.name, places, loader), places))
    finally:
        loader.dispose()
    return docs


def _sub(places: PlaceMap, prefix: tuple[Key, ...]) -> PlaceMap:
    n = len(prefix)
    return {k[n:]: v for k, v in places.items() if k[:n] == prefix}


def _strategy(data: Any, places: PlaceMap, where: str, raw: RawConfig) -> None:
    if not isinstance(data, dict):
        raw.problems.append(Problem(where, "a strategy must be a mapping of parameters"))
        return
    data = dict(data)
    overrides = data.pop("volatility_overrides", None) or {}
    if not isinstance(overrides, dict):
        raw.problems.append(Problem(where, "volatility_overrides must map a regime "
                                    "(LOW, MEDIUM, HIGH, EXTREME) to parameters"))
        overrides = {}
    name = str(data.get("strategy_name", f"strategy at {where}"))
    raw.strategies.append(RawStrategy(
        name=name, origin=where, layer=data, places=places,
        regime_overrides={str(k).upper(): v for k, v in overrides.items()}))


def read_yaml(path: Path) -> RawConfig:
    """Read a YAML config file into a :class:`RawConfig` (a PosbtError-free read: YAML
    syntax errors become problems with their line)."""
    raw = RawConfig(source=str(path))
    try:
        docs = _documents(path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raw.problems.append(Problem(f"{path.name}{line}", f"not valid YAML: {exc}"))
        return raw
    for data, places in docs:
        where = places.get((), path.name)
        if isinstance(data, dict) and "strategies" in data:
            raw.global_defaults = dict(data.get("global_defaults") or {})
            raw.global_places = _sub(places, ("global_defaults",))
            items = data["strategies"] or []
            for i, item in enumerate(items):
                sub = _sub(places, ("strategies", i))
                _strategy(item, sub, sub.get((), where), raw)
        elif isinstance(data, list):
            for i, item in enumerate(data):
                sub = _sub(places, (i,))
                _strategy(item, sub, sub.get((), where), raw)
        else:
            _strategy(data, places, where, raw)
    return raw


def load_yaml(path: Path) -> list[dict[str, Any]]:
    """The strategy mappings of a YAML file as plain dicts (no merge, no validation)."""
    return [s.layer for s in read_yaml(Path(path)).strategies]
