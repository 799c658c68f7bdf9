"""The ribbon's Run Backtest flow end to end: the openpyxl workbook adapter (FileBook) in
place of the live book, a real server on a free loopback port (uvicorn in a thread, job
workers in their own processes), post -> poll -> BT_* sheets written, cancel, and the bad
inputs: invalid cells, server down, wrong token, a job failing half way."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from engine.config.templates import write_template
from engine.workbook.openpyxl_adapter import OpenpyxlReader
from tests.unit.xlbridge.market import build_market
from xlbridge import jobflow
from xlbridge.client import ServerClient
from xlbridge.conf import ResultsTo
from xlbridge.macros import MacroContext, run_action
from xlbridge.resultbooks import FileBook
from xlbridge.server.thread import serve_in_thread
from xlbridge.settings import ServerSettings, write_server_info

STRATEGY = "Demo_Weekly_IronFly"
TOKEN = "jobflow-token-0123456789"
CONFIG_SHEETS = ("PositionalParameter", "LegParameter", "AdjustmentRules", "GlobalDefaults")


class RecordingUi:
    def __init__(self) -> None:
        self.statuses: list[str | None] = []
        self.messages: list[tuple[str, str]] = []

    def status(self, text: str | None) -> None:
        self.statuses.append(text)

    def message(self, text: str, title: str) -> None:
        self.messages.append((title, text))

    def open(self, path: Path) -> None:  # pragma: no cover - not used here
        raise AssertionError(path)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, int]]:
    root = tmp_path_factory.mktemp("jobflow")
    home, books = root / "home", root / "books"
    build_market(home)
    books.mkdir()
    settings = ServerSettings(home=home, port=0,
                              allowed_roots=(books.resolve(), (home / "excel").resolve()))
    with serve_in_thread(settings, TOKEN) as port:
        write_template(books / "one.xlsx", [STRATEGY])
        (home / "server.token").write_text(TOKEN)
        write_server_info(home, port, 0)
        yield home, books, port


def _book(books: Path, name: str) -> Path:
    """A config workbook generated from the models with one strategy (a quick job)."""
    path = books / name
    shutil.copy(books / "one.xlsx", path)
    return path


def _ctx(book: Path, home: Path, client: ServerClient | None = None,
         results_to: ResultsTo = ResultsTo.SHEETS) -> tuple[MacroContext, RecordingUi]:
    ui = RecordingUi()
    fb = FileBook(book)
    return MacroContext(path=book, reader=fb, writer=fb, results=fb, columns=fb, ui=ui,
                        client=client or ServerClient(home), home=home,
                        results_to=results_to), ui


def _poll_until_settled(ctx: MacroContext, timeout_s: float = 120) -> str:
    """What the add-in's timer does: call PollBacktest until it stops saying running."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        outcome = run_action("PollBacktest", ctx)
        if outcome != "running":
            return outcome
        time.sleep(0.2)
    raise AssertionError("the job never finished")


def _values(path: Path, sheet: str) -> list[list[object]]:
    return [[c.value for c in row] for row in OpenpyxlReader(path).rows(sheet)]


def test_run_posts_polls_and_writes_every_bt_sheet(server: tuple[Path, Path, int]) -> None:
    home, books, _ = server
    book = _book(books, "run.xlsx")
    before = {s: _values(book, s) for s in CONFIG_SHEETS}
    ctx, ui = _ctx(book, home)
    t0 = time.monotonic()
    assert run_action("RunBacktest", ctx) == "started"
    assert time.monotonic() - t0 < 10  # returns once the job is posted, not when it is done
    assert ui.statuses[-1] is not None and ui.statuses[-1].startswith(jobflow.BUSY)
    job = jobflow.load_job(home, book)
    assert job is not None
    assert _poll_until_settled(ctx) == "done"
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
    assert {s: _values(book, s) for s in CONFIG_SHEETS} == before  # config sheets untouched
    assert jobflow.load_job(home, book) is None
    # a second run replaces the previous run's sheets instead of adding more
    assert run_action("RunBacktest", ctx) == "started"
    assert _poll_until_settled(ctx) == "done"
    assert [n for n in load_workbook(book).sheetnames if n.startswith("BT_")] == bt
    assert run_action("PollBacktest", ctx) == "idle"


