"""The parameter registry: every leaf parameter with its Excel name and field path.

Config stage, used by every source and writer. Three sheets hold parameters:
PositionalParameter (the strategy's scalar fields, nested groups flattened),
LegParameter (LegConfig) and AdjustmentRules (the union of every rule type's fields).
``ExcelName -> field path`` lookups (:func:`by_excel_name`) are what the workbook reader,
the template generator, the docs and the results writer share.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time
from enum import Enum, StrEnum
from functools import cache
from typing import Any, Literal, Union, cast, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from engine.config.meta import FieldMeta, Group, field_meta
from engine.config.models.adjustments import RULE_TYPES
from engine.config.models.base import ConfigModel
from engine.config.models.legs import LegConfig
from engine.config.models.strategy import StrategyConfig


class Sheet(StrEnum):
    """Workbook sheets that hold parameters."""

    POSITIONAL = "PositionalParameter"
    LEG = "LegParameter"
    ADJUSTMENT = "AdjustmentRules"


Kind = Literal["bool", "int", "float", "str", "time", "date", "enum", "list", "float_or_dynamic"]
_SKIP = {"legs", "adjustment_rules"}


@dataclass(frozen=True)
class ParamInfo:
    """One leaf parameter as the workbook and docs see it."""

    sheet: Sheet
    path: tuple[str, ...]
    meta: FieldMeta
    kind: Kind
    default: Any
    required: bool
    optional: bool
    choices: tuple[str, ...]
    ge: float | None
    le: float | None
    rule_types: tuple[str, ...] = ()

    @property
    def excel_name(self) -> str:
        return self.meta.excel_name

    @property
    def dotted(self) -> str:
        return ".".join(self.path)

    @property
    def range_text(self) -> str:
        """``"0..1"``, ``">= 0"``, ``"WEEKLY | MONTHLY"`` or ``""``."""
        if self.choices:
            return " | ".join(self.choices)
        if self.ge is not None and self.le is not None:
            return f"{_num(self.ge)}..{_num(self.le)}"
        if self.ge is not None:
            return f">= {_num(self.ge)}"
        if self.le is not None:
            return f"<= {_num(self.le)}"
        return ""


def _num(x: float) -> str:
    return f"{x:g}"


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """Strip ``X | None`` to ``X``; says whether None was allowed."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        optional = len(args) < len(get_args(annotation))
        if len(args) == 1:
            return args[0], optional
        return Union[tuple(args)], optional  # noqa: UP007
    return annotation, False


def _kind(annotation: Any) -> tuple[Kind, tuple[str, ...]]:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return "float_or_dynamic", ()
    if origin is Literal:
        return "enum", tuple(str(getattr(a, "value", a)) for a in get_args(annotation))
    if origin is tuple:
        item, _ = _unwrap(get_args(annotation)[0])
        if isinstance(item, type) and issubclass(item, Enum):
            return "list", tuple(str(m.value) for m in item)
        return "list", ()
    if isinstance(annotation, type):
        if issubclass(annotation, Enum):
            return "enum", tuple(str(m.value) for m in annotation)
        simple: dict[type, Kind] = {bool: "bool", int: "int", float: "float", str: "str",
                                    time: "time", date: "date"}
        for typ, kind in simple.items():
            if annotation is typ:
                return kind, ()
    raise TypeError(f"no workbook kind for {annotation!r}")


def _bounds(metadata: list[Any]) -> tuple[float | None, float | None]:
    ge = le = None
    for m in metadata:
        if isinstance(m, at.Ge | at.Gt):
            ge = float(cast(Any, m.ge if isinstance(m, at.Ge) else m.gt))
        if isinstance(m, at.Le | at.Lt):
            le = float(cast(Any, m.le if isinstance(m, at.Le) else m.lt))
    return ge, le


