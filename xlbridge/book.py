"""The workbook protocol over a live Excel book (xlwings): the thin second implementation
beside the engine's openpyxl one, plus the Excel UI the macros use.

Excel-side adapter: reads used ranges' values and formulas (unsaved edits included), writes
whole sheets (replacing the values of a same-named sheet, keeping the user's other sheets
untouched), copies a results workbook's BT_* sheets in with Excel's own sheet copy
(formats and charts kept; new sheets under temporary names first, so a failure leaves the
previous run's sheets as they were), and maps status-bar text and message boxes onto
Excel. Only called inside Excel (RunPython); :func:`local_book_path` is plain Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engine.errors import PosbtError
from engine.workbook.protocol import Cell, SheetInfo, SheetSpec, column_letter
from engine.workbook.text import quote_prefixed

RESULT_PREFIX = "BT_"
ONEDRIVE_HINT = ("posbt needs the workbook's local synced copy: let OneDrive sync the folder "
                 "and open the workbook from File Explorer / Finder (not from the browser or "
                 "'Recent'), or set ONEDRIVE_CONSUMER_WIN / ONEDRIVE_COMMERCIAL_WIN / "
                 "SHAREPOINT_WIN (macOS: _MAC) in ~/.posbt/posbt.conf to your synced folder.")


def local_book_path(fullname: str) -> Path:
    """The workbook's path on disk. xlwings turns a OneDrive/SharePoint URL into the synced
    local path where it can; a URL still left means there is no local copy to use."""
    if "://" in fullname:
        raise PosbtError(f"this workbook is open from {fullname}. {ONEDRIVE_HINT}",
                         place="workbook")
    return Path(fullname)


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
    def path(self) -> Path:  # pragma: no cover - needs Excel
        try:
            fullname = str(self.book.fullname)
        except Exception as exc:  # xlwings raises when a OneDrive path cannot be mapped
            raise PosbtError(f"cannot find this workbook on disk ({exc}). {ONEDRIVE_HINT}",
                             place="workbook") from exc
        return local_book_path(fullname)

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


    def replace_result_sheets(self, results: Path, only: Sequence[str] | None = None
                              ) -> list[str]:  # pragma: no cover - Excel
        """Copy the BT_* sheets of ``results`` in (Excel's sheet copy keeps formats and
        charts), then drop the previous run's and rename; all or nothing. With ``only``
        just those sheets are copied and replaced (a sweep's, an A/B test's)."""
        from xlbridge.resultbooks import result_sheet_names

        app = self.book.app
        created: list[str] = []
        with app.properties(screen_updating=False, display_alerts=False):
            source = app.books.open(str(results), update_links=False, read_only=True)
            try:
                names = result_sheet_names([s.name for s in source.sheets], only)
                try:
                    for i, name in enumerate(names):
                        temp = f"posbt~new{i}"
                        source.sheets[name].copy(after=self.book.sheets[-1], name=temp)
                        created.append(temp)
                except Exception as exc:
                    for temp in created:
                        self.book.sheets[temp].delete()
                    raise PosbtError(f"copying the result sheets failed ({exc}); the previous "
                                     "results are unchanged", place=str(results)) from exc
                stale = result_sheet_names([s.name for s in self.book.sheets], only)
                for old in [s for s in self.book.sheets if s.name in stale]:
                    old.delete()
                for temp, name in zip(created, names, strict=True):
                    self.book.sheets[temp].name = name
            finally:
                source.close()
            self.book.activate()
        return names


    def add_strategy_column(self, new_name: str) -> Any:  # pragma: no cover - needs Excel
        """New Strategy with Excel's own copy of the last strategy column (formulas shift,
        dropdowns, formats, validation and conditional formats come along) and of the
        neighbour's LegParameter / AdjustmentRules rows."""
        from engine.config.layout import FIRST_STRATEGY_COL
        from xlbridge.newstrategy import NAME_ROW_LABEL, POSITIONAL, ROW_SHEETS, AddedStrategy

        if POSITIONAL not in self.sheet_names():
            raise PosbtError("the workbook has no PositionalParameter sheet; start from the "
                             "template (posbt template new)", place="workbook")
        ws = self.book.sheets[POSITIONAL]
        header = ws.range("A1").expand("right").value
        header = header if isinstance(header, list) else [header]
        src_col = len(header)
        if src_col < FIRST_STRATEGY_COL:
            raise PosbtError("PositionalParameter has no strategy column to copy",
                             place=f"{POSITIONAL}!{column_letter(FIRST_STRATEGY_COL)}1")
        source = str(header[-1])
        ws.range((1, src_col)).api.EntireColumn.Copy(ws.range((1, src_col + 1)).api.EntireColumn)
        ws.range((1, src_col + 1)).value = quote_prefixed(new_name)
        labels = ws.range((1, 2), (ws.used_range.last_cell.row, 2)).value
        for r, label in enumerate(labels, start=1):
            if label == NAME_ROW_LABEL:
                ws.range((r, src_col + 1)).value = quote_prefixed(new_name)
        copied = 0
        for sheet_name in ROW_SHEETS:
            if sheet_name not in self.sheet_names():
                continue
            rs = self.book.sheets[sheet_name]
            last = rs.used_range.last_cell.row
            names = rs.range((1, 1), (last, 1)).value
            for r, value in enumerate(names, start=1):
                if r > 1 and value == source:
                    last += 1
                    rs.range((r, 1)).api.EntireRow.Copy(rs.range((last, 1)).api.EntireRow)
                    rs.range((last, 1)).value = quote_prefixed(new_name)
                    copied += 1
        return AddedStrategy(new_name, column_letter(src_col + 1), source, copied)


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
