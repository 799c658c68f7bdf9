"""Data rows written as text (engine.results.xlsx_rows) read back as the same rows written
cell by cell through openpyxl read back: values, types, number formats; text that looks like
a formula stays text; the workbook's other sheets, widths, freeze panes and charts are kept."""

from __future__ import annotations

import datetime as dt
import decimal
import math
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.chart import LineChart, Reference

from engine.results.xlsx_rows import StreamedRows, save_workbook

FORMATS = ["0", "#,##0.00", None, "yyyy-mm-dd hh:mm", None, None]
ROWS: list[list[Any]] = [
    [1, 2.5, "plain", dt.datetime(2024, 1, 4, 9, 20), dt.date(2024, 1, 4), True],
    [-7, 1e-9, "=HYPERLINK(\"http://x\",\"y\")", dt.datetime(2024, 1, 4, 15, 29, 59, 250000),
     dt.datetime(1900, 2, 27, 12), False],
    [0, 123456789.123456, "+1", dt.datetime(1900, 1, 1), dt.date(1900, 3, 1), None],
    [None, float("nan"), "-2", None, "", "@SUM(A1)"],
    [3, float("inf"), "  spaced  ", None, "a < b & c > d \"q\" 'r'", "tab\there"],
    [4, -0.0, "line\r\nbreak", None, "bell\x07gone", decimal.Decimal("1.25")],
    [5, 2**53, "नमस्ते ₹", None, None, None],
]


def _reference(path: Path, rows: list[list[Any]]) -> None:
    """The same rows through openpyxl's cells (text forced to text as the results writer did)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "BT_Data"
    ws.append(["a", "b", "c", "d", "e", "f"])
    for r, row in enumerate(rows, start=2):
        for c, v in enumerate(row, start=1):
            if v is None or v == "" or (isinstance(v, float) and not math.isfinite(v)):
                continue
            if isinstance(v, str):
                v = v.replace("\x07", "")
            elif isinstance(v, decimal.Decimal):
                v = str(v)
            cell = ws.cell(row=r, column=c, value=v)
            if isinstance(v, str):
                cell.data_type = "s"
            if FORMATS[c - 1] is not None:
                cell.number_format = FORMATS[c - 1]
    wb.save(path)


def _streamed(path: Path, rows: list[list[Any]]) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "BT_Data"
    ws.append(["a", "b", "c", "d", "e", "f"])
    save_workbook(wb, path, {"BT_Data": StreamedRows.of(ws, rows, 2, FORMATS)})


def _cells(path: Path) -> list[list[tuple[Any, str, str]]]:
    ws = load_workbook(path)["BT_Data"]
    return [[(c.value, c.data_type, c.number_format if c.value is not None else "")
             for c in row] for row in ws.iter_rows()]


def test_streamed_rows_read_back_as_openpyxl_cells(tmp_path: Path) -> None:
    _reference(tmp_path / "ref.xlsx", ROWS)
    _streamed(tmp_path / "fast.xlsx", ROWS)
    assert _cells(tmp_path / "fast.xlsx") == _cells(tmp_path / "ref.xlsx")
    ws = load_workbook(tmp_path / "fast.xlsx")["BT_Data"]
    # what the comparison holds, spelled out
    assert ws["C3"].value == "=HYPERLINK(\"http://x\",\"y\")" and ws["C3"].data_type == "s"
    assert ws["F5"].value == "@SUM(A1)" and ws["C5"].value == "-2"
    assert ws["C6"].value == "  spaced  "
    assert ws["D3"].value == dt.datetime(2024, 1, 4, 15, 29, 59, 250000)
    assert ws["D2"].number_format == "yyyy-mm-dd hh:mm"
    # dates without a column format get openpyxl's: 2024-01-04 is serial 45295
    assert ws["E2"].value == dt.datetime(2024, 1, 4) and ws["E2"].number_format == "yyyy-mm-dd"
    assert ws["E3"].number_format == "yyyy-mm-dd h:mm:ss"
    assert ws["B5"].value is None and ws["B6"].value is None  # NaN and infinity: empty
    assert ws["E7"].value == "bellgone"  # a character XML cannot hold is dropped
    assert ws["F7"].value == "1.25" and ws["F2"].value is True
    assert ws["C8"].value == "नमस्ते ₹" and ws["B8"].value == 2**53


def test_raw_xml_holds_serials_and_inline_strings(tmp_path: Path) -> None:
    _streamed(tmp_path / "fast.xlsx", ROWS[:1])
    xml = zipfile.ZipFile(tmp_path / "fast.xlsx").read("xl/worksheets/sheet1.xml").decode()
    # 2024-01-04 09:20 = 45295 days after 1899-12-30 plus 560 / 1440 of a day
    serial = 45295 + (9 * 60 + 20) / 1440
    assert f"<v>{serial:.16g}</v>" in xml
    assert '<dimension ref="A1:F2"/>' in xml
    assert 't="inlineStr"><is><t>plain</t></is>' in xml


def test_sheet_settings_charts_and_other_sheets_are_kept(tmp_path: Path) -> None:
    wb = Workbook()
    config = wb.active
    assert config is not None
    config.title = "PositionalParameter"
    config["B2"], config["C2"] = "Lots", 2
    ws = wb.create_sheet("BT_Data")
    ws.append(["x", "y"])
    ws.freeze_panes = "A2"
    ws.column_dimensions["B"].width = 33
    rows = [[i, i * i] for i in range(1, 5001)]
    chart = LineChart()
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=5001), titles_from_data=True)
    ws.add_chart(chart, "D2")
    save_workbook(wb, tmp_path / "b.xlsx", {"BT_Data": StreamedRows.of(ws, rows, 2, ["0", "0"])})
    back = load_workbook(tmp_path / "b.xlsx")
    assert back.sheetnames == ["PositionalParameter", "BT_Data"]
    assert back["PositionalParameter"]["C2"].value == 2
    data = back["BT_Data"]
    assert data.freeze_panes == "A2" and data.column_dimensions["B"].width == 33
    assert [c.value for c in data[5001]] == [5000, 25_000_000]
    assert data.max_row == 5001 and len(data._charts) == 1
    ro = load_workbook(tmp_path / "b.xlsx", read_only=True)["BT_Data"]
    assert ro.max_row == 5001 and ro.max_column == 2  # from the dimension element


@pytest.mark.parametrize("rows", [[], [[None, None]]])
def test_no_rows_or_empty_rows(tmp_path: Path, rows: list[list[Any]]) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["x", "y"])
    save_workbook(wb, tmp_path / "e.xlsx", {ws.title: StreamedRows.of(ws, rows, 2, [None, None])})
    back = load_workbook(tmp_path / "e.xlsx").active
    assert back is not None
    assert [[c.value for c in r] for r in back.iter_rows()] == [["x", "y"]]


def test_rows_into_a_sheet_without_cells(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    save_workbook(wb, tmp_path / "n.xlsx", {ws.title: StreamedRows.of(ws, [["a", 1]], 1,
                                                                      [None, "0"])})
    back = load_workbook(tmp_path / "n.xlsx").active
    assert back is not None
    assert [[c.value for c in r] for r in back.iter_rows()] == [["a", 1]]
