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
from pathlib import Path
from typing import Any, Protocol

from engine.errors import PosbtError
from engine.workbook.openpyxl_adapter import OpenpyxlReader
from engine.workbook.protocol import Cell, SheetInfo
from engine.workbook.text import formula_like
from xlbridge.newstrategy import FileStrategyColumns

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


def _copy_sheet(src: Any, dst: Any) -> None:
    """Values, styles, widths, freeze panes and charts of one openpyxl sheet."""
    for row in src.iter_rows():
        for c in row:
            t = dst.cell(row=c.row, column=c.column, value=c.value)
            if c.data_type != "f" and formula_like(c.value):
                t.data_type = "s"  # text stays text (engine.workbook.text)
            if c.has_style:
                t.font, t.fill, t.border = copy(c.font), copy(c.fill), copy(c.border)
                t.alignment, t.protection = copy(c.alignment), copy(c.protection)
                t.number_format = c.number_format
    for key, dim in src.column_dimensions.items():
        dst.column_dimensions[key].width = dim.width
    dst.freeze_panes = src.freeze_panes
    for rng in src.conditional_formatting:  # BT_Monthly's colour scale
        for rule in rng.rules:
            dst.conditional_formatting.add(str(rng.sqref), rule)
    for chart in src._charts:  # the charts' series refer to their sheet by name
        dst.add_chart(chart, chart.anchor)


class FileBook(FileStrategyColumns):
    """A workbook file as the ribbon sees it: read its sheets (the reader protocol),
    replace its BT_* sheets atomically (a temporary file renamed over it), add a strategy
    column (New Strategy)."""

    def _reader(self) -> OpenpyxlReader:
        return OpenpyxlReader(self.path)

    def sheet_names(self) -> list[str]:
        return self._reader().sheet_names()

    def sheet_info(self, name: str) -> SheetInfo:
        return self._reader().sheet_info(name)

    def rows(self, name: str) -> list[list[Cell]]:
        return self._reader().rows(name)

    def replace_result_sheets(self, results: Path,
                              only: Sequence[str] | None = None) -> list[str]:
        from openpyxl import load_workbook

        source = load_workbook(results)
        names = result_sheet_names(source.sheetnames, only)
        if not names:
            raise PosbtError(f"the results workbook has no {', '.join(only or ['BT_*'])} "
                             "sheets", place=str(results))
        keep_vba = self.path.suffix.lower() == ".xlsm"
        book = load_workbook(self.path, keep_vba=keep_vba)
        for name in result_sheet_names(book.sheetnames, only):
            del book[name]
        for name in names:
            _copy_sheet(source[name], book.create_sheet(name))
        fd, tmp = tempfile.mkstemp(prefix=".posbt-", suffix=self.path.suffix, dir=self.path.parent)
        os.close(fd)
        try:
            book.save(tmp)
            os.replace(tmp, self.path)
        except PermissionError as exc:
            raise PosbtError(locked_message(self.path), place=str(self.path)) from exc
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return names
