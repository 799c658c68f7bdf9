"""The ribbon's Run Backtest flow end to end: the openpyxl workbook adapter (FileBook) in
place of the live book, a real server on a free loopback port (uvicorn in a thread, job
workers in their own processes), post -> poll -> BT_* sheets written, cancel, and the bad
inputs: invalid cells, server down, wrong token, a job failing half way."""

from __future__ import annotations

import time
from pathlib import Path

from openpyxl import load_workbook

from tests.integration.jobflow_kit import (
    TOKEN,
    copy_book,
    macro_ctx,
    poll_until_settled,
    sheet_values,
)
from xlbridge import jobflow
from xlbridge.client import ServerClient
from xlbridge.conf import ResultsTo
from xlbridge.macros import run_action
from xlbridge.server.thread import serve_in_thread
from xlbridge.settings import ServerSettings

CONFIG_SHEETS = ("PositionalParameter", "LegParameter", "AdjustmentRules", "GlobalDefaults")


def test_run_posts_polls_and_writes_every_bt_sheet(jobflow_server: tuple[Path, Path, int]) -> None:
    home, books, _ = jobflow_server
    book = copy_book(books, "run.xlsx")
    before = {s: sheet_values(book, s) for s in CONFIG_SHEETS}
    ctx, ui = macro_ctx(book, home)
    t0 = time.monotonic()
    assert run_action("RunBacktest", ctx) == "started"
    assert time.monotonic() - t0 < 10  # returns once the job is posted, not when it is done
    assert ui.statuses[-1] is not None and ui.statuses[-1].startswith(jobflow.BUSY)
    job = jobflow.load_job(home, book)
    assert job is not None
    assert poll_until_settled(ctx) == "done"
    assert any(s and "%" in s for s in ui.statuses)  # progress reached the status bar
    assert ui.statuses[-1] is None  # status bar handed back: the add-in's timer stops
    assert ui.messages[-1][0] == "posbt" and "BT_Summary" in ui.messages[-1][1]
    wb = load_workbook(book)
    bt = [n for n in wb.sheetnames if n.startswith("BT_")]
    results = load_workbook(job.results)
    # every BT_* sheet of the job's results workbook (what `posbt run` writes), same cells
    assert bt == [n for n in results.sheetnames if n.startswith("BT_")]
    assert {"BT_Summary", "BT_Trades", "BT_Equity", "BT_Greeks"} <= set(bt)
    for name in bt:
        assert [[c.value for c in r] for r in wb[name].iter_rows()] == \
            [[c.value for c in r] for r in results[name].iter_rows()], name
    assert wb["BT_Equity"]._charts  # the native chart came along
    assert wb["BT_Monthly"].conditional_formatting  # and the colour scale
    assert wb["BT_Summary"]["A1"].font.b  # and the formats
    assert {s: sheet_values(book, s) for s in CONFIG_SHEETS} == before  # config sheets untouched
    assert jobflow.load_job(home, book) is None
    # a second run replaces the previous run's sheets instead of adding more
    assert run_action("RunBacktest", ctx) == "started"
    assert poll_until_settled(ctx) == "done"
    assert [n for n in load_workbook(book).sheetnames if n.startswith("BT_")] == bt
    assert run_action("PollBacktest", ctx) == "idle"


def test_results_to_file_leaves_the_book_alone(jobflow_server: tuple[Path, Path, int]) -> None:
    home, books, _ = jobflow_server
    book = copy_book(books, "tofile.xlsx")
    ctx, ui = macro_ctx(book, home, results_to=ResultsTo.FILE)
    assert run_action("RunBacktest", ctx) == "started"
    assert poll_until_settled(ctx) == "done"
    out = books / "tofile_results.xlsx"
    assert str(out) in ui.messages[-1][1]
    assert "BT_Summary" in load_workbook(out).sheetnames
    assert not [n for n in load_workbook(book).sheetnames if n.startswith("BT_")]


