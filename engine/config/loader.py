"""Loading: source -> dicts -> merge -> validate once -> validated configs with a report.

Config stage, the entry point the CLI and the engine call. For each strategy the layers
are merged in the order Global defaults -> Strategy -> Leg -> runtime overrides, then
validated once; each volatility regime's overrides are merged on top of that and
validated again, giving one config per regime.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.config.enums import VolRegime
from engine.config.merge import merge_layers, merge_shared
from engine.config.models.strategy import StrategyConfig
from engine.config.paths import Places
from engine.config.problems import ConfigError, Problem, ValidationReport
from engine.config.raw import RawConfig, RawStrategy
from engine.config.validate import validate_strategy
from engine.data.store import Store
from engine.errors import PosbtError


@dataclass(frozen=True)
class ResolvedStrategy:
    """A validated strategy and its per-regime variants."""

    config: StrategyConfig
    by_regime: Mapping[VolRegime, StrategyConfig] = field(default_factory=dict)

    def for_regime(self, regime: VolRegime) -> StrategyConfig:
        """The config to use while ``regime`` holds (the base config when none is set)."""
        return self.by_regime.get(regime, self.config)


@dataclass
class LoadedConfig:
    """Every strategy that validated, and the report of every problem found."""

    strategies: dict[str, ResolvedStrategy]
    report: ValidationReport

    def configs(self) -> list[StrategyConfig]:
        return [s.config for s in self.strategies.values()]


def _places(raw: RawConfig, strat: RawStrategy) -> Places:
    places = Places(raw.global_places, strat.origin)
    places.update(Places(strat.places, strat.origin))
    return places


def _one(raw: RawConfig, strat: RawStrategy, runtime: Mapping[str, Any],
         store: Store | None, report: ValidationReport) -> ResolvedStrategy | None:
    places = _places(raw, strat)
    merged = merge_shared(raw.global_defaults, strat.layer, strat.leg_layer, runtime)
    cfg, problems = validate_strategy(merged, places, store)
    report.extend(problems)
    if cfg is None:
        return None
    by_regime: dict[VolRegime, StrategyConfig] = {}
    for name, override in strat.regime_overrides.items():
        where = places.find(("volatility_overrides", name))
        try:
            regime = VolRegime(name)
        except ValueError:
            report.add(where, f"unknown volatility regime {name!r}; use one of "
                       + ", ".join(r.value for r in VolRegime if r is not VolRegime.ANY))
            continue
        if not isinstance(override, Mapping):
            report.add(where, "regime overrides must be a mapping of parameters")
            continue
        sub = Places({k[2:]: v for k, v in strat.places.items()
                      if k[:2] == ("volatility_overrides", name)}, where)
        regime_cfg, regime_problems = validate_strategy(merge_layers(merged, override), sub)
        report.extend([p for p in regime_problems if p.severity == "error"])
        if regime_cfg is not None:
            by_regime[regime] = regime_cfg
    return ResolvedStrategy(cfg, by_regime)


def resolve(raw: RawConfig, runtime_overrides: Mapping[str, Any] | None = None,
            store: Store | None = None) -> LoadedConfig:
    """Merge and validate every strategy of ``raw``; all problems go to the report."""
    report = ValidationReport(list(raw.problems))
    out: dict[str, ResolvedStrategy] = {}
    seen: dict[str, str] = {}
    for strat in raw.strategies:
        if strat.name in seen:
            report.add(strat.origin, f"duplicate strategy name {strat.name!r} "
                       f"(first at {seen[strat.name]})", "StrategyName")
            continue
        seen[strat.name] = strat.origin
        resolved = _one(raw, strat, runtime_overrides or {}, store, report)
        if resolved is not None:
            out[strat.name] = resolved
    if not raw.strategies and not raw.problems:
        report.add(raw.source, "no strategies found")
    return LoadedConfig(out, report)


def _is_yaml(path: Path) -> bool:
    """True for a .yaml/.yml config, False for an .xlsx/.xlsm one; a missing file or another
    suffix is a PosbtError naming the file."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise PosbtError("file not found", place=str(path))
    if suffix in (".yaml", ".yml", ".xlsx", ".xlsm"):
        return suffix in (".yaml", ".yml")
    raise PosbtError(f"unknown config file type {suffix!r}; use .xlsx or .yaml",
                     place=str(path))


def read_source(path: Path) -> RawConfig:
    """Read ``path`` with the source its suffix names (.yaml/.yml or .xlsx/.xlsm)."""
    if _is_yaml(path):
        from engine.config.yaml_source import read_yaml
        return read_yaml(path)
    from engine.config.workbook_source import read_workbook
    book: RawConfig = read_workbook(path)
    return book


def has_sweep(path: Path) -> bool:
    """Whether ``path`` holds Sweep sheet rows (a YAML ``sweep:`` block), or a bad one that
    ``posbt sweep`` will name: ``read_source(path).sweep or .sweep_problems``, reading
    only that part of the file. Raises what :func:`read_source` raises for a missing or
    unknown file."""
    if _is_yaml(path):
        from engine.config.yaml_source import has_sweep_block
        return has_sweep_block(path)
    from engine.config.workbook_source import has_sweep_rows
    return has_sweep_rows(path)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a config is read: reading builds millions
    of small dicts, and each full collection walks all of them again, which made a
    10,000-strategy file grow faster than linearly (the data holds no cycles to collect)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_config(path: Path, runtime_overrides: Mapping[str, Any] | None = None,
                store: Store | None = None, *, strict: bool = True) -> LoadedConfig:
    """Load, merge and validate a config file; with ``strict`` raise :class:`ConfigError`
    listing every error when any strategy is invalid."""
    with _gc_paused():
        loaded = resolve(read_source(Path(path)), runtime_overrides, store)
    if strict:
        loaded.report.raise_if_errors()
    return loaded


__all__ = ["ConfigError", "LoadedConfig", "Problem", "ResolvedStrategy", "load_config",
           "resolve"]
