"""YAML source: strategy files in the plan's key names, read into plain dicts with lines.

Config stage (a source; the loader merges and validates). A file holds one strategy
mapping (as in the plan's examples), a list of them, or a mapping with
``global_defaults:`` and ``strategies:``; several ``---`` documents are read in turn.
Each strategy may carry ``volatility_overrides: {HIGH: {...}}``. Reading goes through
:mod:`engine.yaml_text`: times such as 11:00 stay text, alias expansion and nesting are
bounded, merge keys (``<<: *base``) work and a duplicate key is an error with its line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.config.paths import Key, dotted_path
from engine.config.problems import Problem
from engine.config.raw import PlaceMap, RawConfig, RawStrategy, SweepRow, only_defaults
from engine.yaml_text import Built, YamlInputError, documents, read_text, root_entry_shapes


def _places(doc: Built, where: str) -> PlaceMap:
    """Every key path's place: ``file:line dotted.path``."""
    out: PlaceMap = {}
    for path, line in doc.lines.items():
        dotted = dotted_path(path)
        out[path] = f"{where}:{line}" + (f" {dotted}" if dotted else "")
    return out


def _split(places: PlaceMap, prefix: tuple[Key, ...]) -> dict[Key, PlaceMap]:
    """The places under ``prefix + (i,)`` for every ``i``, keyed by ``i``, in one pass
    (one ``_sub`` per strategy was quadratic in the number of strategies)."""
    n = len(prefix)
    out: dict[Key, PlaceMap] = {}
    for path, place in places.items():
        if len(path) > n and path[:n] == prefix:
            out.setdefault(path[n], {})[path[n + 1:]] = place
    return out


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
    """Read a YAML config file into a :class:`RawConfig` (a PosbtError-free read: syntax
    errors, unreadable bytes, alias bombs, duplicate keys become problems with their line)."""
    raw = RawConfig(source=str(path))
    try:
        docs = documents(read_text(path), path.name)
    except YamlInputError as exc:
        raw.problems.append(Problem(exc.place or path.name, exc.message))
        return raw
    for doc in docs:
        seen: set[tuple[int, str]] = set()
        for line, message in doc.duplicates:
            if (line, message) not in seen:  # a merged base is built once per merge
                seen.add((line, message))
                raw.problems.append(Problem(f"{path.name}:{line}", message))
        data, places = doc.value, _places(doc, path.name)
        where = places.get((), path.name)
        if isinstance(data, dict) and "sweep" in data:
            data = dict(data)
            _sweep_block(data.pop("sweep"), places, where, raw)
        if isinstance(data, dict) and "strategies" in data:
            defaults = data.get("global_defaults") or {}
            if not isinstance(defaults, dict):
                raw.problems.append(Problem(places.get(("global_defaults",), where),
                                            "global_defaults must be a mapping of parameters"))
                defaults = {}
            raw.global_defaults = dict(defaults)
            raw.global_places = _sub(places, ("global_defaults",))
            items = data["strategies"] or []
            if not isinstance(items, list):
                raw.problems.append(Problem(places.get(("strategies",), where),
                                            "strategies must be a list of strategy mappings"))
                continue
            subs = _split(places, ("strategies",))
            for i, item in enumerate(items):
                sub = subs.get(i, {})
                _strategy(item, sub, sub.get((), where), raw)
        elif isinstance(data, list):
            subs = _split(places, ())
            for i, item in enumerate(data):
                sub = subs.get(i, {})
                _strategy(item, sub, sub.get((), where), raw)
        else:
            _strategy(data, places, where, raw)
    _custom_without_legs(raw)
    return raw


def has_sweep_block(path: Path) -> bool:
    """Whether :func:`read_yaml` of ``path`` would find sweep rows or a bad ``sweep:`` block
    (``raw.sweep or raw.sweep_problems``), from the YAML events alone: a 10,000-strategy
    file answers in a tenth of the time of reading it. Files only a full read can judge
    (a merge at the root or in the block, an aliased block, broken YAML) are read in full.
    One place it answers otherwise, by design: a valid YAML file with a block that the full
    read refuses as a whole (an impossible date, an alias bomb, an unsafe tag elsewhere in
    it) answers True, so the job runs and names that problem at its line, where the full
    read's empty answer would give a 422 saying the file has no block."""
    try:
        text = read_text(path)
    except YamlInputError:
        return False
    shapes = root_entry_shapes(text, "sweep")
    if shapes is None:
        raw = read_yaml(path)
        return bool(raw.sweep or raw.sweep_problems)
    return any(shape != "empty" for shape in shapes)


def _sweep_block(block: Any, places: PlaceMap, where: str, raw: RawConfig) -> None:
    """``sweep:`` maps a parameter (Excel name or YAML path) to its values: a list
    ``[200, 400]``, a text ``"200,400"`` or a range ``"200:600:100"`` (read by ``posbt
    sweep`` when no ``--param`` is given; other commands ignore it)."""
    here = places.get(("sweep",), where)
    if not isinstance(block, dict):
        raw.sweep_problems.append(Problem(here, "sweep: must map each parameter to its values "
                                    "(a list [200, 400] or a range \"200:600:100\")"))
        return
    for key, value in block.items():
        place = places.get(("sweep", key), here)
        if isinstance(value, list):
            spec = ",".join("" if v is None else str(v) for v in value)
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            spec = str(value)
        elif isinstance(value, bool):
            spec = "TRUE" if value else "FALSE"
        else:
            raw.sweep_problems.append(Problem(place, f"sweep: {key} takes a list [200, 400] or a "
                                        "range \"200:600:100\""))
            continue
        raw.sweep.append(SweepRow(str(key), spec, place, place))


def _custom_without_legs(raw: RawConfig) -> None:
    """A strategy that says ``strategy_subtype: CUSTOM`` takes its legs from ``legs``:
    none is an error at that line, as on the workbook's StrategySubtype cell (a strategy
    holding nothing but defaults, such as the empty template converted, a warning). One
    that names no subtype is left to the run ("the strategy has no legs"): partial files
    of a few parameters are common."""
    for strat in raw.strategies:
        subtype = strat.layer.get("strategy_subtype")
        if str(subtype).strip().upper() != "CUSTOM" or strat.layer.get("legs"):
            continue
        raw.problems.append(Problem(
            strat.places.get(("strategy_subtype",), strat.origin),
            "a CUSTOM strategy needs its legs (a legs: list); it cannot run",
            severity="warning" if only_defaults(strat.layer) else "error"))


def load_yaml(path: Path) -> list[dict[str, Any]]:
    """The strategy mappings of a YAML file as plain dicts (no merge, no validation)."""
    return [s.layer for s in read_yaml(Path(path)).strategies]
