"""The rows of big BT_* sheets moved between workbook files as XML, not as openpyxl cells.

Used by :class:`xlbridge.resultbooks.FileBook` when a finished job's BT_* sheets go into the
user's workbook file. openpyxl loads, styles and saves one ``Cell`` object per cell (with a
copy of its font, fill, border, alignment and protection when copied): minutes for the
million cells of a 10,000-trade run. So the packages are cut before openpyxl sees them
(:func:`split_package`): a big sheet keeps its first ``head_rows`` rows (header, styles) in
the copy openpyxl loads, with everything else of the sheet (widths, freeze panes,
conditional formats, charts and their drawing); the XML of its other rows is kept aside as a
:class:`RowsTail` and written back at save time into the sheet openpyxl writes
(:func:`engine.results.xlsx_rows.save_workbook`, the engine's own streamed-rows writer).

On the way a tail's cells are rewritten where the two packages differ:

* cell styles: ``s="N"`` is an index into the source package's cell formats; it becomes the
  index of a format with the same font, fill, border, alignment, protection and number
  format in the destination (``style_of``, called once per distinct index);
* shared strings: a ``t="s"`` cell indexes the source's string table, which openpyxl
  rebuilds at save, so it becomes an inline string with the same content (text stays text,
  rich runs stay runs; :mod:`engine.workbook.text`).

Everything else of a row (values, numbers, dates as serials, formulas, row heights) is
copied byte for byte. A sheet whose XML is not the plain shape openpyxl and posbt write (a
prefixed namespace, no ``sheetData``) is not cut: openpyxl then loads it whole, as before.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Collection, Iterator
from io import BytesIO
from pathlib import Path
from zipfile import ZIP_STORED, ZipFile

from openpyxl.utils.cell import range_boundaries

HEAD_ROWS = 100  # rows of a big sheet that openpyxl loads and writes itself
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ROW_START = re.compile(rb"<row[\s>/]")
_ROW_NUMBER = re.compile(rb'<row\b[^>]*?\sr="(\d+)"')
_DIMENSION = re.compile(rb'<dimension\s+ref="([^"]*)"')
# the style attribute of a cell or a row (text content cannot hold '<': it is escaped)
_STYLE = re.compile(rb'(<(?:c|row)\s[^>]*?\bs=")(\d+)(")')
_SHARED = re.compile(rb'<c(\s[^>]*?)\st="s"([^>]*)>\s*<v>\s*(\d+)\s*</v>\s*</c>')
_SI = re.compile(rb"<si>(.*?)</si>|<si\s*/>", re.DOTALL)
# attributes the sheet openpyxl writes cannot carry: a prefixed one (Excel's
# x14ac:dyDescent on rows; its namespace is declared on the source's root only) and cell
# metadata (cm, vm: indices into a metadata part openpyxl does not keep)
_FOREIGN = re.compile(rb'(<(?:row|c)\b[^>]*?)\s(?:[A-Za-z_][\w.-]*:[\w.-]+|cm|vm)="[^"]*"')

StyleOf = Callable[[int], int]


@dataclasses.dataclass
class RowsTail:
    """The XML of a sheet's rows after its head (``<row>`` elements, as the source package
    has them), rows ``first_row`` to ``last_row``, ``width`` columns."""

    xml: bytes
    first_row: int
    last_row: int
    width: int

    def chunks(self) -> Iterator[bytes]:
        """The ``<row>`` elements (the body :func:`engine.results.xlsx_rows.save_workbook`
        writes into the sheet)."""
        step = 1 << 22
        for i in range(0, len(self.xml), step):
            yield self.xml[i:i + step]

    def rebased(self, style_of: StyleOf | None, shared: list[bytes] | None) -> RowsTail:
        """This tail for another package: style indices through ``style_of`` (None: kept),
        shared-string cells as inline strings of ``shared`` (the source's string table),
        attributes the destination cannot declare dropped (as openpyxl drops them)."""
        xml = self.xml
        if b":" in xml or b'm="' in xml:  # (a quick look first: posbt's rows have none)
            while _FOREIGN.search(xml):  # one attribute a tag each pass: Excel writes one
                xml = _FOREIGN.sub(rb"\1", xml)
        if shared is not None and b't="s"' in xml:
            def inline(m: re.Match[bytes]) -> bytes:
                i = int(m[3])
                text = shared[i] if i < len(shared) else b"<t></t>"  # no such string: empty
                return b"<c" + m[1] + b' t="inlineStr"' + m[2] + b"><is>" + text + b"</is></c>"
            xml = _SHARED.sub(inline, xml)
        if style_of is not None:
            cache: dict[bytes, bytes] = {}

            def restyle(m: re.Match[bytes]) -> bytes:
                new = cache.get(m[2])
                if new is None:
                    new = cache[m[2]] = str(style_of(int(m[2]))).encode()
                return m[1] + new + m[3]
            xml = _STYLE.sub(restyle, xml)
        return dataclasses.replace(self, xml=xml)


@dataclasses.dataclass
class SplitPackage:
    """A workbook package cut for openpyxl: ``head`` (the package with the big sheets'
    rows after their heads taken out, and the ``emptied`` sheets' rows all gone), the
    ``tails`` taken out (sheet name -> rows) and the source's shared strings (each ``<si>``'s
    content)."""

    head: bytes
    tails: dict[str, RowsTail]
    shared: list[bytes]


def sheet_parts(archive: ZipFile) -> dict[str, str]:
    """Sheet name -> its worksheet part in the package (``xl/worksheets/sheet1.xml``)."""
    book = ET.fromstring(archive.read("xl/workbook.xml"))
    rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL}Relationship")}
    parts: dict[str, str] = {}
    for sheet in book.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_REL}id"))
        if target:
            path = target.lstrip("/") if target.startswith("/") else \
                posixpath.normpath(posixpath.join("xl", target))
            parts[sheet.get("name", "")] = path
    return parts


def package_sheet_names(path: Path) -> list[str]:
    """The sheet names of the workbook package at ``path``, in tab order."""
    with ZipFile(path) as archive:
        return list(sheet_parts(archive))


def _cut(xml: bytes, head_rows: int) -> tuple[bytes, RowsTail] | None:
    """The sheet without its rows after ``head_rows``, and those rows; None when it has no
    more rows than that (or is not the plain XML shape this reads)."""
    start = xml.find(b"<sheetData>")
    end = xml.find(b"</sheetData>")
    if start < 0 or end < start:
        return None
    rows = _ROW_START.finditer(xml, start, end)
    cut = None
    for i, m in enumerate(rows):
        if i == head_rows:
            cut = m.start()
            break
    if cut is None:
        return None
    first = _ROW_NUMBER.match(xml, cut)
    last = _ROW_NUMBER.match(xml, xml.rfind(b"<row", cut, end))
    if first is None or last is None:  # rows without numbers: leave the sheet whole
        return None
    dim = _DIMENSION.search(xml, 0, start)
    width = 0
    if dim is not None:
        try:
            width = int(range_boundaries(dim[1].decode())[2] or 0)
        except (ValueError, TypeError):  # a malformed dimension: the head's width serves
            width = 0
    tail = RowsTail(xml[cut:end], int(first[1]), int(last[1]), width)
    return xml[:cut] + xml[end:], tail


def _emptied(xml: bytes) -> bytes:
    start = xml.find(b"<sheetData>")
    end = xml.find(b"</sheetData>")
    if start < 0 or end < start:
        return xml
    return xml[:start] + b"<sheetData/>" + xml[end + len(b"</sheetData>"):]


def shared_strings(archive: ZipFile) -> list[bytes]:
    """Each ``<si>`` element's content (its ``<t>`` or rich runs), in table order."""
    try:
        xml = archive.read("xl/sharedStrings.xml")
    except KeyError:
        return []
    return [m[1] or b"" for m in _SI.finditer(xml)]


def split_package(path: Path, cut: Collection[str], emptied: Collection[str] = (),
                  head_rows: int = HEAD_ROWS) -> SplitPackage:
    """``path``'s package with the rows after ``head_rows`` of the sheets named in ``cut``
    taken out (kept as tails) and all rows of those in ``emptied`` dropped (sheets about to
    be deleted: openpyxl need not build their cells)."""
    tails: dict[str, RowsTail] = {}
    out = BytesIO()
    with ZipFile(path) as archive:
        parts = sheet_parts(archive)
        by_part = {p: n for n, p in parts.items() if n in cut or n in emptied}
        shared = shared_strings(archive)
        with ZipFile(out, "w", ZIP_STORED) as head:
            for info in archive.infolist():
                data = archive.read(info)
                name = by_part.get(info.filename)
                if name is not None and name in emptied:
                    data = _emptied(data)
                elif name is not None:
                    split = _cut(data, head_rows)
                    if split is not None:
                        data, tails[name] = split
                head.writestr(info.filename, data, ZIP_STORED)
    return SplitPackage(out.getvalue(), tails, shared)