def test_results_to_file_leaves_the_book_alone(server: tuple[Path, Path, int]) -> None:
    home, books, _ = server
    book = _book(books, "tofile.xlsx")
    ctx, ui = _ctx(book, home, results_to=ResultsTo.FILE)
    assert run_action("RunBacktest", ctx) == "started"
    assert _poll_until_settled(ctx) == "done"
    out = books / "tofile_results.xlsx"
    assert str(out) in ui.messages[-1][1]
    assert "BT_Summary" in load_workbook(out).sheetnames
    assert not [n for n in load_workbook(book).sheetnames if n.startswith("BT_")]


def test_cancel_stops_the_job_and_writes_nothing(server: tuple[Path, Path, int]) -> None:
    home, books, _ = server
    book = _book(books, "cancel.xlsx")
    ctx, ui = _ctx(book, home)
    assert run_action("RunBacktest", ctx) == "started"
    assert run_action("CancelBacktest", ctx) in ("running", "queued", "cancelled")
    outcome = _poll_until_settled(ctx) if jobflow.load_job(home, book) else "cancelled"
    assert outcome == "cancelled"
    assert "cancelled" in ui.messages[-1][1] and ui.statuses[-1] is None
    assert not [n for n in load_workbook(book).sheetnames if n.startswith("BT_")]
    assert run_action("CancelBacktest", ctx) == "idle"


def test_invalid_cell_is_named_and_no_job_starts(server: tuple[Path, Path, int]) -> None:
    home, books, _ = server
    book = _book(books, "invalid.xlsx")
    rows = _values(book, "PositionalParameter")
    r = next(i for i, x in enumerate(rows) if x[1] == "BarInterval") + 1
    wb = load_workbook(book)
    wb["PositionalParameter"].cell(r, 5).value = "7m"
    wb.save(book)
    before = book.read_bytes()
    ctx, ui = _ctx(book, home)
    assert run_action("RunBacktest", ctx) == "invalid"
    title, text = ui.messages[-1]
    assert title == "posbt: validation" and "no backtest started" in text
    assert f"PositionalParameter!E{r} (BarInterval)" in text
    assert jobflow.load_job(home, book) is None and ui.statuses[-1] is None
    assert book.read_bytes() == before


def test_server_down_says_how_to_start_it(server: tuple[Path, Path, int],
                                          tmp_path: Path) -> None:
    home, books, _ = server
    book = _book(books, "down.xlsx")
    ctx, ui = _ctx(book, home, client=ServerClient(home, port=1, token=TOKEN))
    assert run_action("RunBacktest", ctx) == "no server"
    title, text = ui.messages[-1]
    assert title == "posbt: no server" and "posbt serve" in text and "posbt excel doctor" in text
    assert jobflow.load_job(home, book) is None


def test_token_mismatch_is_named(server: tuple[Path, Path, int]) -> None:
    home, books, port = server
    book = _book(books, "token.xlsx")
    ctx, ui = _ctx(book, home, client=ServerClient(home, port=port, token="not-the-token"))
    assert run_action("RunBacktest", ctx) == "token"
    title, text = ui.messages[-1]
    assert title == "posbt: token mismatch" and "posbt excel doctor" in text
    assert jobflow.load_job(home, book) is None


def test_a_job_failing_half_way_leaves_the_previous_sheets(
        server: tuple[Path, Path, int], tmp_path: Path) -> None:
    home, books, _ = server
    book = _book(books, "half.xlsx")
    wb = load_workbook(book)
    wb.create_sheet("BT_Summary")["A1"] = "the previous run's summary"
    wb.save(book)
    first = {n: _values(book, n) for n in load_workbook(book).sheetnames}
    # a server whose job budget (1 s) ends while the job runs: the worker is stopped half
    # way, after it started, before any result exists
    settings = ServerSettings(home=home, port=0, job_time_s=1.0,
                              allowed_roots=(books.resolve(), (home / "excel").resolve()))
    with serve_in_thread(settings, TOKEN) as port:
        ctx, ui = _ctx(book, home, client=ServerClient(home, port=port, token=TOKEN))
        assert run_action("RunBacktest", ctx) == "started"
        assert _poll_until_settled(ctx) == "failed"
    title, text = ui.messages[-1]
    assert title == "posbt: backtest failed" and "no sheet was changed" in text
    assert "time budget" in text
    assert {n: _values(book, n) for n in load_workbook(book).sheetnames} == first
    assert jobflow.load_job(home, book) is None
