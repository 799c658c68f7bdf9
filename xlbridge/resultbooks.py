"""Putting a finished job's BT_* sheets into the user's workbook, all or nothing.

Excel-side writer used by the Run Backtest flow (:mod:`xlbridge.jobflow`). The server's job
writes a complete results workbook (the engine's writer: formats and native charts, the
same file ``posbt run`` writes); here its BT_* sheets replace the previous run's BT_*
sheets of the workbook. Two implementations of :class:`ResultSheetsSink`:
:class:`FileBook` (a workbook file, through openpyxl: tests and headless use) and
``XlwingsBook`` in :mod:`xlbridge.book` (the open book in Excel). Sheets that are not
posbt's (no ``BT_`` prefix) are never touched.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from copy import copy
from io import BytesIO
from pathlib import Path
from typing import Any, Protocol
from xml.etree.ElementTree import ParseError
from zipfile import BadZipFile

from engine.errors import PosbtError
from engine.results.xlsx_rows import save_workbook
from engine.workbook.openpyxl_adapter import OpenpyxlReader
from engine.workbook.protocol import Cell, SheetInfo
from engine.workbook.text import formula_like
from xlbridge.newstrategy import FileStrategyColumns
from xlbridge.sheetrows import (
    HEAD_ROWS,
    RowsTail,
    SplitPackage,
    package_sheet_names,
    split_package,
)

RESULT_PREFIX = "BT_"


class ResultSheetsSink(Protocol):
    """Replaces a workbook's BT_* sheets with those of a results workbook."""

    def replace_result_sheets(self, results: Path,
                              only: Sequence[str] | None = None) -> list[str]:
        """Copy every BT_* sheet of ``results`` in, drop the old ones; the names written.
        With ``only`` (a sweep's BT_Sweep and BT_SweepStats), just those sheets are copied
        and replaced; the other BT_* sheets (the last backtest's) stay."""


def result_sheet_names(sheet_names: Sequence[str], only: Sequence[str] | None) -> list[str]:
    """The BT_* sheets among ``sheet_names`` (those named in ``only``, when given), in
    their order."""
    return [n for n in sheet_names if n.startswith(RESULT_PREFIX)
            and (only is None or n in only)]


def locked_message(path: Path) -> str:
    return (f"{path.name} is open in Excel (the file is locked): close it and press Run "
            "Backtest again, or let posbt write the results into this workbook "
            "(RESULTS_TO = sheets in posbt.conf)")


def check_writable(path: Path) -> None:
    """PosbtError when an existing file cannot be opened for writing (Windows locks a
    workbook open in Excel)."""
    if not path.is_file():  # nothing there yet (or a folder: the job reports that)
        return
    try:
        with open(path, "r+b"):
            pass
    except PermissionError as exc:
        raise PosbtError(locked_message(path), place=str(path)) from exc


def _copy_style(c: Any, t: Any) -> None:
    """Font, fill, border, alignment, protection and number format of cell ``c`` onto ``t``
    (another workbook's cell: the style objects are copied, not shared)."""
    t.font, t.fill, t.border = copy(c.font), copy(c.fill), copy(c.border)
    t.alignment, t.protection = copy(c.alignment), copy(c.protection)
    t.number_format = c.number_format


class _Styles:
    """The cell formats of a source workbook registered in a target workbook: the same
    font, fill, border, alignment, protection and number format, built once per distinct
    format (openpyxl's style copy serialises each style object: about a millisecond a
    cell)."""

    def __init__(self, source: Any, target: Any) -> None:
        self._source, self._sheet, self._target = source, source.worksheets[0], target
        self._arrays: dict[tuple[int, ...], Any] = {}

    def array(self, style: Any) -> Any:
        """The target's style array of a source cell's style array (a copy for one cell)."""
        key = tuple(style)
        got = self._arrays.get(key)
        if got is None:
            from openpyxl.cell.cell import Cell as XlCell

            c = XlCell(self._sheet, style_array=copy(style))
            t = XlCell(self._target)
            if c.has_style:
                _copy_style(c, t)
            got = self._arrays[key] = t._style
        return copy(got)

    def index(self, source_index: int) -> int:
        """The target's cell-format index of the source's format ``source_index``."""
        styles = self._source._cell_styles
        if not 0 <= source_index < len(styles):
            return 0  # no such format in the source: Excel shows the default
        return int(self._target.parent._cell_styles.add(self.array(styles[source_index])))


