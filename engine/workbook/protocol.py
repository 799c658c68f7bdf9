"""The workbook protocol: sheet values in (with A1 addresses, formulas, hidden and merged
state), whole sheets out (written atomically).

Used by the config sources (reading) and the results writer and template generator
(writing). Implementations: :mod:`engine.workbook.openpyxl_adapter` (files) here, an
xlwings one (a live book) in xlbridge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple, Protocol


class Cell(NamedTuple):
    """One cell: 1-based row and column, its A1 address, value and formula text.

    A named tuple (immutable, like the frozen dataclass it was) because a reader builds
    one per cell of the used rectangle, millions for a big config workbook, and a tuple
    is built several times faster."""

    row: int
    col: int
    address: str
    value: object
    formula: str | None = None

    @property
    def blank(self) -> bool:
        return self.formula is None and (self.value is None or
                                         (isinstance(self.value, str) and not self.value.strip()))


@dataclass(frozen=True)
class SheetInfo:
    """Sheet-level facts a reader needs to warn about."""

    name: str
    hidden: bool = False
    merged_ranges: tuple[str, ...] = ()


class WorkbookReader(Protocol):
    """Read-only view of a workbook's values."""

    def sheet_names(self) -> list[str]:
        """Sheet names in workbook order."""

    def sheet_info(self, name: str) -> SheetInfo:
        """Hidden state and merged ranges of sheet ``name``."""

    def rows(self, name: str) -> list[list[Cell]]:
        """Every used row of sheet ``name`` as cells (formulas carry their cached value)."""


class ValidationKind(StrEnum):
    """What a data validation allows."""

    LIST = "list"        # one of ``choices`` (a dropdown)
    DECIMAL = "decimal"  # a number within ``minimum``..``maximum`` (either may be open)
    WHOLE = "whole"      # a whole number within the bounds
    ANY = "any"          # anything; only the input message (title and prompt) shows


@dataclass
class Validation:
    """A data validation on a cell range: a dropdown list, a numeric range, or just the
    input message Excel shows when a cell of the range is selected."""

    cell_range: str
    choices: tuple[str, ...] = ()
    kind: ValidationKind = ValidationKind.LIST
    minimum: float | None = None
    maximum: float | None = None
    title: str = ""
    prompt: str = ""


@dataclass
class SheetSpec:
    """A sheet to write: rows of values plus presentation."""

    name: str
    rows: list[list[object]]
    freeze: str | None = "A2"
    bold_rows: set[int] = field(default_factory=lambda: {1})
    number_formats: dict[str, str] = field(default_factory=dict)
    validations: list[Validation] = field(default_factory=list)
    column_widths: dict[int, float] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)  # cell address -> note (comment) text


class WorkbookWriter(Protocol):
    """Writes whole sheets, replacing same-named ones; the file changes atomically."""

    def write_sheets(self, sheets: Sequence[SheetSpec]) -> None:
        """Write ``sheets`` (in order) and commit the workbook."""


def column_letter(col: int) -> str:
    """1 -> ``A``, 27 -> ``AA``."""
    out = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out
