"""openpyxl implementation of the workbook protocol (files on disk, the headless path).

Reading loads the file for its formulas and, only when a sheet holds a formula, a second
time for the values Excel cached, so a formula cell reports both (most config workbooks
have none, and loading is most of the time a big workbook takes). Writing builds the
sheets, saves to a temporary file in the same folder and renames it over the target, so
a reader never sees half a workbook.
Text that looks like a formula is written as a text cell (:mod:`engine.workbook.text`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from engine.errors import PosbtError
from engine.workbook.protocol import Cell, SheetInfo, SheetSpec, Validation, ValidationKind
from engine.workbook.text import formula_like


class OpenpyxlReader:
    """:class:`~engine.workbook.protocol.WorkbookReader` over an .xlsx file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._values: Any = None
        try:
            self._formulas = load_workbook(self.path, data_only=False)
        except Exception as exc:  # zipfile/openpyxl raise many kinds
            raise PosbtError(f"cannot open as a workbook: {exc}", place=str(path)) from exc

    def _cached_values(self) -> Any:
        if self._values is None:
            self._values = load_workbook(self.path, data_only=True)
        return self._values

    def sheet_names(self) -> list[str]:
        return list(self._formulas.sheetnames)

    def sheet_info(self, name: str) -> SheetInfo:
        ws = self._formulas[name]
        return SheetInfo(name=name, hidden=ws.sheet_state != "visible",
                         merged_ranges=tuple(str(r) for r in ws.merged_cells.ranges))

    def rows(self, name: str) -> list[list[Cell]]:
        fws = self._formulas[name]
        vws: Any = None
        out: list[list[Cell]] = []
        for frow in fws.iter_rows():
            cells = []
            for fcell in frow:
                raw = fcell.value
                formula = raw if fcell.data_type == "f" and isinstance(raw, str) else None
                value = raw
                if formula is not None:
                    if vws is None:
                        vws = self._cached_values()[name]
                    value = vws[fcell.coordinate].value
                cells.append(Cell(row=int(fcell.row or 0), col=int(fcell.column or 0),
                                  address=str(fcell.coordinate), value=value,
                                  formula=formula))
            out.append(cells)
        return out


class OpenpyxlWriter:
    """:class:`~engine.workbook.protocol.WorkbookWriter` to an .xlsx file.

    With ``base`` the base workbook's other sheets are kept (openpyxl may drop what it
    does not model: treat it as lossy, so results go to a new file by default).
    """

    def __init__(self, path: Path, base: Path | None = None) -> None:
        self.path = Path(path)
        self.base = base

    def write_sheets(self, sheets: Sequence[SheetSpec]) -> None:
        if self.base is not None:
            wb = load_workbook(self.base)
        else:
            wb = Workbook()
            if wb.active is not None:
                wb.remove(wb.active)
        for spec in sheets:
            if spec.name in wb.sheetnames:
                wb.remove(wb[spec.name])
            _fill(wb.create_sheet(spec.name), spec)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=self.path.parent)
        os.close(fd)
        try:
            wb.save(tmp)
            os.replace(tmp, self.path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _data_validation(v: Validation) -> DataValidation:
    """An openpyxl validation: a dropdown, a numeric range, or an input message only."""
    if v.kind is ValidationKind.LIST:
        dv = DataValidation(type="list", formula1='"' + ",".join(v.choices) + '"',
                            allow_blank=True)
        dv.error = "Choose one of: " + ", ".join(v.choices)
    elif v.kind is ValidationKind.ANY:
        dv = DataValidation(allow_blank=True)
    else:
        lo, hi = v.minimum, v.maximum
        if lo is not None and hi is not None:
            dv = DataValidation(type=v.kind.value, operator="between", formula1=_number(lo),
                                formula2=_number(hi), allow_blank=True)
            dv.error = f"Enter a {'whole ' if v.kind is ValidationKind.WHOLE else ''}number " \
                       f"from {_number(lo)} to {_number(hi)}"
        else:
            op, bound = ("greaterThanOrEqual", lo) if lo is not None else ("lessThanOrEqual", hi)
            assert bound is not None
            dv = DataValidation(type=v.kind.value, operator=op, formula1=_number(bound),
                                allow_blank=True)
            dv.error = f"Enter a number {'>=' if lo is not None else '<='} {_number(bound)}"
        dv.errorTitle = v.title[:32] or None
    dv.showErrorMessage = v.kind is not ValidationKind.ANY
    if v.prompt:
        dv.showInputMessage = True
        dv.promptTitle = v.title[:32]
        dv.prompt = v.prompt[:255]
    dv.add(v.cell_range)
    return dv


def _fill(ws: object, spec: SheetSpec) -> None:
    from openpyxl.worksheet.worksheet import Worksheet

    assert isinstance(ws, Worksheet)
    bold = Font(bold=True)
    for r, row in enumerate(spec.rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is None:
                continue
            cell = ws.cell(row=r, column=c, value=value)
            if formula_like(value):
                cell.data_type = "s"  # text, never a formula
            if r in spec.bold_rows:
                cell.font = bold
    for address, fmt in spec.number_formats.items():
        ws[address].number_format = fmt
    for v in spec.validations:
        ws.add_data_validation(_data_validation(v))
    for address, text in spec.notes.items():
        note = Comment(text, "posbt")
        note.width, note.height = 320, 120
        ws[address].comment = note
    for col, width in spec.column_widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width
    if spec.freeze:
        ws.freeze_panes = spec.freeze
