"""The workbook protocol: sheet values in (with A1 addresses, formulas, hidden and merged
state), whole sheets out (written atomically).

Used by the config sources (reading) and the results writer and template generator
(writing). Implementations: :mod:`engine.workbook.openpyxl_adapter` (files) here, an
xlwings one (a live book) in xlbridge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from itertools import repeat
from operator import add
from typing import Any, NamedTuple, Protocol


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


class SheetGrid:
    """A sheet's cells as row -> column -> value, with the (few) formulas apart: what a
    reader that holds them so gives besides :meth:`WorkbookReader.rows`, so that a big
    sheet can be read without a :class:`Cell` per cell. Its rectangle is the one ``rows``
    gives: from A1 to the last row and column that hold a cell; a cell not in ``values``
    is empty. Not to be changed once made."""

    def __init__(self, values: Mapping[int, Mapping[int, object]],
                 formulas: Mapping[int, Mapping[int, str]]) -> None:
        self.values, self.formulas = values, formulas
        self.max_row = max((r for r, line in values.items() if line), default=0)
        self.max_col = max((max(line) for line in values.values() if line), default=0)
        self._names = [column_letter(k) for k in range(1, self.max_col + 1)]

    def row(self, ri: int) -> list[Cell]:
        """Every cell of row ``ri`` of the rectangle, from column A."""
        cols = range(1, self.max_col + 1)
        line = self.values.get(ri, _NONE)
        forms = self.formulas.get(ri)
        # built by C-level maps, not a Python loop a cell: tuple.__new__ makes the Cell
        # from its (row, col, address, value, formula) tuple
        return list(map(_make_cell, zip(repeat(ri), cols, map(add, self._names, repeat(str(ri))),
                                        map(line.get, cols),
                                        map(forms.get, cols) if forms else repeat(None))))

    def rows(self) -> list[list[Cell]]:
        """Every row of the rectangle (:meth:`WorkbookReader.rows`)."""
        return [self.row(ri) for ri in range(1, self.max_row + 1)]

    def cell(self, ri: int, col: int) -> Cell:
        """The cell at row ``ri``, column ``col``."""
        forms = self.formulas.get(ri)
        return Cell(ri, col, f"{column_letter(col)}{ri}", self.values.get(ri, _NONE).get(col),
                    forms.get(col) if forms else None)


_NONE: Mapping[int, Any] = {}
_make_cell = partial(tuple.__new__, Cell)


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
