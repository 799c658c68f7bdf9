"""Run Sweep's and A/B Test's inputs through the openpyxl adapter (no Excel, no server): the
Sweep sheet read into a request, the A/B text parsed, the add-in's character codes decoded,
and the job records and sheet replacement they rely on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from engine.errors import PosbtError
from engine.workbook.openpyxl_adapter import OpenpyxlReader
from xlbridge import jobflow
from xlbridge.conf import ResultsTo
from xlbridge.macros import ab_request, book_strategies, decode_text, sweep_request
from xlbridge.resultbooks import FileBook
from xlbridge.server.worker import JobKind

TEMPLATE = Path(__file__).resolve().parents[3] / "workbook_templates" / "posbt_template.xlsx"


def _sweep_book(tmp_path: Path, rows: list[list[Any]]) -> OpenpyxlReader:
    wb = Workbook()
    ws = wb.active
    ws.title = "Sweep"
    for row in [["Parameter", "Values"], *rows]:
        ws.append(row)
    path = tmp_path / "s.xlsx"
    wb.save(path)
    return OpenpyxlReader(path)


def test_sweep_sheet_becomes_the_request(tmp_path: Path) -> None:
    reader = _sweep_book(tmp_path, [["WingWidthPts", "200:400:100"], ["Lots", 2.0],
                                    [None, None], ["StopLoss", 0.5], ["Strategy", "B"],
                                    ["Samples", 2], ["Seed", "7"], ["workers", 1]])
    assert sweep_request(reader, ["A", "B"]) == {
        "strategy": "B", "samples": 2, "seed": 7, "workers": 1,
        "params": [{"name": "WingWidthPts", "values": "200:400:100"},
                   {"name": "Lots", "values": "2"},  # 2.0 as Excel stores it
                   {"name": "StopLoss", "values": "0.5"}]}
    # one strategy in the book: no Strategy row needed
    one = _sweep_book(tmp_path, [["Lots", "1,2"]])
    assert sweep_request(one, ["Only"]) == {"strategy": "Only",
                                            "params": [{"name": "Lots", "values": "1,2"}]}


@pytest.mark.parametrize(("rows", "strategies", "place", "text"), [
    ([["Lots", None]], ["A"], "Sweep!B2", "Lots has no values"),
    ([[None, "1,2"]], ["A"], "Sweep!A2", "without a parameter name"),
    ([["WingWidthPt", "200"]], ["A"], "Sweep!B2", "did you mean WingWidthPts"),
    ([["Lots", "0:2:1"]], ["A"], "Sweep!B2", "below its minimum"),
    ([["Samples", "many"], ["Lots", "1"]], ["A"], "Sweep!B2", "Samples takes a whole number"),
    ([], ["A"], "Sweep!A2", "names no parameter"),
    ([["Lots", "1,2"]], ["A", "B"], "Sweep", "say which to sweep in a row Strategy"),
    ([["Lots", "1,2"], ["Strategy", "C"]], ["A", "B"], "Sweep", "no strategy named C"),
])
def test_sweep_sheet_errors_name_the_cell(tmp_path: Path, rows: list[list[Any]],
                                          strategies: list[str], place: str, text: str) -> None:
    with pytest.raises(PosbtError) as err:
        sweep_request(_sweep_book(tmp_path, rows), strategies)
    assert err.value.place == place and text in err.value.message


def test_no_sweep_sheet_says_how_to_add_one(tmp_path: Path) -> None:
    book = tmp_path / "b.xlsx"
    shutil.copy(TEMPLATE, book)
    with pytest.raises(PosbtError) as err:
        sweep_request(_NoSweep(book), ["A"])
    assert err.value.place == "Sweep"
    assert "no Sweep sheet. Add a sheet named Sweep: a header row" in err.value.message


class _NoSweep(OpenpyxlReader):
    """The template once it carries a Sweep sheet (another change adds one): hide it."""

    def sheet_names(self) -> list[str]:
        return [n for n in super().sheet_names() if n != "Sweep"]


def test_ab_text_forms() -> None:
    names = ["IF_Weekly", "IF_Monthly"]
    assert ab_request("IF_Weekly, IF_Monthly", names) == {
        "strategy_a": "IF_Weekly", "strategy_b": "IF_Monthly", "params": []}
    assert ab_request(" IF_Weekly ; Lots=2; WingWidthPts = 300 ", names) == {
        "strategy_a": "IF_Weekly", "strategy_b": None,
        "params": [{"name": "Lots", "value": "2"}, {"name": "WingWidthPts", "value": "300"}]}
    assert ab_request("IF_Weekly, IF_Monthly; Lots=2", names)["params"] == [
        {"name": "Lots", "value": "2"}]
    for bad, text in [("", "expected two strategies"), ("A, B, C", "expected two"),
                      ("IF_Weekly", "name strategy B"), ("IF_Weekly; Lots", "NAME=VALUE"),
                      ("Nope, IF_Weekly", "no strategy named Nope")]:
        with pytest.raises(PosbtError) as err:
            ab_request(bad, names)
        assert text in err.value.message and err.value.place == "A/B input", bad


def test_vba_character_codes_decode_to_the_typed_text() -> None:
    typed = "It's \"A\", B\\; Lots=2 ₹"
    # VBA's AscW returns signed 16-bit values: code units above 32767 come negative
    codes = [ord(c) if ord(c) < 32768 else ord(c) - 65536 for c in typed]
    assert decode_text(codes) == typed
    assert decode_text(None) is None and decode_text("plain") == "plain"


def test_book_strategies_are_the_header_from_column_e() -> None:
    names = book_strategies(OpenpyxlReader(TEMPLATE))
    header = [c.value for c in load_workbook(TEMPLATE)["PositionalParameter"][1]]
    assert names == [str(v) for v in header[4:] if v]  # E onwards


def test_sweep_results_replace_only_the_sweep_sheets(tmp_path: Path) -> None:
    book, results = tmp_path / "book.xlsx", tmp_path / "r.xlsx"
    wb = Workbook()
    wb.active.title = "Config"
    wb.create_sheet("BT_Summary")["A1"] = "backtest"
    wb.create_sheet("BT_Sweep")["A1"] = "old sweep"
    wb.save(book)
    wb = Workbook()
    wb.active.title = "Config"
    wb.create_sheet("BT_Sweep")["A1"] = "new sweep"
    wb.create_sheet("BT_SweepStats")["A1"] = "stats"
    wb.create_sheet("BT_Other")["A1"] = "not the sweep's"
    wb.save(results)
    names = FileBook(book).replace_result_sheets(results, only=("BT_Sweep", "BT_SweepStats"))
    assert names == ["BT_Sweep", "BT_SweepStats"]
    out = load_workbook(book)
    assert out.sheetnames == ["Config", "BT_Summary", "BT_Sweep", "BT_SweepStats"]
    assert (out["BT_Summary"]["A1"].value, out["BT_Sweep"]["A1"].value) == ("backtest",
                                                                            "new sweep")


def test_results_paths_and_old_records(tmp_path: Path) -> None:
    book = tmp_path / "b.xlsx"
    assert jobflow.results_path(book, tmp_path, ResultsTo.FILE, JobKind.SWEEP) == \
        tmp_path / "b_sweep.xlsx"
    assert jobflow.results_path(book, tmp_path, ResultsTo.FILE, JobKind.ABTEST) == \
        tmp_path / "b_abtest.xlsx"
    assert jobflow.results_path(book, tmp_path, ResultsTo.FILE) == tmp_path / "b_results.xlsx"
    staged = jobflow.results_path(book, tmp_path, ResultsTo.SHEETS, JobKind.SWEEP)
    assert staged.parent == tmp_path / "excel" / "results" and staged.name.endswith("_sweep.xlsx")
    # a record written before jobs had kinds reads as a backtest
    folder = tmp_path / "excel" / "jobs"
    folder.mkdir(parents=True)
    (folder / f"{jobflow.book_key(book)}.json").write_text(json.dumps(
        {"job_id": "x", "book": str(book), "snapshot": "", "results": "", "results_to": "sheets",
         "started": "2026-01-01T00:00:00"}))
    job = jobflow.load_job(tmp_path, book)
    assert job is not None and jobflow.label(job) == "backtest"
