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

import io
import re
import zipfile
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import IO, Any, cast
from xml.etree.ElementTree import Element, iterparse

from engine.errors import PosbtError
from engine.workbook.protocol import Cell, SheetGrid, SheetInfo, column_letter

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
    grid: SheetGrid
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
        return self._parsed(name).grid.rows()

    def grid(self, name: str) -> SheetGrid:
        """The cells of sheet ``name`` as :meth:`rows` gives them, without a Cell each."""
        return self._parsed(name).grid

    def _parsed(self, name: str) -> _Parsed:
        if name not in self._cache:
            part = self._by_name[name]
            if part.target is None:
                self._cache[name] = _Parsed(SheetGrid({}, {}), ())
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


class _State:
    """What reading one sheet carries from cell to cell: the formats, the shared formulas
    seen so far (by index) and the column number of each column's letters."""

    def __init__(self, fmt: _Formats) -> None:
        self.fmt = fmt
        self.shared: dict[str, Any] = {}
        self.col_of: dict[str, int] = {}


def _cell(c: Element, row_counter: int, col_counter: int, st: _State
          ) -> tuple[int, int, object, str | None]:
    """(row, column, value, formula) of a ``<c>`` element, as openpyxl reads it."""
    from openpyxl.formula.translate import Translator
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.utils.datetime import from_excel, from_ISO8601

    fmt = st.fmt
    coord = c.get("r")
    if coord:
        rs = str(row_counter)
        letters = coord[:-len(rs)] if coord.endswith(rs) else ""
        col = st.col_of.get(letters, 0)
        if col:
            row = row_counter
        else:
            row, col = coordinate_to_tuple(coord)
            if row == row_counter:
                st.col_of[letters] = col
    else:
        row, col = row_counter, col_counter + 1
    t = c.get("t", "n")
    # children come in schema order (f, v, is): look at them by position and fall back to
    # a search only for an unusual order
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
            if s and int(s) in fmt.date_styles:
                value = _date(value, fmt.epoch, int(s) in fmt.timedelta_styles, from_excel)
        elif t == "s":
            value = fmt.strings[int(text)]
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
            if si in st.shared:
                formula = st.shared[si].translate_formula(here)
            elif formula != "=":
                st.shared[si] = Translator(formula, here)
    return row, col, value, formula


# The fast path reads the cells of <sheetData> with regular expressions instead of an XML
# parser: one match a cell, and a cell's value looked up by the text after its address
# (a config sheet repeats the same few hundred values across thousands of columns). It
# takes only what it can read exactly as the parser would: UTF-8 without comments, CDATA,
# a DTD, carriage returns or characters XML forbids; rows of <c> elements and whitespace;
# the default namespace the main one. A cell in any other form (a formula, rich text, an
# entity, attributes in another order) is handed to the XML parser alone, and anything
# else, or any error, sends the whole sheet to the parser, which then reads or refuses it.
_WS = "[ \t\n]*"
_ATTRS = (r"(?:[ \t\n]+[A-Za-z_:][\w.:-]*[ \t\n]*=[ \t\n]*"
          r"""(?:"[^"<&\t\n\r]*"|'[^'<&\t\n\r]*'))*""")
_ROW_OPEN = re.compile(_WS + "<row(" + _ATTRS + ")" + _WS + "(/?)>")
_ROW_CLOSE = re.compile(_WS + "</row>")
_END = re.compile(_WS)
_ATTR = re.compile(r"""([A-Za-z_:][\w.:-]*)[ \t\n]*=[ \t\n]*(?:"([^"]*)"|'([^']*)')""")
_TEXT = "[^<&]*(?:&(?:lt|gt|amp|quot|apos);[^<&]*)*"  # the five named entities only
_CELL_TAIL = (r'(?: s="[0-9]+")?(?: t="[A-Za-z]+")?(?: ?/>|>(?:<v>' + _TEXT + '</v>|'
              r'<is><t(?: xml:space="preserve")?>' + _TEXT + '</t></is>)?</c>)')
_FAST_CELL = re.compile(_WS + '<c r="([A-Z]{1,3})([0-9]+)"(' + _CELL_TAIL + ")")
_TAIL_PARTS = re.compile(r'(?: s="([0-9]+)")?(?: t="([A-Za-z]+)")?(?: ?/>|>(?:<v>(' + _TEXT +
                         ')</v>|<is><t(?: xml:space="preserve")?>(' + _TEXT + ')</t></is>)?</c>)')
_ANY_CELL = re.compile(_WS + "(<c" + r"""(?:[ \t\n]+[^\s=/>]+[ \t\n]*=[ \t\n]*"""
                       r"""(?:"[^"<]*"|'[^'<]*'))*""" + _WS + "(?:/>|>.*?</c>))", re.S)