def _walk(model: type[BaseModel], sheet: Sheet, prefix: tuple[str, ...] = ()
          ) -> Iterator[ParamInfo]:
    group = model.group if issubclass(model, ConfigModel) else None
    for name, info in model.model_fields.items():
        if not prefix and name in _SKIP and sheet is Sheet.POSITIONAL:
            continue
        ann, optional = _unwrap(info.annotation)
        if isinstance(ann, type) and issubclass(ann, ConfigModel):
            yield from _walk(ann, sheet, (*prefix, name))
            continue
        kind, choices = _kind(ann)
        ge, le = _bounds(list(info.metadata))
        default = info.get_default(call_default_factory=True)
        yield ParamInfo(
            sheet=sheet, path=(*prefix, name), meta=field_meta(info, group), kind=kind,
            default=None if default is PydanticUndefined else default,
            required=info.is_required(), optional=optional, choices=choices, ge=ge, le=le,
        )


@cache
def params(sheet: Sheet) -> tuple[ParamInfo, ...]:
    """Every parameter of ``sheet`` in sheet order."""
    if sheet is Sheet.POSITIONAL:
        return tuple(_walk(StrategyConfig, sheet))
    if sheet is Sheet.LEG:
        return tuple(_walk(LegConfig, sheet))
    merged: dict[tuple[str, ...], ParamInfo] = {}
    owners: dict[tuple[str, ...], list[str]] = {}
    for rule_type, model in RULE_TYPES.items():
        for p in _walk(model, sheet):
            merged.setdefault(p.path, p)
            owners.setdefault(p.path, []).append(rule_type.value)
    out = []
    for path, p in merged.items():
        types_ = tuple(owners[path])
        shared = len(types_) == len(RULE_TYPES)
        extra: dict[str, Any] = {"rule_types": () if shared else types_}
        if path == ("rule_type",):
            extra["choices"] = tuple(t.value for t in RULE_TYPES)
        out.append(ParamInfo(**{**p.__dict__, **extra}))
    # RuleID and RuleType first, as the key columns.
    out.sort(key=lambda p: (p.path != ("rule_id",), p.path != ("rule_type",)))
    return tuple(out)


@cache
def by_excel_name(sheet: Sheet) -> dict[str, ParamInfo]:
    """``ExcelName -> ParamInfo`` for ``sheet`` (names are unique within a sheet)."""
    out: dict[str, ParamInfo] = {}
    for p in params(sheet):
        if p.excel_name in out:
            raise RuntimeError(f"duplicate Excel name {p.excel_name} on {sheet}")
        out[p.excel_name] = p
    return out


@cache
def by_path(sheet: Sheet) -> dict[tuple[str, ...], ParamInfo]:
    """``field path -> ParamInfo`` for ``sheet``."""
    return {p.path: p for p in params(sheet)}


def excel_name_of(sheet: Sheet, path: tuple[str, ...]) -> str | None:
    """The Excel name of the parameter at ``path`` (None when the path is not a parameter)."""
    p = by_path(sheet).get(path)
    return p.excel_name if p else None


def groups_in_order() -> tuple[Group, ...]:
    """PositionalParameter section order (the Group enum's order, used groups only)."""
    used = {p.meta.group for p in params(Sheet.POSITIONAL)}
    return tuple(g for g in Group if g in used)


def parameter_count() -> int:
    """Parameters per strategy: PositionalParameter + one leg + the rule fields."""
    return sum(len(params(s)) for s in Sheet)


def engine_acted_on() -> frozenset[str]:
    """Field paths the engine is shown to act on: those with a row in the effect table
    (``engine.config.effects``)."""
    from engine.config.effects import ACTED_ON

    return ACTED_ON


def sheet_path(p: ParamInfo) -> str:
    """The parameter's dotted path as the effect table writes it (``legs.*``,
    ``adjustment_rules.*`` for the row sheets)."""
    prefix = {Sheet.POSITIONAL: "", Sheet.LEG: "legs.", Sheet.ADJUSTMENT: "adjustment_rules."}
    return f"{prefix[p.sheet]}{p.dotted}"


def is_acted_on(p: ParamInfo) -> bool:
    """Whether a passing row of the effect table shows the engine acting on ``p``."""
    return sheet_path(p) in engine_acted_on()
