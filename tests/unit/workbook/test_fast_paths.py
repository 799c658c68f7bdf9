"""The fast paths a big config workbook takes give what the reference paths give (issue 14,
item 10): the regular-expression reader of sheet cells (against the XML parser and
openpyxl) and the row-at-once reading of PositionalParameter, from the streaming reader's
grid and from Cells (against the cell-by-cell loop), over a workbook with errors and
warnings in many places. Same validated configs,
same messages in the same order, with the same places."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from engine.config import workbook_source
from engine.config.export import write_config
from engine.config.loader import LoadedConfig, load_config, resolve
from engine.config.registry import Sheet, by_excel_name
from engine.config.templates import example_configs
from engine.config.workbook_source import read_book
from engine.workbook import xlsx_stream
from engine.workbook.openpyxl_adapter import OpenpyxlReader
from engine.workbook.xlsx_stream import StreamingReader


def _row_of(ws: Any, name: str) -> int:
    for row in ws.iter_rows(min_col=2, max_col=2):
        if row[0].value == name:
            return int(row[0].row)
    raise KeyError(name)


def _spoil(wb: Any) -> None:
    """Errors and warnings across the sheets, in values of every kind."""
    ws = wb["PositionalParameter"]
    first = 5  # column E: the first strategy
    cols = list(range(first, ws.max_column + 1))
    put = {  # parameter -> values cycled over the strategy columns (None: leave as is)
        "Lots": [True, "two", -1, 2, None, 3.5],
        "ShortLegDTE": [5000, "x", None, 7, " ", False],
        "PositionType": ["weekly", "Monthly ", "FORTNIGHTLY", None, "", "MONTHLY"],
        "StartDate": ["2025-02-31", "2024-01-05", "05/01/2024", dt.datetime(2024, 1, 8),
                      None, "2024-13-01"],
        "EndDate": [dt.datetime(2023, 1, 2), None, "2024-06-28", None, None, None],
        "Description": ["a < b & c > d", "=HYPERLINK(\"x\")", "  padded  ", None, "'quoted'",
                        "tab\there"],
        "WingWidthPts": [33.0, "DYNAMIC", None, 0, 100.0, "dynamic"],
        "StrikeMethod": ["DELTA", None, "bogus", None, None, None],
        "MaxLots": [1, None, None, None, None, None],
    }
    for name, values in put.items():
        row = _row_of(ws, name)
        for i, col in enumerate(cols):
            value = values[i % len(values)]
            if value is not None:
                ws.cell(row, col, "" if value == "" else value)
    ws.cell(_row_of(ws, "MaxAdjustments"), first + 1, "=1+1")  # a formula, no cached value
    ws.cell(ws.max_row + 1, 2, "NoSuchParameter")
    ws.cell(ws.max_row, first, 1)
    legs = wb["LegParameter"]
    legs.cell(2, 5, "sideways")
    legs.cell(4, 6, True)
    legs.cell(5, 3, "ce")  # a lower-case choice, read as CE
    legs.cell(3, 1, "Not_A_Strategy")
    legs.cell(legs.max_row + 2, 1, legs.cell(2, 1).value)  # after a blank row
    rules = wb["AdjustmentRules"]
    if rules.max_row > 1:
        rules.cell(2, 4, "maybe")


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plan examples repeated to 30 strategies, then spoilt in many places."""
    base = example_configs()
    configs = [c.model_copy(update={"strategy_name": f"{c.strategy_name}_{i}"})
               for i in range(10) for c in base]
    path = tmp_path_factory.mktemp("fast") / "spoilt.xlsx"
    write_config(path, configs)
    wb = openpyxl.load_workbook(path)
    _spoil(wb)
    wb.save(path)
    return path


def _problems(loaded: LoadedConfig) -> list[tuple[str, str | None, str, str]]:
    return [(p.place or "", p.excel_name, p.message, p.severity)
            for p in loaded.report.problems]


def _same(got: LoadedConfig, want: LoadedConfig) -> None:
    assert _problems(got) == _problems(want)  # the same order, not only the same set
    assert got.configs() == want.configs()
    assert list(got.strategies) == list(want.strategies)