# bytes XML forbids (and \r, which the parser turns into \n), deleted to see if any is
# there: a translate is several times faster than a regular-expression search
_NOT_PLAIN = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x0D])
_ROOT = re.compile(rb"<worksheet\b[^>]*>")
_MAIN_DEFAULT = b'xmlns="' + _NS[1:-1].encode() + b'"'
_ENCODING = re.compile(rb"""encoding[ \t\r\n]*=[ \t\r\n]*["']([^"']*)""")


def _split_sheet_data(data: bytes) -> tuple[str, str, bytes] | None:
    """(root start tag, the text inside <sheetData>, the document without it) when the
    fast path may read this sheet, else None."""
    if b"<!" in data:
        return None
    if data.startswith(b"<?xml"):
        m = _ENCODING.search(data, 0, max(data.find(b"?>"), 0))
        if m is not None and m.group(1).lower() != b"utf-8":
            return None
    root = _ROOT.search(data)
    if root is None or _MAIN_DEFAULT not in root.group(0):
        return None
    open_at = data.find(b"<sheetData>", root.end())
    if open_at < 0 or b"xmlns" in data[root.end():open_at]:
        return None
    start = open_at + len(b"<sheetData>")
    end = data.find(b"</sheetData>", start)
    if end < 0 or data.find(b"<sheetData", end) >= 0:
        return None
    rest = data[:start] + data[end:]
    if b"<row" in rest:
        return None
    body = data[start:end]
    if (b"]]>" in body or b"\xef\xbf\xbe" in body or b"\xef\xbf\xbf" in body  # U+FFFE/F
            or len(body.translate(None, _NOT_PLAIN)) != len(body)):
        return None
    return root.group(0).decode("utf-8"), body.decode("utf-8"), rest


def _unescape(text: str) -> str:
    """The five named XML entities replaced (``&amp;`` last), as the parser does."""
    if "&" not in text:
        return text
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


def _fast_value(tail: str, st: _State) -> object:
    """The value of a plain cell from the text after its address (see _CELL_TAIL)."""
    from openpyxl.utils.datetime import from_excel, from_ISO8601

    m = _TAIL_PARTS.fullmatch(tail)
    if m is None:
        raise ValueError(f"unexpected cell text {tail!r}")
    s, t, vtext, istext = m.groups()
    if t == "inlineStr":
        return None if istext is None else _unescape(istext)
    text = _unescape(vtext) if vtext else None
    fmt = st.fmt
    if text is None:
        return None
    if t is None or t == "n":
        value = _number(text)
        if s and int(s) in fmt.date_styles:
            return _date(value, fmt.epoch, int(s) in fmt.timedelta_styles, from_excel)
        return value
    if t == "s":
        return fmt.strings[int(text)]
    if t == "b":
        return bool(int(text))
    if t == "d":
        return from_ISO8601(text)
    return text


class _Grid:
    """The cells read so far: row -> column -> value, and the formulas apart (few)."""

    def __init__(self) -> None:
        self.values: dict[int, dict[int, object]] = {}
        self.formulas: dict[int, dict[int, str]] = {}

    def put(self, row: int, col: int, value: object, formula: str | None) -> None:
        """One cell; a later cell at the same address replaces an earlier one."""
        line = self.values.get(row)
        if line is None:
            line = self.values[row] = {}
        line[col] = value
        if formula is not None:
            self.formulas.setdefault(row, {})[col] = formula
        elif row in self.formulas:
            self.formulas[row].pop(col, None)

    def put_plain(self, row: int, cols: list[int], values: list[object]) -> None:
        """Cells without formulas along one row, in document order."""
        line = self.values.get(row)
        if line is None:
            line = self.values[row] = {}
        line.update(zip(cols, values, strict=True))
        if row in self.formulas:
            for col in cols:
                self.formulas[row].pop(col, None)


def _plain_row(body: str, rs: str, row: int, st: _State, values: dict[str, object],
               grid: _Grid) -> bool:
    """Read a row's ``body`` whole when it is nothing but plain cells (no whitespace or
    text between them) in columns already known, addressed in the row (``rs``): split at
    each ``<c r="``, every piece is the address, a quote and a tail that _fast_value
    accepts (values are looked up by tail, so each distinct tail is checked once). All the
    work a cell is done by C-level maps. False (nothing read) for any other row."""
    pieces = body.split('<c r="')
    if len(pieces) < 2 or pieces[0]:
        return False
    coords, _quotes, tails = zip(*map(str.partition, pieces[1:], repeat('"')), strict=True)
    if sum(map(str.endswith, coords, repeat(rs))) != len(coords):
        return False
    cols = list(map(st.col_of.get, map(str.removesuffix, coords, repeat(rs))))
    if None in cols:
        return False
    try:
        for tail in set(tails).difference(values):
            values[tail] = _fast_value(tail, st)
    except Exception:  # read a cell at a time, which takes or refuses it
        return False
    grid.put_plain(row, cast(list[int], cols), list(map(values.__getitem__, tails)))
    return True


