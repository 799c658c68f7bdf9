"""config stage of the posbt engine: every parameter as a frozen pydantic model, the
sources (workbook, YAML) that produce plain dicts, the inheritance merge, validation
with places, and the parameter registry (Excel name <-> field path).

Public entry points: :func:`load_config`, :func:`merge_layers`, :class:`StrategyConfig`,
:class:`ValidationReport` / :class:`ConfigError`, and the registry in
:mod:`engine.config.registry`.
"""

from engine.config.loader import LoadedConfig, ResolvedStrategy, load_config, resolve
from engine.config.merge import merge_layers
from engine.config.models.adjustments import AdjustmentRule, AdjustmentRuleBase
from engine.config.models.legs import LegConfig
from engine.config.models.strategy import StrategyConfig
from engine.config.problems import ConfigError, Problem, ValidationReport

__all__ = [
    "AdjustmentRule",
    "AdjustmentRuleBase",
    "ConfigError",
    "LegConfig",
    "LoadedConfig",
    "Problem",
    "ResolvedStrategy",
    "StrategyConfig",
    "ValidationReport",
    "load_config",
    "merge_layers",
    "resolve",
]
