"""Column mappings (YAML) for the generic table importer and for other vendors' minute CSVs.

Stage: data ingestion. A mapping names the target (a canonical table, or ``minute`` for a
vendor minute layout), which source column feeds each target column, the date/time
formats, constants and unit multipliers::

    target: option_bars
    columns: {ts: Timestamp, symbol: Underlying, expiry: Expiry, strike: Strike,
              right: Type, open: O, high: H, low: L, close: C, volume: Lots}
    date_format: "%d-%m-%Y"
    datetime_format: "%Y-%m-%d %H:%M"
    constants: {bar_minutes: 1}
    multipliers: {volume: 75}          # lots -> units

Besides the table's own columns, ``columns`` may name ``date`` and ``time`` (combined into
``ts``) and ``ticker`` (parsed into symbol / expiry / strike / right). Every problem is an
error naming the mapping key (``columns.close``, ``multipliers.volume``, ...).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from engine.errors import ImportRejectedError
from engine.yaml_text import YamlInputError, load_file

MINUTE_FIELDS = ("ticker", "date", "time", "datetime", "open", "high", "low", "close",
                 "volume", "oi")
PSEUDO_COLUMNS = ("date", "time", "ticker")

# The GDFL minute layout, as a mapping (the default of `posbt data import minute`).
GDFL_MINUTE: dict[str, object] = {
    "target": "minute",
    "columns": {"ticker": "Ticker", "date": "Date", "time": "Time", "open": "Open",
                "high": "High", "low": "Low", "close": "Close", "volume": "Volume",
                "oi": "Open Interest"},
    "date_format": "%d/%m/%Y",
    "bar_stamp": "end_second",
}


class Mapping(BaseModel):
    """A validated column mapping."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    target: str
    columns: dict[str, str]
    date_format: str = "%Y-%m-%d"
    time_format: str = "%H:%M:%S"
    datetime_format: str = "%Y-%m-%d %H:%M:%S"
    bar_stamp: Literal["close", "end_second", "start"] = "close"
    bar_minutes: int = 1
    delimiter: str = ","
    constants: dict[str, str | int | float | bool] = {}
    multipliers: dict[str, float] = {}


class MappingError(ImportRejectedError):
    """A mapping file that cannot be used; names the mapping key."""


def mapping_from_dict(raw: object, place: str) -> Mapping:
    """Validate ``raw`` (parsed YAML) into a ``Mapping``; errors name the key."""
    if not isinstance(raw, dict):
        raise MappingError("a mapping file must be a YAML mapping (key: value lines)",
                           place=place)
    try:
        return Mapping.model_validate(raw)
    except ValidationError as exc:
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        parts = []
        for err in errors:
            key = ".".join(str(p) for p in err["loc"])
            msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            parts.append(f"mapping key {key}: {msg}")
        raise MappingError("; ".join(parts), place=place) from None


def load_mapping(path: str | Path) -> Mapping:
    """Read and validate a YAML mapping file."""
    p = Path(path)
    if not p.is_file():
        raise MappingError("no such mapping file", place=str(p))
    try:  # bounded, duplicate keys refused, binary/encoding trouble named with its line
        raw = load_file(p)
    except YamlInputError as exc:
        raise MappingError(exc.message, place=exc.place or str(p)) from None
    return mapping_from_dict(raw, str(p))


def check_mapping(mapping: Mapping, allowed: dict[str, str], header: list[str],
                  place: str, required: tuple[str, ...]) -> None:
    """Check ``mapping`` against the target's columns (``allowed``: name -> type) and the
    file ``header``; ``required`` target columns must be mapped, derived or constant."""
    for group, keys in (("columns", mapping.columns), ("constants", mapping.constants),
                        ("multipliers", mapping.multipliers)):
        for key in keys:
            if key not in allowed:
                raise MappingError(
                    f"mapping key {group}.{key}: {key!r} is not a column of {mapping.target} "
                    f"(columns: {', '.join(allowed)})", place=place)
    for key in mapping.multipliers:
        if allowed[key] not in ("DOUBLE", "BIGINT", "INTEGER", "SMALLINT"):
            raise MappingError(f"mapping key multipliers.{key}: {key} is not numeric",
                               place=place)
    for key, source in mapping.columns.items():
        if source not in header:
            raise MappingError(
                f"mapping key columns.{key}: column {source!r} is not in the file header "
                f"(header: {', '.join(header)})", place=place)
    have = set(mapping.columns) | set(mapping.constants)
    if "ticker" in have:
        have |= {"symbol", "expiry", "strike", "right"}
    if {"date", "time"} <= have or "datetime" in have:
        have.add("ts")
    missing = [c for c in required if c not in have]
    if missing:
        raise MappingError(
            f"mapping key columns: {mapping.target} needs {', '.join(missing)}; map them "
            "under columns (or give them under constants)", place=place)
