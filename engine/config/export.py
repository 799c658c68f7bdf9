"""Writing configs back out: YAML text and config workbooks (config stage, an output).

``workbook -> YAML -> workbook`` loses nothing: YAML keeps every value that differs from
its default (defaults come back from the models), and the workbook writes every value.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from engine.config.layout import config_sheets
from engine.config.models.strategy import StrategyConfig
from engine.errors import PosbtError


def to_plain(cfg: StrategyConfig) -> dict[str, Any]:
    """The strategy as a plain dict of non-default values (plus its name)."""
    data = cfg.model_dump(mode="json", exclude_defaults=True)
    data = {"strategy_name": cfg.strategy_name, **data}
    if cfg.adjustment_rules:  # rule_type is required; keep it even when dumped as default
        data["adjustment_rules"] = [
            {"rule_type": r.rule_type.value,
             **r.model_dump(mode="json", exclude_defaults=True)}
            for r in cfg.adjustment_rules]
    return data


def to_yaml(configs: Sequence[StrategyConfig]) -> str:
    """YAML text of ``configs`` (a ``strategies:`` list)."""
    return yaml.safe_dump({"strategies": [to_plain(c) for c in configs]}, sort_keys=False,
                          allow_unicode=True)


def write_config(path: Path, configs: Sequence[StrategyConfig]) -> None:
    """Write ``configs`` to ``path`` as YAML (.yaml/.yml) or a config workbook (.xlsx)."""
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        path.write_text(to_yaml(configs), encoding="utf-8")
    elif suffix == ".xlsx":
        from engine.workbook.openpyxl_adapter import OpenpyxlWriter

        OpenpyxlWriter(path).write_sheets(config_sheets(configs))
    else:
        raise PosbtError(f"unknown output type {suffix!r}; use .xlsx or .yaml", place=str(path))
