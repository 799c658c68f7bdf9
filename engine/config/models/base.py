"""The base of every configuration model and small shared field types (config stage).

Models are frozen, reject unknown keys, and accept a field under its own name or any
alias the plan's YAML uses. Sequence fields also accept one comma-separated string,
which is how a workbook cell holds a list.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict

from engine.config.meta import Group

T = TypeVar("T")


def split_csv(value: Any) -> Any:
    """``"a, b"`` -> ``["a", "b"]``; ``""`` -> ``[]``; anything else unchanged."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [value]
    return value


def upper_str(value: Any) -> Any:
    """Enum cells are matched case-insensitively: ``"weekly"`` -> ``"WEEKLY"``."""
    return value.strip().upper() if isinstance(value, str) else value


CsvTuple = Annotated[tuple[T, ...], BeforeValidator(split_csv)]
Dynamic = Literal["DYNAMIC"]


class ConfigModel(BaseModel):
    """Frozen, strict-keyed model; ``group`` is the default group of its fields."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        use_enum_values=False,
    )
    group: ClassVar[Group] = Group.IDENTITY


def pair_alias(data: Any, alias: str, first: str, second: str) -> Any:
    """Expand ``alias: [a, b]`` into ``first: a, second: b`` (the plan's ``vix_range`` style)."""
    if isinstance(data, dict) and alias in data:
        data = dict(data)
        value = data.pop(alias)
        if isinstance(value, str):
            value = split_csv(value)
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise ValueError(f"{alias} must be a pair [low, high], got {value!r}")
        data.setdefault(first, value[0])
        data.setdefault(second, value[1])
    return data
