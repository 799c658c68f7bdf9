"""What every source produces: plain dicts plus where each value came from (config stage).

Sources (YAML, workbook) never build models; they give a :class:`RawConfig` whose
layers the loader merges and validates. Places map a raw key path (as in the dict) to a
location string such as ``book.xlsx PositionalParameter!F7`` or ``strat.yaml:12``.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any

from engine.config.paths import Key
from engine.config.problems import Problem

PlaceMap = MutableMapping[tuple[Key, ...], str]  # a dict, or a lazy map


@dataclass
class RawStrategy:
    """One strategy's own layer, leg layer and volatility-regime overrides."""

    name: str
    origin: str
    layer: dict[str, Any]
    places: PlaceMap = field(default_factory=dict)
    leg_layer: dict[str, Any] = field(default_factory=dict)
    regime_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)


SWEEP_SETTINGS = ("strategy", "samples", "seed", "workers")  # Sweep sheet rows, not parameters


@dataclass(frozen=True)
class SweepRow:
    """One swept parameter as a source gives it (``posbt sweep`` without ``--param``): the
    name and the values' text, with the place of each (a Sweep sheet's A and B cells, or a
    ``sweep:`` block's line)."""

    name: str
    spec: str
    name_place: str
    spec_place: str


@dataclass
class RawConfig:
    """Everything a source read: global defaults, strategies, and structural problems."""

    source: str
    global_defaults: dict[str, Any] = field(default_factory=dict)
    global_places: PlaceMap = field(default_factory=dict)
    strategies: list[RawStrategy] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sweep: list[SweepRow] = field(default_factory=list)
    sweep_problems: list[Problem] = field(default_factory=list)  # only posbt sweep reads them
    # the Sweep sheet's setting rows (Strategy, Samples, Seed, Workers): key -> (text, place)
    sweep_settings: dict[str, tuple[str, str]] = field(default_factory=dict)


def only_defaults(layer: dict[str, Any]) -> bool:
    """True when every PositionalParameter value of ``layer`` (its name aside) is the
    parameter's default, as the template writes it."""
    from engine.config.layout import to_cell
    from engine.config.registry import Sheet, by_excel_name

    for p in by_excel_name(Sheet.POSITIONAL).values():
        if p.path == ("strategy_name",):
            continue
        node: Any = layer
        for key in p.path:
            if not isinstance(node, dict) or key not in node:
                node = _ABSENT
                break
            node = node[key]
        if node is _ABSENT:
            continue
        default = to_cell(p.default)
        if node != default and str(node).strip().upper() != str(default).strip().upper():
            return False
    return True


_ABSENT = object()
