"""The streaming reader gives exactly what openpyxl's full load gives (issue 14, item 10):
the same sheets, hidden state, merged ranges and every cell (address, value, value type,
formula), and so the same validation messages and the same loaded configs, over the
shipped template, an empty and an example template, and every corpus workbook."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from engine.config.loader import resolve
from engine.config.templates import write_template
from engine.config.workbook_source import read_book
from engine.errors import PosbtError
from engine.workbook.openpyxl_adapter import OpenpyxlReader
from engine.workbook.protocol import WorkbookReader
from engine.workbook.xlsx_stream import StreamingReader
from tests.corpus.generate import WORKBOOKS, write_cases

ROOT = Path(__file__).resolve().parents[3]


def _cells(book: WorkbookReader, sheet: str) -> list[list[tuple[Any, ...]]]:
    return [[(c.row, c.col, c.address, type(c.value).__name__, c.value, c.formula)
             for c in row] for row in book.rows(sheet)]


def _assert_same_book(path: Path) -> None:
    ref, fast = OpenpyxlReader(path), StreamingReader(path)
    assert fast.sheet_names() == ref.sheet_names()
    for name in ref.sheet_names():
        a, b = ref.sheet_info(name), fast.sheet_info(name)
        assert (b.hidden, sorted(b.merged_ranges)) == (a.hidden, sorted(a.merged_ranges)), name
        assert _cells(fast, name) == _cells(ref, name), name
    _assert_same_config(path, ref, fast)


def _assert_same_config(path: Path, ref: WorkbookReader, fast: WorkbookReader) -> None:
    want = resolve(read_book(ref, str(path)))
    got = resolve(read_book(fast, str(path)))

    def problems(r: Any) -> list[tuple[str, str, str]]:
        return sorted((p.place or "", p.message, p.severity) for p in r.report.problems)

    assert problems(got) == problems(want)
    assert got.configs() == want.configs()
    assert list(got.strategies) == list(want.strategies)


@pytest.fixture(scope="module")
def corpus_books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("corpus")
    return {c.name: c.path for c in write_cases(out) if c.family == "workbook"}


OPENABLE = [n for n in WORKBOOKS if n not in ("text_named_xlsx", "truncated_zip", "empty_file")]


def test_shipped_template_same() -> None:
    _assert_same_book(ROOT / "workbook_templates" / "posbt_template.xlsx")


@pytest.mark.parametrize("names", [[], None], ids=["empty", "examples"])
def test_generated_templates_same(tmp_path: Path, names: list[str] | None) -> None:
    book = tmp_path / "t.xlsx"
    write_template(book, names)
    _assert_same_book(book)


@pytest.mark.parametrize("name", OPENABLE)
def test_corpus_workbook_same(corpus_books: dict[str, Path], name: str) -> None:
    _assert_same_book(corpus_books[name])


@pytest.mark.parametrize("name", ["text_named_xlsx", "truncated_zip", "empty_file"])
def test_unreadable_refused_alike(corpus_books: dict[str, Path], name: str) -> None:
    with pytest.raises(PosbtError, match="cannot open as a workbook"):
        OpenpyxlReader(corpus_books[name])
    with pytest.raises(PosbtError, match="cannot open as a workbook"):
        StreamingReader(corpus_books[name])


def test_value_types_formulas_and_merges(tmp_path: Path) -> None:
    """Every kind of cell the config sheets can hold, written by openpyxl and read back by
    both readers: dates, datetimes, times, booleans, ints, floats, shared and inline text,
    a formula with its cached value absent, rows with gaps, a merged range, a hidden sheet,
    an empty sheet."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Data"
    ws.append(["text", 1, 2.5, True, False, date(2025, 2, 3), datetime(2025, 2, 3, 9, 15),
               time(9, 15), "=1+1", "  padded  ", "line\nbreak", 1e308, -0.0])
    ws["C5"] = "after a gap"
    ws["A7"], ws["B7"] = "merged", "hidden by the merge"
    ws.merge_cells("A7:B8")
    ws["E3"] = "'=not a formula"
    ws["E3"].data_type = "s"
    hidden = wb.create_sheet("Hidden")
    hidden["A1"] = 42
    hidden.sheet_state = "hidden"
    wb.create_sheet("Empty")
    book = tmp_path / "kinds.xlsx"
    wb.save(book)
    _assert_same_book(book)
    rows = StreamingReader(book).rows("Data")
    first = [c.value for c in rows[0]]
    # 1 and 2.5 keep int and float; TRUE/FALSE are booleans; the date cell reads as a
    # datetime at midnight (Excel stores days; the source turns it into a date)
    assert first[:8] == ["text", 1, 2.5, True, False, datetime(2025, 2, 3),
                         datetime(2025, 2, 3, 9, 15), time(9, 15)]
    assert rows[0][8].formula == "=1+1" and rows[0][8].value is None  # never computed
    assert rows[6][1].value is None and StreamingReader(book).sheet_info("Data") \
        .merged_ranges == ("A7:B8",)
    assert StreamingReader(book).sheet_info("Hidden").hidden
    assert StreamingReader(book).rows("Empty") == []


SHEET_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1"><f>1+1</f><v>2</v></c><c r="B1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>\
<c r="C1" t="e"><f>NA()</f><v>#N/A</v></c><c r="D1" t="b"><f>TRUE()</f><v>1</v></c></row>
<row r="2"><c r="A2"><f t="shared" ref="A2:A3" si="0">A1*2</f><v>4</v></c></row>
<row r="3"><c r="A3"><f t="shared" si="0"/><v>8</v></c></row>
<row><c><v>5</v></c><c t="inlineStr"><is><r><t>rich </t></r><r><t>text</t></r></is></c></row>
</sheetData><mergeCells count="1"><mergeCell ref="F1:G2"/></mergeCells></worksheet>"""


def test_cached_formula_values_as_excel_saves_them(tmp_path: Path) -> None:
    """Excel saves a formula with its last computed value: a number, text (t="str"), an
    error (t="e") or a boolean; a shared formula's followers carry only its index. Rows and
    cells without an r attribute follow the previous one; a merge over empty cells widens
    the sheet. The sheet XML is written by hand, as Excel writes it (openpyxl saves no
    cached values)."""
    import zipfile

    wb = Workbook()
    assert wb.active is not None
    wb.active["A1"] = 1
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    book = tmp_path / "cached.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(book, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = SHEET_XML.encode()
            dst.writestr(item, data)
    _assert_same_book(book)
    rows = StreamingReader(book).rows("Sheet")
    got = [[(c.address, c.value, c.formula) for c in row if not c.blank] for row in rows]
    assert got == [
        [("A1", 2, "=1+1"), ("B1", "ab", '="a"&"b"'), ("C1", "#N/A", "=NA()"),
         ("D1", True, "=TRUE()")],
        [("A2", 4, "=A1*2")],
        [("A3", 8, "=A2*2")],  # the shared formula moved one row down
        [("A4", 5, None), ("B4", "rich text", None)],
    ]
    assert len(rows[0]) == 7  # F1:G2 merged: columns up to G
