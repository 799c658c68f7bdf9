"""Fast rows for the big BT_* data sheets (results stage): cell XML written as text, not as
openpyxl cells.

openpyxl builds one ``Cell`` object per cell, styles it and serialises it through an XML
element tree: about 20 microseconds a cell here, 18 s for BT_Fills' 900,000 cells of a
10,000-trade run. A data sheet's rows are plain (a value and the column's number format), so
they are kept aside as lists (:class:`StreamedRows`) and written straight into the sheet's
part of the package when the workbook is saved (:func:`save_workbook`), between what openpyxl
writes before and after the rows (sheet view, freeze panes, widths; conditional formats,
charts). Everything else of the workbook, the copy of the user's config sheets included, is
openpyxl's as before.

Cells are written as openpyxl writes them: numbers as ``%.16g``, dates and times as Excel
serial numbers (1900 date system) with a date format, text as inline strings, so text that
starts with ``=`` stays text (:mod:`engine.workbook.text`); a cell without a value (None, an
empty string, NaN or an infinity) is not written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from io import BytesIO
from pathlib import Path
from typing import IO, Any, Protocol
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

# openpyxl's formats for a date-time or a date cell that has none of its own
DATETIME_FMT = "yyyy-mm-dd h:mm:ss"
DATE_FMT = "yyyy-mm-dd"
_CHUNK_ROWS = 2000
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"\s*/>')


def style_id(ws: Worksheet, number_format: str | None) -> int | None:
    """The workbook's cell-style index of a plain cell with ``number_format`` (registered in
    the workbook's styles as openpyxl registers a styled cell's); None for no format."""
    if number_format is None:
        return None
    cell = Cell(ws)
    cell.number_format = number_format
    return int(cell.style_id)


class RowsBody(Protocol):
    """Rows of one sheet written at save time, after the rows openpyxl holds for it: their
    ``<row>`` elements as UTF-8 chunks. :class:`StreamedRows` (values) is one; the Excel
    side's copy of another workbook's rows as XML (``xlbridge.sheetrows``) another."""

    @property
    def first_row(self) -> int: ...

    @property
    def last_row(self) -> int: ...

    @property
    def width(self) -> int: ...

    def chunks(self) -> Iterator[bytes]: ...


@dataclasses.dataclass
class StreamedRows:
    """Rows of one sheet written at save time: from ``first_row``, ``formats[i]`` the number
    format of column ``i + 1`` (None: General)."""

    rows: Sequence[Sequence[Any]]
    first_row: int
    styles: list[int | None]
    date_style: int
    datetime_style: int

    @classmethod
    def of(cls, ws: Worksheet, rows: Sequence[Sequence[Any]], first_row: int,
           formats: Sequence[str | None]) -> StreamedRows:
        return cls(rows, first_row, [style_id(ws, f) for f in formats],
                   style_id(ws, DATE_FMT) or 0, style_id(ws, DATETIME_FMT) or 0)

    @property
    def last_row(self) -> int:
        return self.first_row + len(self.rows) - 1

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def chunks(self) -> Iterator[bytes]:
        """The ``<row>`` elements, UTF-8, a few thousand rows at a time."""
        cols = max(self.width, len(self.styles))
        letters = [get_column_letter(i) for i in range(1, cols + 1)]
        styles = [*self.styles, *([None] * (cols - len(self.styles)))]
        # per column: '<c r="B' and the style attribute of its numbers and text
        s_attr = [f' s="{s}"' if s is not None else "" for s in styles]
        dt_attr = [f' s="{s if s is not None else self.datetime_style}"' for s in styles]
        d_attr = [f' s="{s if s is not None else self.date_style}"' for s in styles]
        out: list[str] = []
        texts: dict[str, str] = {}  # names, kinds, rights repeat on every row
        serials: dict[dt.date, float] = {}  # so do the timestamps of a trade's fills
        r = self.first_row
        for row in self.rows:
            out.append(f'<row r="{r}">')
            for i, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, str):
                    if not v:
                        continue
                    t = texts.get(v)
                    if t is None:
                        t = texts[v] = _text(v)
                    out.append(f'<c r="{letters[i]}{r}"{s_attr[i]} t="inlineStr"><is>{t}</is></c>')
                elif isinstance(v, bool):
                    out.append(f'<c r="{letters[i]}{r}"{s_attr[i]} t="b"><v>{int(v)}</v></c>')
                elif isinstance(v, int | float):
                    if isinstance(v, float) and not math.isfinite(v):
                        continue
                    out.append(f'<c r="{letters[i]}{r}"{s_attr[i]} t="n"><v>{v:.16g}</v></c>')
                elif isinstance(v, dt.date):
                    serial = serials.get(v)
                    if serial is None:
                        serial = serials[v] = to_excel(v)
                    attr = dt_attr[i] if isinstance(v, dt.datetime) else d_attr[i]
                    out.append(f'<c r="{letters[i]}{r}"{attr} t="n"><v>{serial:.16g}</v></c>')
                else:
                    out.append(f'<c r="{letters[i]}{r}"{s_attr[i]} t="inlineStr"><is>'
                               f'{_text(str(v))}</is></c>')
            out.append("</row>")
            r += 1
            if len(out) > 30 * _CHUNK_ROWS:
                yield "".join(out).encode("utf-8")
                out = []
        if out:
            yield "".join(out).encode("utf-8")


def _text(v: str) -> str:
    """``<t>`` of an inline string: escaped, characters XML cannot hold dropped, spaces at
    either end kept."""
    if ILLEGAL_CHARACTERS_RE.search(v):
        v = ILLEGAL_CHARACTERS_RE.sub("", v)
    esc = v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "\r" in esc:
        esc = esc.replace("\r", "&#13;")
    if esc != esc.strip():
        return f'<t xml:space="preserve">{esc}</t>'
    return f"<t>{esc}</t>"


class _Writer(ExcelWriter):  # type: ignore[misc]  # openpyxl has no type stubs
    """openpyxl's package writer, with the rows of streamed sheets written as text."""

    def __init__(self, workbook: Workbook, archive: ZipFile,
                 streamed: Mapping[str, RowsBody]) -> None:
        super().__init__(workbook, archive)
        self._streamed = streamed

    def write_worksheet(self, ws: Worksheet) -> None:
        body = self._streamed.get(ws.title)
        if body is None or body.last_row < body.first_row:
            super().write_worksheet(ws)
            return
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = WorksheetWriter(ws, out=BytesIO())
        writer.write()
        ws._rels = writer._rels
        xml = writer.read()
        head, tail = _split_rows(xml)
        cols = max(body.width, ws.max_column)
        ref = f'<dimension ref="A1:{get_column_letter(cols)}{max(body.last_row, ws.max_row)}"/>'
        head = _DIMENSION.sub(ref.encode(), head, count=1)
        with self._archive.open(ws.path[1:], "w", force_zip64=True) as part:
            part.write(head)
            for chunk in body.chunks():
                part.write(chunk)
            part.write(tail)
        self.manifest.append(ws)


def _split_rows(xml: bytes) -> tuple[bytes, bytes]:
    """The sheet's XML before the end of its rows, and from there on."""
    end = xml.find(b"</sheetData>")
    if end >= 0:
        return xml[:end], xml[end:]
    empty = xml.find(b"<sheetData/>")
    if empty < 0:  # pragma: no cover - openpyxl always writes sheetData
        raise ValueError("no sheetData in a worksheet openpyxl wrote")
    return xml[:empty] + b"<sheetData>", b"</sheetData>" + xml[empty + len(b"<sheetData/>"):]


def save_workbook(wb: Workbook, path: Path | str | IO[bytes],
                  streamed: Mapping[str, RowsBody]) -> None:
    """``wb.save(path)`` with the rows of ``streamed`` (sheet title -> rows) written as text."""
    wb.properties.modified = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    archive = ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True)
    try:
        _Writer(wb, archive, streamed).save()
    finally:
        archive.close()
