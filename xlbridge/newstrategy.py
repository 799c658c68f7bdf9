"""New Strategy: a strategy column added the way a user copies one in Excel.

Excel-side editor behind the ribbon's New Strategy button (:mod:`xlbridge.macros`). The
last strategy column of PositionalParameter is copied one column to the right with its
formulas (relative references shifted, as Excel's copy does), dropdowns and other data
validation, number formats and styles; its header and StrategyName cell get the new name,
and the neighbour's LegParameter and AdjustmentRules rows are copied under the new name,
so the new strategy validates at once and the user edits what differs. Two
implementations of :class:`StrategyColumns`: :class:`FileStrategyColumns` (a workbook
file, openpyxl) here and ``XlwingsBook.add_strategy_column`` in :mod:`xlbridge.book`.
"""

from __future__ import annotations

import os
import tempfile
from copy import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from engine.config.layout import FIRST_STRATEGY_COL
from engine.errors import PosbtError
from engine.workbook.protocol import column_letter

POSITIONAL = "PositionalParameter"
ROW_SHEETS = ("LegParameter", "AdjustmentRules")
NAME_ROW_LABEL = "StrategyName"


@dataclass(frozen=True)
class AddedStrategy:
    """What New Strategy did."""

    name: str
    column: str        # its column letter in PositionalParameter
    copied_from: str   # the neighbour it copies
    rows_copied: int   # LegParameter + AdjustmentRules rows


class StrategyColumns(Protocol):
    def add_strategy_column(self, new_name: str) -> AddedStrategy:
        """Copy the last strategy column (and its leg and rule rows) as ``new_name``."""


def new_name(existing: set[str]) -> str:
    return next(f"NewStrategy{i}" for i in range(1, 10_000) if f"NewStrategy{i}" not in existing)


def _translated(value: Any, origin: str, target: str) -> Any:
    if isinstance(value, str) and value.startswith("="):
        from openpyxl.formula.translate import Translator

        return Translator(value, origin=origin).translate_formula(target)
    return value


def _copy_cell(src: Any, dst: Any) -> None:
    dst.value = _translated(src.value, src.coordinate, dst.coordinate)
    if src.has_style:
        dst._style = copy(src._style)  # same workbook: the style index is valid


def _extend_validations(ws: Any, src_col: int, dst_col: int) -> None:
    """Give the new column every validation its neighbour's cells have."""
    from openpyxl.worksheet.cell_range import CellRange

    for dv in ws.data_validations.dataValidation:
        for rng in list(dv.sqref.ranges):
            if rng.min_col <= src_col <= rng.max_col and not rng.min_col <= dst_col <= rng.max_col:
                dv.sqref.add(CellRange(min_col=dst_col, max_col=dst_col, min_row=rng.min_row,
                                       max_row=rng.max_row))


class FileStrategyColumns:
    """New Strategy on a workbook file (saved atomically; other sheets untouched)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def add_strategy_column(self, new_name: str) -> AddedStrategy:
        from openpyxl import load_workbook

        wb = load_workbook(self.path, keep_vba=self.path.suffix.lower() == ".xlsm")
        if POSITIONAL not in wb.sheetnames:
            raise PosbtError("the workbook has no PositionalParameter sheet; start from the "
                             "template (posbt template new)", place=self.path.name)
        ws = wb[POSITIONAL]
        src_col = max((c for c in range(FIRST_STRATEGY_COL, ws.max_column + 1)
                       if ws.cell(1, c).value not in (None, "")), default=0)
        if not src_col:
            raise PosbtError("PositionalParameter has no strategy column to copy",
                             place=f"{POSITIONAL}!{column_letter(FIRST_STRATEGY_COL)}1")
        source = str(ws.cell(1, src_col).value)
        dst_col = src_col + 1
        for r in range(1, ws.max_row + 1):
            _copy_cell(ws.cell(r, src_col), ws.cell(r, dst_col))
            if r == 1 or ws.cell(r, 2).value == NAME_ROW_LABEL:
                ws.cell(r, dst_col).value = new_name
        src_letter, dst_letter = column_letter(src_col), column_letter(dst_col)
        ws.column_dimensions[dst_letter].width = ws.column_dimensions[src_letter].width
        _extend_validations(ws, src_col, dst_col)
        copied = sum(self._copy_rows(wb[s], source, new_name) for s in ROW_SHEETS
                     if s in wb.sheetnames)
        fd, tmp = tempfile.mkstemp(prefix=".posbt-", suffix=self.path.suffix, dir=self.path.parent)
        os.close(fd)
        try:
            wb.save(tmp)
            os.replace(tmp, self.path)
        except PermissionError as exc:
            raise PosbtError(f"{self.path.name} is open elsewhere (locked); close it and press "
                             "New Strategy again", place=str(self.path)) from exc
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return AddedStrategy(new_name, dst_letter, source, copied)

    @staticmethod
    def _copy_rows(ws: Any, source: str, new: str) -> int:
        rows = [r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == source]
        end = max((r for r in range(1, ws.max_row + 1)
                   if any(ws.cell(r, c).value not in (None, "") for c in range(1, ws.max_column + 1))),
                  default=1)
        for i, r in enumerate(rows, start=1):
            for c in range(1, ws.max_column + 1):
                _copy_cell(ws.cell(r, c), ws.cell(end + i, c))
            ws.cell(end + i, 1).value = new
        return len(rows)
