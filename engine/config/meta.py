"""Field metadata for every configuration parameter (config stage, before any source).

Each model field is declared with :func:`param`, which records in the field's
``json_schema_extra`` what the workbook, the YAML loader, the template generator and
the docs need: the Excel name, the aliases the plan's YAML uses, the parameter group
(the plan's column groups), the unit and a one-line description. Whether the engine acts on
a parameter is not declared here: the effect table (``engine.config.effects``) proves it.
:func:`field_meta` reads the metadata back as a typed :class:`FieldMeta`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import AliasChoices, Field
from pydantic.fields import FieldInfo

_KEY = "posbt"


class Group(StrEnum):
    """The plan's column groups of the PositionalParameter sheet, in sheet order."""

    IDENTITY = "Strategy Identity"
    BACKTEST = "Backtest Window"
    TIMEFRAME = "Timeframe Config"
    VIX = "VIX Configuration"
    VOLATILITY = "Volatility Metrics"
    ENTRY = "Entry Rules"
    ADJUSTMENT = "Adjustment Rules"
    EXIT = "Exit Rules"
    STRUCTURE = "S/R Configuration"
    RISK = "Risk Limits"
    BREAKEVEN = "Breakeven"
    COSTS = "Costs and Fills"
    PERFORMANCE = "Performance"
    LEG = "Leg"


@dataclass(frozen=True)
class FieldMeta:
    """What posbt knows about one parameter besides its type and default."""

    excel_name: str
    description: str
    unit: str = ""
    aliases: tuple[str, ...] = ()
    group: Group | None = None


def param(
    default: Any = ...,
    *,
    excel: str,
    desc: str,
    unit: str = "",
    aliases: tuple[str, ...] = (),
    group: Group | None = None,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    default_factory: Any = None,
) -> Any:
    """A pydantic ``Field`` carrying posbt's :class:`FieldMeta` (aliases become validation aliases).

    ``group`` is left ``None`` to inherit the group of the enclosing model (see registry).
    """
    extra: dict[str, Any] = {
        "excel_name": excel,
        "unit": unit,
        "aliases": list(aliases),
        "group": group.value if group else None,
    }
    kwargs: dict[str, Any] = {
        "description": desc,
        "json_schema_extra": {_KEY: extra},
        "ge": ge,
        "le": le,
        "gt": gt,
    }
    if aliases:
        kwargs["validation_alias"] = AliasChoices(*aliases)
    if default_factory is not None:
        return Field(default_factory=default_factory, **kwargs)
    return Field(default, **kwargs)


def field_meta(info: FieldInfo, group: Group | None = None) -> FieldMeta:
    """The :class:`FieldMeta` of a model field; ``group`` fills in when the field names none."""
    extra = info.json_schema_extra
    if not isinstance(extra, dict) or _KEY not in extra:
        raise TypeError("field was not declared with engine.config.meta.param")
    raw: dict[str, Any] = extra[_KEY]  # type: ignore[assignment]
    own_group = raw.get("group")
    return FieldMeta(
        excel_name=str(raw["excel_name"]),
        description=info.description or "",
        unit=str(raw.get("unit") or ""),
        aliases=tuple(str(a) for a in raw.get("aliases") or ()),
        group=Group(own_group) if own_group else group,
    )