def test_cancel_stops_the_job_and_writes_nothing(jobflow_server: tuple[Path, Path, int]) -> None:
    home, books, _ = jobflow_server
    book = copy_book(books, "cancel.xlsx")
    ctx, ui = macro_ctx(book, home)
    assert run_action("RunBacktest", ctx) == "started"
    assert run_action("CancelBacktest", ctx) in ("running", "queued", "cancelled")
    outcome = poll_until_settled(ctx) if jobflow.load_job(home, book) else "cancelled"
    assert outcome == "cancelled"
    assert "cancelled" in ui.messages[-1][1] and ui.statuses[-1] is None
    assert not [n for n in load_workbook(book).sheetnames if n.startswith("BT_")]
    assert run_action("CancelBacktest", ctx) == "idle"


def test_invalid_cell_is_named_and_no_job_starts(jobflow_server: tuple[Path, Path, int]) -> None:
    home, books, _ = jobflow_server
    book = copy_book(books, "invalid.xlsx")
    rows = sheet_values(book, "PositionalParameter")
    r = next(i for i, x in enumerate(rows) if x[1] == "BarInterval") + 1
    wb = load_workbook(book)
    wb["PositionalParameter"].cell(r, 5).value = "7m"
    wb.save(book)
    before = book.read_bytes()
    ctx, ui = macro_ctx(book, home)
    assert run_action("RunBacktest", ctx) == "invalid"
    title, text = ui.messages[-1]
    assert title == "posbt: validation" and "no backtest started" in text
    assert f"PositionalParameter!E{r} (BarInterval)" in text
    assert jobflow.load_job(home, book) is None and ui.statuses[-1] is None
    assert book.read_bytes() == before


def test_server_down_says_how_to_start_it(jobflow_server: tuple[Path, Path, int],
                                          tmp_path: Path) -> None:
    home, books, _ = jobflow_server
    book = copy_book(books, "down.xlsx")
    ctx, ui = macro_ctx(book, home, client=ServerClient(home, port=1, token=TOKEN))
    assert run_action("RunBacktest", ctx) == "no server"
    title, text = ui.messages[-1]
    assert title == "posbt: no server" and "posbt serve" in text and "posbt excel doctor" in text
    assert jobflow.load_job(home, book) is None


def test_token_mismatch_is_named(jobflow_server: tuple[Path, Path, int]) -> None:
    home, books, port = jobflow_server
    book = copy_book(books, "token.xlsx")
    ctx, ui = macro_ctx(book, home, client=ServerClient(home, port=port, token="not-the-token"))
    assert run_action("RunBacktest", ctx) == "token"
    title, text = ui.messages[-1]
    assert title == "posbt: token mismatch" and "posbt excel doctor" in text
    assert jobflow.load_job(home, book) is None


def test_a_job_failing_half_way_leaves_the_previous_sheets(
        jobflow_server: tuple[Path, Path, int], tmp_path: Path) -> None:
    home, books, _ = jobflow_server
    book = copy_book(books, "half.xlsx")
    wb = load_workbook(book)
    wb.create_sheet("BT_Summary")["A1"] = "the previous run's summary"
    wb.save(book)
    first = {n: sheet_values(book, n) for n in load_workbook(book).sheetnames}
    # a server whose job budget (1 s) ends while the job runs: the worker is stopped half
    # way, after it started, before any result exists
    settings = ServerSettings(home=home, port=0, job_time_s=1.0,
                              allowed_roots=(books.resolve(), (home / "excel").resolve()))
    with serve_in_thread(settings, TOKEN) as port:
        ctx, ui = macro_ctx(book, home, client=ServerClient(home, port=port, token=TOKEN))
        assert run_action("RunBacktest", ctx) == "started"
        assert poll_until_settled(ctx) == "failed"
    title, text = ui.messages[-1]
    assert title == "posbt: backtest failed" and "no sheet was changed" in text
    assert "time budget" in text
    assert {n: sheet_values(book, n) for n in load_workbook(book).sheetnames} == first
    assert jobflow.load_job(home, book) is None
