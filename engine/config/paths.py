"""From a raw key path (YAML keys, aliases, pydantic error locations) to a parameter.

Config stage, used to name places and Excel names in messages. A raw path may use
aliases (``type``, ``use_term_structure``) and list indices (``legs``, 0, ...); pydantic
adds the rule type as a tag inside ``adjustment_rules``. :func:`canonical` turns it into
the sheet and canonical field path the registry knows.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from functools import cache, lru_cache
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from engine.config.enums import AdjustmentType
from engine.config.meta import field_meta
from engine.config.models.adjustments import RULE_TYPES
from engine.config.models.base import ConfigModel
from engine.config.models.legs import LegConfig
from engine.config.models.strategy import StrategyConfig
from engine.config.registry import Sheet, excel_name_of

Key = str | int
_TAGS = {t.value for t in AdjustmentType}


@cache
def _names(model: type[BaseModel]) -> dict[str, str]:
    """Field name and every alias -> field name."""
    out: dict[str, str] = {}
    for name, info in model.model_fields.items():
        out[name] = name
        for alias in field_meta(info).aliases:
            out[alias] = name
    return out


def known_keys(model: type[BaseModel]) -> list[str]:
    """Keys a mapping for ``model`` may hold (for did-you-mean hints)."""
    return sorted(_names(model))


def _nested_model(model: type[BaseModel], name: str) -> type[BaseModel] | None:
    ann = model.model_fields[name].annotation
    if get_origin(ann) in (Union, types.UnionType):
        args = [a for a in get_args(ann) if a is not type(None)]
        ann = args[0] if len(args) == 1 else None
    return ann if isinstance(ann, type) and issubclass(ann, ConfigModel) else None


def _rule_names() -> dict[str, str]:
    out: dict[str, str] = {}
    for model in RULE_TYPES.values():
        out.update(_names(model))
    return out


def canonical(raw: tuple[Key, ...]) -> tuple[Sheet, tuple[str, ...]]:
    """The sheet and canonical field path that ``raw`` points at (as far as it resolves)."""
    keys = [k for k in raw if not (isinstance(k, str) and k in _TAGS)]
    if len(keys) >= 2 and keys[0] == "legs" and isinstance(keys[1], int):
        return Sheet.LEG, _resolve(LegConfig, keys[2:])
    if len(keys) >= 2 and keys[0] == "adjustment_rules" and isinstance(keys[1], int):
        rest = keys[2:]
        if not rest:
            return Sheet.ADJUSTMENT, ()
        head = _rule_names().get(str(rest[0]), str(rest[0]))
        if head == "volatility_trigger":
            from engine.config.models.adjustments import VolatilityTrigger
            return Sheet.ADJUSTMENT, (head, *_resolve(VolatilityTrigger, rest[1:]))
        return Sheet.ADJUSTMENT, (head,)
    return Sheet.POSITIONAL, _resolve(StrategyConfig, keys)


def _resolve(model: type[BaseModel] | None, keys: list[Any]) -> tuple[str, ...]:
    out: list[str] = []
    for key in keys:
        if model is None or not isinstance(key, str):
            break
        name = _names(model).get(key)
        if name is None:
            out.append(key)
            break
        out.append(name)
        model = _nested_model(model, name)
    return tuple(out)


def excel_name_for(raw: tuple[Key, ...]) -> str | None:
    """The Excel name of the parameter ``raw`` points at, if it is one."""
    sheet, path = canonical(raw)
    return excel_name_of(sheet, path) if path else None


def dotted_path(path: tuple[Key, ...]) -> str:
    """``("legs", 2, "side")`` -> ``"legs[2].side"``."""
    out = ""
    for key in path:
        if isinstance(key, int):
            out += f"[{key}]"
        else:
            out += f".{key}" if out else key
    return out


@lru_cache(maxsize=1 << 16)
def _canon_key(path: tuple[Key, ...]) -> tuple[Any, ...]:
    """``path``'s sheet, first index and canonical field path (cached: every strategy of a
    big file asks for the same few hundred paths)."""
    sheet, canon = canonical(path)
    index = [k for k in path if isinstance(k, int)][:1]
    return (sheet, *index, *canon)


class Places:
    """Where each raw key path came from; finds the nearest known place for any path.

    The canonical index (aliases resolved) is built on the first lookup that needs it:
    most strategies of a big file have no problem to place, and building it for each
    cost more than validating them."""

    def __init__(self, places: Mapping[tuple[Key, ...], str], default: str) -> None:
        """``places`` is kept, not copied (a big file has millions): do not change it
        afterwards."""
        self.default = default
        self._layers = [places]  # each layer's own places, in update order
        self._canon_index: dict[tuple[Any, ...], str] | None = None

    @staticmethod
    def _canon_key(path: tuple[Key, ...]) -> tuple[Any, ...]:
        return _canon_key(path)

    @property
    def _canon(self) -> dict[tuple[Any, ...], str]:
        """Canonical path -> place: within a layer the first path wins, a later layer's
        places win over an earlier one's."""
        if self._canon_index is None:
            index: dict[tuple[Any, ...], str] = {}
            for layer in self._layers:
                own: dict[tuple[Any, ...], str] = {}
                for path, place in layer.items():
                    own.setdefault(_canon_key(path), place)
                index.update(own)
            self._canon_index = index
        return self._canon_index

    def update(self, other: Places) -> None:
        """Later layers' places win for the paths they define."""
        self._layers.extend(other._layers)  # never changed once made, so shared
        self._canon_index = None

    def _exact(self, path: tuple[Key, ...]) -> str | None:
        """The place the last layer that has ``path`` gives it."""
        for layer in reversed(self._layers):
            found = layer.get(path)
            if found is not None:
                return found
        return None

    def find(self, path: tuple[Key, ...]) -> str:
        """The place of ``path``, else of its nearest ancestor, else the default."""
        path = tuple(k for k in path if not (isinstance(k, str) and k in _TAGS))
        for n in range(len(path), 0, -1):
            found = self._exact(path[:n]) or self._canon.get(_canon_key(path[:n]))
            if found is not None:
                return found if n == len(path) else f"{found} -> {dotted_path(path[n:])}"
        return f"{self.default} {dotted_path(path)}" if path else self.default


def model_at(raw: tuple[Key, ...]) -> type[BaseModel] | None:
    """The model whose mapping sits at ``raw`` (for did-you-mean hints), if known."""
    keys: list[Any] = list(raw)
    model: type[BaseModel] | None = StrategyConfig
    if len(keys) >= 2 and keys[0] in ("legs", "adjustment_rules") and isinstance(keys[1], int):
        if keys[0] == "legs":
            model, keys = LegConfig, keys[2:]
        else:
            tag = keys[2] if len(keys) > 2 else None
            model = RULE_TYPES.get(AdjustmentType(tag)) if tag in _TAGS else None
            keys = keys[3:]
    for key in keys:
        if model is None or not isinstance(key, str):
            return None
        name = _names(model).get(key)
        model = _nested_model(model, name) if name else None
    return model
