"""A fast read-only :class:`~engine.workbook.protocol.WorkbookReader` over an .xlsx/.xlsm
file: the sheet XML is streamed with :func:`xml.etree.ElementTree.iterparse` (the C parser),
each cell read once for both its formula and its cached value.

openpyxl's full load costs about 10 us a cell (a Cell object with styles per cell, and a
second load for the cached values of formulas), so a 10,000-strategy config workbook took
minutes. This reader gives exactly what :class:`~engine.workbook.openpyxl_adapter.
OpenpyxlReader` gives (the same rectangle of cells from A1, the same values and types,
merged cells read as empty, the same hidden state), and reuses openpyxl for the small
parts: the package manifest, the workbook part (sheet names, state, 1904 epoch), shared
strings and the stylesheet's date formats, and its serial-date conversion. openpyxl is
imported inside the functions (engine never imports it at module top level).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element, iterparse

from engine.errors import PosbtError
from engine.workbook.protocol import Cell, SheetInfo, column_letter

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _C, _V, _F, _IS = _NS + "row", _NS + "c", _NS + "v", _NS + "f", _NS + "is"
_T, _R, _RPH, _MERGE = _NS + "t", _NS + "r", _NS + "rPh", _NS + "mergeCell"


@dataclass(frozen=True)
class _SheetPart:
    name: str
    state: str
    target: str | None  # None: a chartsheet (no cells)


@dataclass
class _Parsed:
    rows: list[list[Cell]]
    merged: tuple[str, ...]


@dataclass(frozen=True)
class _Formats:
    strings: list[str]
    date_styles: frozenset[int]
    timedelta_styles: frozenset[int]
    epoch: Any


def _number(text: str) -> int | float:
    """openpyxl's rule: a decimal point or exponent makes a float."""
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


def _date(serial: int | float, epoch: Any, timedelta: bool, from_excel: Any) -> object:
    """A serial in a date-formatted cell as openpyxl reads it; out of range: ``#VALUE!``."""
    try:
        return from_excel(serial, epoch, timedelta=timedelta)
    except (OverflowError, ValueError):
        return "#VALUE!"


def _inline_text(node: Element) -> str:
    """The text of an ``<is>`` node as openpyxl reads it: the plain ``<t>`` and the rich
    runs' ``<t>``, phonetic runs left out."""
    parts = []
    for child in node:
        if child.tag == _T:
            parts.append(child.text or "")
        elif child.tag == _R:
            t = child.find(_T)
            if t is not None and t.text is not None:
                parts.append(t.text)
    return "".join(parts)


class StreamingReader:
    """:class:`~engine.workbook.protocol.WorkbookReader` over an .xlsx/.xlsm file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._cache: dict[str, _Parsed] = {}
        try:
            self._parts, self._formats = _read_package(self.path)
        except Exception as exc:  # zipfile/openpyxl/XML raise many kinds
            raise PosbtError(f"cannot open as a workbook: {exc}", place=str(path)) from exc
        self._by_name = {p.name: p for p in self._parts}

    def sheet_names(self) -> list[str]:
        return [p.name for p in self._parts]

    def sheet_info(self, name: str) -> SheetInfo:
        part = self._by_name[name]
        return SheetInfo(name=name, hidden=part.state != "visible",
                         merged_ranges=self._parsed(name).merged)

    def rows(self, name: str) -> list[list[Cell]]:
        return self._parsed(name).rows

    def _parsed(self, name: str) -> _Parsed:
        if name not in self._cache:
            part = self._by_name[name]
            if part.target is None:
                self._cache[name] = _Parsed([], ())
            else:
                try:
                    with zipfile.ZipFile(self.path) as archive, \
                            archive.open(part.target) as src:
                        self._cache[name] = _parse_sheet(src, self._formats)
                except Exception as exc:
                    raise PosbtError(f"cannot read sheet {name}: {exc}",
                                     place=str(self.path)) from exc
        return self._cache[name]


def _read_package(path: Path) -> tuple[list[_SheetPart], _Formats]:
    """Sheets (in workbook order, as openpyxl lists them) and what cell values need."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    reader = ExcelReader(str(path), read_only=True, data_only=True)
    try:
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        valid = set(reader.valid_files)
        parts = []
        for sheet, rel in reader.parser.find_sheets():
            if rel.target not in valid:
                continue  # openpyxl skips a sheet whose part is missing
            target = None if "chartsheet" in rel.Type else rel.target
            parts.append(_SheetPart(sheet.name, sheet.state or "visible", target))
        wb = reader.wb
        formats = _Formats(strings=list(reader.shared_strings),
                           date_styles=frozenset(wb._date_formats),
                           timedelta_styles=frozenset(wb._timedelta_formats), epoch=wb.epoch)
    finally:
        reader.archive.close()
    return parts, formats


