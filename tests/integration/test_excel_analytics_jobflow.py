"""Run Sweep and A/B Test from the ribbon end to end: the openpyxl workbook adapter
(FileBook) in place of the live book, a real server on a free loopback port, post -> poll ->
BT_Sweep / BT_SweepStats written next to the book's other BT_* sheets, and the bad inputs
(no Sweep sheet, a bad cell, an A/B input naming no strategy, an A/B test that fails)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from tests.integration.jobflow_kit import (
    STRATEGY,
    copy_book,
    macro_ctx,
    poll_until_settled,
    sheet_values,
)
from xlbridge import jobflow
from xlbridge.macros import run_action


def _add_sweep_sheet(book: Path, rows: list[list[object]]) -> None:
    wb = load_workbook(book)
    if "Sweep" in wb.sheetnames:  # the template's own, empty Sweep sheet: this one replaces it
        del wb["Sweep"]
    ws = wb.create_sheet("Sweep")
    for row in [["Parameter", "Values"], *rows]:
        ws.append(row)
    wb.save(book)


def test_run_sweep_writes_its_sheets_beside_the_backtests(jobflow_server: tuple[Path, Path, int]
                                                          ) -> None:
    home, books, _ = jobflow_server
    book = copy_book(books, "sweep.xlsx")
    # a list typed as text and a one-value number cell (Excel stores 1 as a number)
    # (Workers 1: no pool to start on this small, loaded test machine)
    _add_sweep_sheet(book, [["Lots", "1,2"], [None, None], ["StopLoss", 5], ["Workers", 1]])
    wb = load_workbook(book)
    wb.create_sheet("BT_Summary")["A1"] = "the last backtest's summary"
    wb.save(book)
    ctx, ui = macro_ctx(book, home)
    assert run_action("RunSweep", ctx) == "started"
    job = jobflow.load_job(home, book)
    assert job is not None and job.kind == "sweep"
    assert poll_until_settled(ctx, timeout_s=600) == "done"
    assert ui.statuses[-1] is None
    assert ui.messages[-1] == ("posbt", "Sweep done: BT_Sweep, BT_SweepStats written.")
    wb = load_workbook(book)
    # the sweep's sheets came in; the backtest's BT_Summary stayed as it was
    assert wb["BT_Summary"]["A1"].value == "the last backtest's summary"
    rows = [[c.value for c in r] for r in wb["BT_Sweep"].iter_rows()]
    head = rows[0]
    assert head[:4] == ["variant", "status", "Lots", "StopLoss"]
    assert [r[:4] for r in rows[1:]] == [[0, "done", 1, 5], [1, "done", 2, 5]]
    # same entries and exits at twice the lots: twice the gross P&L (net + costs)
    gross = [r[head.index("net_pnl_inr")] + r[head.index("costs_paid_inr")] for r in rows[1:]]
    assert abs(gross[1] - 2 * gross[0]) < 1e-6 * max(1.0, abs(gross[0]))
    assert wb["BT_SweepStats"]["A1"].value == "measure"
    # the same cells as the job's results workbook
    results = load_workbook(job.results)
    assert rows == [[c.value for c in r] for r in results["BT_Sweep"].iter_rows()]
    assert jobflow.load_job(home, book) is None


def test_sweep_sheet_problems_are_named_and_start_nothing(jobflow_server: tuple[Path, Path, int]
                                                          ) -> None:
    home, books, _ = jobflow_server
    book = copy_book(books, "nosweep.xlsx")
    ctx, ui = macro_ctx(book, home)
    # the template's Sweep sheet, still empty
    assert run_action("RunSweep", ctx) == "error"
    assert ui.messages[-1][1].startswith("Sweep!A2: the Sweep sheet names no parameter")
    wb = load_workbook(book)
    del wb["Sweep"]  # a workbook from before the template had one
    wb.save(book)
    ctx, ui = macro_ctx(book, home)
    assert run_action("RunSweep", ctx) == "error"
    assert "this workbook has no Sweep sheet. Add a sheet named Sweep" in ui.messages[-1][1]
    assert jobflow.load_job(home, book) is None and ui.statuses[-1] is None
    _add_sweep_sheet(book, [["Lots", "1,2"], ["WingWidthPts", "600:200:100"]])
    before = book.read_bytes()
    ctx, ui = macro_ctx(book, home)
    assert run_action("RunSweep", ctx) == "error"
    assert ui.messages[-1][1].startswith("Sweep!B3: WingWidthPts: the range '600:200:100' is "
                                         "empty")
    assert jobflow.load_job(home, book) is None and book.read_bytes() == before


def test_ab_test_input_and_a_failing_test_change_no_sheet(jobflow_server: tuple[Path, Path, int]
                                                          ) -> None:
    home, books, _ = jobflow_server
    book = copy_book(books, "ab.xlsx")
    before = {n: sheet_values(book, n) for n in load_workbook(book).sheetnames}
    ctx, ui = macro_ctx(book, home)
    assert run_action("ABTest", ctx, "Nope, Other") == "error"
    assert f"no strategy named Nope; the workbook has {STRATEGY}" in ui.messages[-1][1]
    assert run_action("ABTest", ctx, STRATEGY) == "error"
    assert "name strategy B, or change parameters" in ui.messages[-1][1]
    assert run_action("ABTest", ctx, "") == "no input"
    # the market has one week: the two sides share one cycle, an A/B test needs 3
    assert run_action("ABTest", ctx, f"{STRATEGY}; Lots=2") == "started"
    job = jobflow.load_job(home, book)
    assert job is not None and job.kind == "abtest"
    assert poll_until_settled(ctx, timeout_s=600) == "failed"
    title, text = ui.messages[-1]
    assert title == "posbt: A/B test failed" and "no sheet was changed" in text
    assert "share only 1 cycle(s)" in text
    assert {n: sheet_values(book, n) for n in load_workbook(book).sheetnames} == before


def test_sweep_results_to_file_leave_the_book_alone(jobflow_server: tuple[Path, Path, int]) -> None:
    from xlbridge.conf import ResultsTo

    home, books, _ = jobflow_server
    book = copy_book(books, "sweepfile.xlsx")
    _add_sweep_sheet(book, [["Lots", "1"], ["Workers", 1]])
    before = book.read_bytes()
    ctx, ui = macro_ctx(book, home, results_to=ResultsTo.FILE)
    assert run_action("RunSweep", ctx) == "started"
    assert poll_until_settled(ctx, timeout_s=600) == "done"
    out = books / "sweepfile_sweep.xlsx"
    assert ui.messages[-1] == ("posbt", f"Sweep done: results in {out}.")
    assert {"BT_Sweep", "BT_SweepStats"} <= set(load_workbook(out).sheetnames)
    assert book.read_bytes() == before
