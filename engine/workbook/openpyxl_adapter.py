"""openpyxl implementation of the workbook protocol (files on disk, the headless path).

Reading loads the file twice: once for formulas, once for the values Excel cached, so a
formula cell reports both. Writing builds the sheets, saves to a temporary file in the
same folder and renames it over the target, so a reader never sees half a workbook.
Text that looks like a formula is written as a text cell (:mod:`engine.workbook.text`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from engine.errors import PosbtError
from engine.workbook.protocol import Cell, SheetInfo, SheetSpec
from engine.workbook.text import formula_like


class OpenpyxlReader:
    """:class:`~engine.workbook.protocol.WorkbookReader` over an .xlsx file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self._formulas = load_workbook(self.path, data_only=False)
            self._values = load_workbook(self.path, data_only=True)
        except Exception as exc:  # zipfile/openpyxl raise many kinds
            raise PosbtError(f"cannot open as a workbook: {exc}", place=str(path)) from exc

    def sheet_names(self) -> list[str]:
        return list(self._formulas.sheetnames)

    def sheet_info(self, name: str) -> SheetInfo:
        ws = self._formulas[name]
        return SheetInfo(name=name, hidden=ws.sheet_state != "visible",
                         merged_ranges=tuple(str(r) for r in ws.merged_cells.ranges))

    def rows(self, name: str) -> list[list[Cell]]:
        fws, vws = self._formulas[name], self._values[name]
        out: list[list[Cell]] = []
        for frow, vrow in zip(fws.iter_rows(), vws.iter_rows(), strict=False):
            cells = []
            for fcell, vcell in zip(frow, vrow, strict=False):
                raw = fcell.value
                formula = raw if isinstance(raw, str) and raw.startswith("=") else None
                value = vcell.value if formula else raw
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
        dv = DataValidation(type="list", formula1='"' + ",".join(v.choices) + '"',
                            allow_blank=True)
        dv.error = "Choose one of: " + ", ".join(v.choices)
        dv.add(v.cell_range)
        ws.add_data_validation(dv)
    for col, width in spec.column_widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width
    if spec.freeze:
        ws.freeze_panes = spec.freeze
