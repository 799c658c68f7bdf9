"""What the ribbon's job-flow tests share (Run Backtest, Run Sweep, A/B Test): a real server on
a free loopback port over a 5-day market with a one-strategy workbook, the macro context of a
workbook (the openpyxl adapter FileBook in place of the live book) with a RecordingUi, and the
add-in's poll loop. The ``jobflow_server`` fixture (tests/integration/
conftest.py) starts one server per test module with :func:`serve_jobflow`."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from engine.config.templates import write_template
from engine.workbook.openpyxl_adapter import OpenpyxlReader
from tests.unit.xlbridge.market import build_market
from tests.unit.xlbridge.recording_ui import RecordingUi
from xlbridge.client import ServerClient
from xlbridge.conf import ResultsTo
from xlbridge.macros import MacroContext, run_action
from xlbridge.resultbooks import FileBook
from xlbridge.server.thread import serve_in_thread
from xlbridge.settings import ServerSettings, write_server_info

STRATEGY = "Demo_Weekly_IronFly"
TOKEN = "jobflow-token-0123456789"


@contextmanager
def serve_jobflow(root: Path) -> Iterator[tuple[Path, Path, int]]:
    """(home, books, port): a 5-day market in ``root/home``, the workbook ``books/one.xlsx``
    with STRATEGY, and a server on it whose token and port are in the home for the client."""
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


def copy_book(books: Path, name: str) -> Path:
    """A config workbook generated from the models with one strategy (a quick job)."""
    path = books / name
    shutil.copy(books / "one.xlsx", path)
    return path


def macro_ctx(book: Path, home: Path, client: ServerClient | None = None,
              results_to: ResultsTo = ResultsTo.SHEETS) -> tuple[MacroContext, RecordingUi]:
    ui = RecordingUi()
    fb = FileBook(book)
    return MacroContext(path=book, reader=fb, writer=fb, results=fb, columns=fb, ui=ui,
                        client=client or ServerClient(home), home=home,
                        results_to=results_to), ui


def poll_until_settled(ctx: MacroContext, timeout_s: float = 120) -> str:
    """What the add-in's timer does: call PollBacktest until it stops saying running."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        outcome = run_action("PollBacktest", ctx)
        if outcome != "running":
            return outcome
        time.sleep(0.2)
    raise AssertionError("the job never finished")


def sheet_values(path: Path, sheet: str) -> list[list[object]]:
    return [[c.value for c in row] for row in OpenpyxlReader(path).rows(sheet)]