def test_fast_paths_match_the_reference_on_a_spoilt_book(
        book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    taken = {"cells": 0, "rows": 0, "cell_rows": 0}
    fast_cells, values_row = xlsx_stream._fast_cells, workbook_source._values_row
    row_values = workbook_source._row_values

    def count_cells(*args: Any) -> Any:
        out = fast_cells(*args)
        taken["cells"] += out is not None
        return out

    def count_rows(*args: Any) -> bool:
        out = values_row(*args)
        taken["rows"] += out
        return out

    def count_cell_rows(*args: Any) -> bool:
        out = row_values(*args)
        taken["cell_rows"] += out
        return out

    monkeypatch.setattr(xlsx_stream, "_fast_cells", count_cells)
    monkeypatch.setattr(workbook_source, "_values_row", count_rows)
    monkeypatch.setattr(workbook_source, "_row_values", count_cell_rows)
    fast = load_config(book, strict=False)
    # the fast paths did the reading (from the grid: no row from Cells)
    assert taken["cells"] >= 3 and taken["rows"] > 100 and taken["cell_rows"] == 0
    # openpyxl's Cells read a row at once by _row_values
    cells = resolve(read_book(OpenpyxlReader(book), str(book)))
    assert taken["cell_rows"] > 100

    monkeypatch.setattr(workbook_source, "_row_values", lambda *args: False)
    reference = resolve(read_book(OpenpyxlReader(book), str(book)))
    monkeypatch.setattr(xlsx_stream, "_fast_cells", lambda *args: None)
    parser = resolve(read_book(StreamingReader(book), str(book)))
    monkeypatch.setattr(workbook_source, "_values_row", lambda *args: False)
    parser_cells = resolve(read_book(StreamingReader(book), str(book)))

    problems = _problems(reference)
    errors = [p for p in problems if p[3] == "error"]
    assert len(errors) >= 40 and len({p[0] for p in problems}) >= 40  # many places
    assert any("not a calendar date" in p[2] for p in errors)
    assert any("formula =1+1 has no computed value" in p[2] for p in errors)
    assert any(p[3] == "warning" and "date typed as text" in p[2] for p in problems)
    assert fast.configs(), "some strategies still validate"
    _same(fast, reference)
    _same(cells, reference)
    _same(parser, reference)
    _same(parser_cells, reference)


def test_entities_and_odd_cells_read_alike(tmp_path: Path) -> None:
    """Text with entities, padded and empty strings, shared strings, booleans, dates and
    numbers in rows long enough for the row-at-once path, read by the fast reader and by
    openpyxl."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    values: list[Any] = ["a&b", "<x>", '"q"', "it's", " ", "", True, False, 0, -2.5, 1e-7,
                         dt.datetime(2024, 2, 29), dt.date(2024, 3, 1), "ÄÖ €", None]
    for r in range(1, 6):
        for c, v in enumerate(values * 3, start=1):
            ws.cell(r, c, v if (r + c) % 4 else None)
    path = tmp_path / "odd.xlsx"
    wb.save(path)
    fast, ref = StreamingReader(path), OpenpyxlReader(path)

    def cells(book: Any) -> list[list[tuple[Any, ...]]]:
        return [[(c.address, type(c.value).__name__, c.value, c.formula) for c in row]
                for row in book.rows("Sheet")]

    assert cells(fast) == cells(ref)


_HEAD = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
         "<sheetData>")
_ROWS = ('<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B1"><v>1</v></c>'
         '<c r="C1" t="b"><v>1</v></c></row>'
         '<row r="2"><c r="A2" t="inlineStr"><is><t>b</t></is></c><c r="B2"><v>2.5</v></c>'
         '<c r="C2" t="b"><v>0</v></c></row>')
_TAIL = "</sheetData></worksheet>"
SHEETS = {  # sheet XML the fast reader hands (in part or whole) to the XML parser
    "plain": _HEAD + _ROWS + _TAIL,
    "comment": _HEAD + "<!-- a comment -->" + _ROWS + _TAIL,
    "crlf_text": _HEAD + _ROWS.replace("<t>b</t>", "<t>two\r\nlines</t>") + _TAIL,
    "char_ref": _HEAD + _ROWS.replace("<t>a</t>", "<t>&#65;&#x42;</t>") + _TAIL,
    "entities": _HEAD + _ROWS.replace("<t>a</t>", "<t>&lt;a&amp;b&gt; &quot;&apos;</t>") + _TAIL,
    "pretty": _HEAD + _ROWS.replace("<c ", "\n  <c ").replace("<row", "\n<row") + "\n" + _TAIL,
    "attr_order": _HEAD + _ROWS.replace('<c r="B1">', '<c s="0" r="B1">') + _TAIL,
    "latin1": ('<?xml version="1.0" encoding="ISO-8859-1"?>' + _HEAD
               + _ROWS.replace("<t>a</t>", "<t>caf\xe9</t>") + _TAIL),
    "text_between": _HEAD + _ROWS.replace("</c><c", "</c>x<c", 1) + _TAIL,
    "no_r": _HEAD + _ROWS.replace(' r="B1"', "").replace('<row r="2">', "<row>") + _TAIL,
}


@pytest.mark.parametrize("name", sorted(SHEETS))
def test_sheets_off_the_fast_path_read_as_openpyxl_reads_them(tmp_path: Path,
                                                               name: str) -> None:
    import zipfile

    wb = openpyxl.Workbook()
    assert wb.active is not None
    wb.active["A1"] = 1
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    book = tmp_path / f"sheet_{name}.xlsx"
    text = SHEETS[name]
    data = text.encode("latin-1" if name == "latin1" else "utf-8")
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(book, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, data if item.filename == "xl/worksheets/sheet1.xml"
                         else src.read(item.filename))

    def cells(reader: Any) -> list[list[tuple[Any, ...]]]:
        return [[(c.address, type(c.value).__name__, c.value, c.formula) for c in row]
                for row in reader.rows("Sheet")]

    assert cells(StreamingReader(book)) == cells(OpenpyxlReader(book))


def _places(raw: Any) -> list[list[tuple[Any, str]]]:
    return [list(s.places.items()) for s in raw.strategies]


def test_lazy_places_are_the_cell_by_cell_places_in_the_same_order(
        book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a parameter on a second row too, blank in some columns: those keep the first row's
    # place, the others get the second row's (as a dict written row by row would)
    wb = openpyxl.load_workbook(book)
    ws = wb["PositionalParameter"]
    lots_row, again = _row_of(ws, "Lots"), ws.max_row + 1
    ws.cell(again, 2, "Lots")
    ws.cell(again, 5, 4)
    ws.cell(again, 7, 6)
    wb["LegParameter"].cell(5, 7, "=2*2")  # a formula with no value in a row sheet too
    path = tmp_path / "twice.xlsx"
    wb.save(path)
    fast = read_book(StreamingReader(path), str(path))
    monkeypatch.setattr(workbook_source, "_values_row", lambda *args: False)
    monkeypatch.setattr(workbook_source, "_row_values", lambda *args: False)
    reference = read_book(OpenpyxlReader(path), str(path))
    assert _places(fast) == _places(reference)  # PositionalParameter and row sheets'
    assert [s.leg_layer for s in fast.strategies] == [s.leg_layer for s in reference.strategies]
    assert fast.problems == reference.problems
    assert any("formula =2*2 has no computed value" in p.message for p in fast.problems)
    lots = by_excel_name(Sheet.POSITIONAL)["Lots"].path
    e, f, g, h = (dict(s.places) for s in fast.strategies[:4])
    assert e[lots] == f"PositionalParameter!E{again}"  # TRUE (an error: no value), then 4
    assert f[lots] == f"PositionalParameter!F{lots_row}"  # "two" (for pydantic), then blank
    assert g[lots] == f"PositionalParameter!G{again}"  # -1, then 6
    assert h[lots] == f"PositionalParameter!H{lots_row}"  # 2, then blank


def test_column_places_behave_as_a_dict() -> None:
    flat: dict[tuple[str, ...], Any] = {("a",): 1, ("b", "c"): 2, ("d",): 3}
    rows: dict[tuple[Any, ...], str] = {("a",): "4", ("b", "c"): "9"}  # ("d",): no row
    lazy = workbook_source._ColumnPlaces(flat, "S!E", rows)
    want = {("a",): "S!E4", ("b", "c"): "S!E9"}
    assert dict(lazy) == want and len(lazy) == 2 and ("d",) not in lazy
    assert lazy.get(("d",), "none") == "none"
    for m in (lazy, want):  # the same changes to both
        m[("legs", 0)] = "L!A2"
        m.setdefault(("legs", 0), "L!A9")
        m[("a",)] = "S!Z1"
        del m[("b", "c")]
    assert list(lazy.items()) == list(want.items())
    with pytest.raises(KeyError):
        del lazy[("b", "c")]
    with pytest.raises(KeyError):
        lazy[("b", "c")]