def _parse_sheet(src: IO[bytes], fmt: _Formats) -> _Parsed:
    from openpyxl.formula.translate import Translator
    from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries
    from openpyxl.utils.datetime import from_excel, from_ISO8601

    strings, dates, deltas, epoch = (fmt.strings, fmt.date_styles, fmt.timedelta_styles,
                                     fmt.epoch)
    cells: dict[tuple[int, int], tuple[object, str | None]] = {}
    merged: list[tuple[int, int, int, int]] = []
    shared: dict[str, Any] = {}
    row_counter = 0

    col_of: dict[str, int] = {}  # column letters -> number, parsed once per column
    for _event, el in iterparse(src):
        tag = el.tag
        if tag == _ROW:
            r = el.get("r")
            row_counter = int(float(r)) if r else row_counter + 1
            col_counter = 0
            rs = str(row_counter)
            for c in el:
                if c.tag != _C:
                    continue
                coord = c.get("r")
                if coord:
                    letters = coord[:-len(rs)] if coord.endswith(rs) else ""
                    col = col_of.get(letters, 0)
                    if col:
                        row = row_counter
                    else:
                        row, col = coordinate_to_tuple(coord)
                        if row == row_counter:
                            col_of[letters] = col
                    col_counter = col
                else:
                    col_counter += 1
                    row, col = row_counter, col_counter
                t = c.get("t", "n")
                # children come in schema order (f, v, is): look at them by position and
                # fall back to a search only for an unusual order
                n = len(c)
                f = k = None
                if n:
                    k = c[0]
                    if k.tag == _F:
                        f, k = k, (c[1] if n > 1 else None)
                value: object
                if t == "inlineStr":
                    node = k if k is not None and k.tag == _IS else c.find(_IS)
                    if node is None:
                        value = None
                    elif len(node) == 1 and node[0].tag == _T:
                        value = node[0].text or ""
                    else:
                        value = _inline_text(node)
                else:
                    text = (k.text if k is not None and k.tag == _V else c.findtext(_V)) or None
                    if text is None:
                        value = None
                    elif t == "n":
                        s = c.get("s")
                        value = _number(text)
                        if s and int(s) in dates:
                            value = _date(value, epoch, int(s) in deltas, from_excel)
                    elif t == "s":
                        value = strings[int(text)]
                    elif t == "b":
                        value = bool(int(text))
                    elif t == "d":
                        value = from_ISO8601(text)
                    else:  # "str" (a formula's text result), "e" (an error such as #N/A)
                        value = text
                if f is None and n > 1:
                    f = c.find(_F)
                formula = None
                if f is not None:
                    formula = "=" + (f.text or "")
                    if f.get("t") == "shared":
                        si = f.get("si") or ""
                        here = coord or f"{column_letter(col)}{row}"
                        if si in shared:
                            formula = shared[si].translate_formula(here)
                        elif formula != "=":
                            shared[si] = Translator(formula, here)
                cells[(row, col)] = (value, formula)
            el.clear()
        elif tag == _MERGE:
            ref = el.get("ref")
            if ref:
                c0, r0, c1, r1 = range_boundaries(ref)
                merged.append((int(c0 or 1), int(r0 or 1), int(c1 or 1), int(r1 or 1)))
            el.clear()
    for c0, r0, c1, r1 in merged:  # openpyxl empties every cell but the top-left one
        cells.setdefault((r0, c0), (None, None))
        for mr in range(r0, r1 + 1):
            for mc in range(c0, c1 + 1):
                if (mr, mc) != (r0, c0):
                    cells[(mr, mc)] = (None, None)
    ranges = tuple(f"{column_letter(c0)}{r0}" + ("" if (c0, r0) == (c1, r1) else
                                                 f":{column_letter(c1)}{r1}")
                   for c0, r0, c1, r1 in merged)
    if not cells:
        return _Parsed([], ranges)
    max_row = max(key[0] for key in cells)
    max_col = max(key[1] for key in cells)
    names = [""] + [column_letter(k) for k in range(1, max_col + 1)]
    empty: tuple[object, str | None] = (None, None)
    out = []
    for ri in range(1, max_row + 1):
        rtext = str(ri)
        line = []
        for ci in range(1, max_col + 1):
            cached, text_f = cells.get((ri, ci), empty)
            line.append(Cell(ri, ci, names[ci] + rtext, cached, text_f))
        out.append(line)
    return _Parsed(out, ranges)