def _copy_sheet(src: Any, dst: Any, styles: _Styles) -> None:
    """Values, styles, widths, row heights, freeze panes and charts of one openpyxl sheet."""
    for row in src.iter_rows():
        for c in row:
            t = dst.cell(row=c.row, column=c.column, value=c.value)
            if c.data_type != "f" and formula_like(c.value):
                t.data_type = "s"  # text stays text (engine.workbook.text)
            if c.has_style:
                t._style = styles.array(c._style)
    for key, dim in src.column_dimensions.items():
        dst.column_dimensions[key].width = dim.width
    for idx, rdim in src.row_dimensions.items():  # BT_Summary's wrapped lines
        if rdim.height is not None:
            dst.row_dimensions[idx].height = rdim.height
    dst.freeze_panes = src.freeze_panes
    for rng in src.conditional_formatting:  # BT_Monthly's colour scale
        for rule in rng.rules:
            dst.conditional_formatting.add(str(rng.sqref), rule)
    for chart in src._charts:  # the charts' series refer to their sheet by name
        dst.add_chart(chart, chart.anchor)


def _last_row(ws: Any) -> int:
    """The last row openpyxl will write for ``ws``: of a cell or a row format."""
    return max(max((r for r, _ in ws._cells), default=0),
               max(ws.row_dimensions.keys(), default=0))


class FileBook(FileStrategyColumns):
    """A workbook file as the ribbon sees it: read its sheets (the reader protocol),
    replace its BT_* sheets atomically (a temporary file renamed over it), add a strategy
    column (New Strategy).

    Big BT_* sheets do not go through openpyxl cell by cell: the first ``head_rows`` rows
    do, the rest are copied as XML (:mod:`xlbridge.sheetrows`)."""

    head_rows: int = HEAD_ROWS

    def _reader(self) -> OpenpyxlReader:
        return OpenpyxlReader(self.path)

    def sheet_names(self) -> list[str]:
        return self._reader().sheet_names()

    def sheet_info(self, name: str) -> SheetInfo:
        return self._reader().sheet_info(name)

    def rows(self, name: str) -> list[list[Cell]]:
        return self._reader().rows(name)

    def _load(self, path: Path, cut: Sequence[str], emptied: Sequence[str] = (),
              keep_vba: bool = False) -> tuple[SplitPackage, Any]:
        """``path`` loaded by openpyxl with the rows of ``cut`` after their heads kept as
        XML. A sheet where openpyxl makes cells below the head anyway (a merged range, a
        hyperlink or a comment reaching into the cut rows) is loaded whole instead: its rows
        and the XML's would both be written."""
        from openpyxl import load_workbook

        whole: set[str] = set()
        while True:
            split = split_package(path, [n for n in cut if n not in whole], emptied,
                                  self.head_rows)
            wb = load_workbook(BytesIO(split.head), keep_vba=keep_vba)
            overlap = {n for n, tail in split.tails.items()
                       if _last_row(wb[n]) >= tail.first_row}
            if not overlap:
                return split, wb
            whole |= overlap

    def replace_result_sheets(self, results: Path,
                              only: Sequence[str] | None = None) -> list[str]:
        try:
            names = result_sheet_names(package_sheet_names(results), only)
        except (BadZipFile, KeyError, ParseError) as exc:
            raise PosbtError(f"the results workbook cannot be read ({exc})",
                             place=str(results)) from None
        if not names:
            raise PosbtError(f"the results workbook has no {', '.join(only or ['BT_*'])} "
                             "sheets", place=str(results))
        theirs, source = self._load(results, names)
        # the book's own BT_* sheets: those replaced need no cells, those kept (a sweep's
        # ``only``) keep theirs as XML: same styles (openpyxl keeps the cell-format order)
        own = [n for n in package_sheet_names(self.path) if n.startswith(RESULT_PREFIX)]
        replaced = result_sheet_names(own, only)
        mine, book = self._load(self.path, [n for n in own if n not in replaced], replaced,
                                keep_vba=self.path.suffix.lower() == ".xlsm")
        streamed: dict[str, RowsTail] = {name: tail.rebased(None, mine.shared)
                                         for name, tail in mine.tails.items()}
        for name in replaced:
            del book[name]
        styles: _Styles | None = None
        for name in names:
            dst = book.create_sheet(name)
            styles = styles or _Styles(source, dst)
            _copy_sheet(source[name], dst, styles)
            tail = theirs.tails.get(name)
            if tail is not None:
                streamed[name] = tail.rebased(styles.index, theirs.shared)
        fd, tmp = tempfile.mkstemp(prefix=".posbt-", suffix=self.path.suffix, dir=self.path.parent)
        os.close(fd)
        try:
            save_workbook(book, tmp, streamed)
            os.replace(tmp, self.path)
        except PermissionError as exc:
            raise PosbtError(locked_message(self.path), place=str(self.path)) from exc
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return names
