"""What every source produces: plain dicts plus where each value came from (config stage).

Sources (YAML, workbook) never build models; they give a :class:`RawConfig` whose
layers the loader merges and validates. Places map a raw key path (as in the dict) to a
location string such as ``book.xlsx PositionalParameter!F7`` or ``strat.yaml:12``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.config.paths import Key
from engine.config.problems import Problem

PlaceMap = dict[tuple[Key, ...], str]


@dataclass
class RawStrategy:
    """One strategy's own layer, leg layer and volatility-regime overrides."""

    name: str
    origin: str
    layer: dict[str, Any]
    places: PlaceMap = field(default_factory=dict)
    leg_layer: dict[str, Any] = field(default_factory=dict)
    regime_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class RawConfig:
    """Everything a source read: global defaults, strategies, and structural problems."""

    source: str
    global_defaults: dict[str, Any] = field(default_factory=dict)
    global_places: PlaceMap = field(default_factory=dict)
    strategies: list[RawStrategy] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