def _fast_cells(data: bytes, st: _State, grid: _Grid) -> bytes | None:
    """Read the cells of ``data`` (a sheet's XML) into ``grid`` by the fast path; return
    the document without its cells (for the merged ranges), or None when the fast path
    cannot read it exactly (``grid`` is then to be thrown away).

    A row made only of plain cells in known columns is read whole (one match for the row,
    the values looked up by C-level maps); any other row a cell at a time."""
    from xml.etree.ElementTree import fromstring

    from openpyxl.utils.cell import coordinate_to_tuple

    split = _split_sheet_data(data)
    if split is None:
        return None
    root_tag, content, rest = split
    close_root = "</" + root_tag[1:].split(None, 1)[0].rstrip(">") + ">"
    values: dict[str, object] = {}
    col_of = st.col_of
    row_open, row_close, fast, any_cell = (_ROW_OPEN.match, _ROW_CLOSE.match,
                                           _FAST_CELL.match, _ANY_CELL.match)
    missing = object()
    pos, row_counter = 0, 0
    while True:
        m = row_open(content, pos)
        if m is None:
            return rest if _END.fullmatch(content, pos) else None
        pos = m.end()
        attrs = {a: (v1 if v1 is not None else v2) for a, v1, v2 in _ATTR.findall(m.group(1))}
        r = attrs.get("r")
        row_counter = int(float(r)) if r else row_counter + 1
        if m.group(2):
            continue  # <row/>
        col_counter = 0
        rs = str(row_counter)
        end = content.find("</row>", pos)
        if end > pos and _plain_row(content[pos:end], rs, row_counter, st, values, grid):
            pos = end + len("</row>")
            continue
        while True:
            m = fast(content, pos)
            if m is not None:
                pos = m.end()
                letters_, digits_, tail = m.groups()
                if digits_ == rs and letters_ in col_of:
                    row, col = row_counter, col_of[letters_]
                else:
                    row, col = coordinate_to_tuple(letters_ + digits_)
                    if row == row_counter:
                        col_of[letters_] = col
                col_counter = col
                value = values.get(tail, missing)
                if value is missing:
                    value = values[tail] = _fast_value(tail, st)
                grid.put(row, col, value, None)
                continue
            m = row_close(content, pos)
            if m is not None:
                pos = m.end()
                break
            m = any_cell(content, pos)
            if m is None:
                return None
            pos = m.end()
            element = fromstring(root_tag + m.group(1) + close_root)[0]
            row, col, value, formula = _cell(element, row_counter, col_counter, st)
            col_counter = col
            grid.put(row, col, value, formula)


def _parse_sheet(src: IO[bytes], fmt: _Formats) -> _Parsed:
    from openpyxl.utils.cell import range_boundaries

    data = src.read()
    grid, st = _Grid(), _State(fmt)
    try:
        rest = _fast_cells(data, st, grid)
    except Exception:  # the parser below reads it, or gives the reason it cannot
        rest = None
    if rest is None:
        grid, st, rest = _Grid(), _State(fmt), data
    merged: list[tuple[int, int, int, int]] = []
    row_counter = 0
    for _event, el in iterparse(io.BytesIO(rest)):
        tag = el.tag
        if tag == _ROW:
            r = el.get("r")
            row_counter = int(float(r)) if r else row_counter + 1
            col_counter = 0
            for c in el:
                if c.tag != _C:
                    continue
                row, col, value, formula = _cell(c, row_counter, col_counter, st)
                col_counter = col
                grid.put(row, col, value, formula)
            el.clear()
        elif tag == _MERGE:
            ref = el.get("ref")
            if ref:
                c0, r0, c1, r1 = range_boundaries(ref)
                merged.append((int(c0 or 1), int(r0 or 1), int(c1 or 1), int(r1 or 1)))
            el.clear()
    for c0, r0, c1, r1 in merged:  # openpyxl empties every cell but the top-left one
        grid.values.setdefault(r0, {}).setdefault(c0, None)
        for mr in range(r0, r1 + 1):
            for mc in range(c0, c1 + 1):
                if (mr, mc) != (r0, c0):
                    grid.put(mr, mc, None, None)
    ranges = tuple(f"{column_letter(c0)}{r0}" + ("" if (c0, r0) == (c1, r1) else
                                                 f":{column_letter(c1)}{r1}")
                   for c0, r0, c1, r1 in merged)
    return _Parsed(SheetGrid(grid.values, grid.formulas), ranges)
