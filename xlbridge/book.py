"""The workbook protocol over a live Excel book (xlwings): the thin second implementation
beside the engine's openpyxl one, plus the Excel UI the macros use.

Excel-side adapter: reads used ranges' values and formulas, writes whole sheets (replacing
the values of a same-named sheet, keeping the user's other sheets untouched), and maps
status-bar text and message boxes onto Excel. Only called inside Excel (RunPython).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engine.workbook.protocol import Cell, SheetInfo, SheetSpec, column_letter
from engine.workbook.text import quote_prefixed


def _grid(value: Any) -> list[list[Any]]:
    if not isinstance(value, list):
        return [[value]]
    if value and not isinstance(value[0], list):
        return [value]
    return value


class XlwingsBook:
    """:class:`~engine.workbook.protocol.WorkbookReader` and ``WorkbookWriter`` over an
    ``xlwings.Book``."""

    def __init__(self, book: Any) -> None:
        self.book = book

    @classmethod
    def caller(cls) -> XlwingsBook:  # pragma: no cover - needs Excel
        import xlwings as xw

        return cls(xw.Book.caller())

    @property
    def path(self) -> Path:
        return Path(self.book.fullname)

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def sheet_info(self, name: str) -> SheetInfo:
        return SheetInfo(name=name, hidden=not self.book.sheets[name].visible)

    def rows(self, name: str) -> list[list[Cell]]:
        used = self.book.sheets[name].used_range
        values = _grid(used.options(ndim=2).value)
        formulas = _grid(used.formula)
        r0, c0 = used.row, used.column
        out: list[list[Cell]] = []
        for i, (vrow, frow) in enumerate(zip(values, formulas, strict=False)):
            cells = []
            for j, (v, f) in enumerate(zip(vrow, frow, strict=False)):
                formula = f if isinstance(f, str) and f.startswith("=") else None
                cells.append(Cell(row=r0 + i, col=c0 + j,
                                  address=f"{column_letter(c0 + j)}{r0 + i}", value=v,
                                  formula=formula))
            out.append(cells)
        return out

    def write_sheets(self, sheets: Sequence[SheetSpec]) -> None:
        names = self.sheet_names()
        for spec in sheets:
            if spec.name in names:
                ws = self.book.sheets[spec.name]
                ws.clear_contents()
            else:
                ws = self.book.sheets.add(spec.name, after=self.book.sheets[-1])
                names.append(spec.name)
            if spec.rows:  # formula-like text stays text (engine.workbook.text)
                ws.range("A1").value = [[quote_prefixed(v) for v in row] for row in spec.rows]
            for r in spec.bold_rows:
                ws.range(f"{r}:{r}").font.bold = True
            ws.autofit()


class XlwingsUi:  # pragma: no cover - needs Excel
    """Status bar, message box and opening files in the running Excel."""

    def __init__(self, book: Any) -> None:
        self.book = book

    def status(self, text: str | None) -> None:
        self.book.app.status_bar = text if text else False

    def message(self, text: str, title: str) -> None:
        self.book.app.alert(text, title=title)

    def open(self, path: Path) -> None:
        self.book.app.books.open(str(path))
