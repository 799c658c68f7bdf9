"""The Run Backtest flow's bookkeeping with a stand-in server: the record a start writes
before it posts (macOS' RunPython returns at once, so a timer tick can come first), jobs of
another workbook keeping the timer alive, and a start that fails leaving no record."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from tests.unit.xlbridge.recording_ui import RecordingUi
from xlbridge import jobflow
from xlbridge.conf import ResultsTo
from xlbridge.resultbooks import FileBook


class Server:
    """Answers GET /jobs/{id} from a dict of states."""

    def __init__(self, states: dict[str, dict[str, Any]]) -> None:
        self.states = states
        self.posted: list[Any] = []

    def request(self, method: str, path: str, **kw: Any) -> Any:
        if method == "POST":
            self.posted.append(kw.get("json"))
            return {"job_id": "new", "state": "queued"}
        return self.states[path.rsplit("/", 1)[-1]]


def _record(home: Path, book: Path, job_id: str, age_s: float = 0) -> None:
    started = (dt.datetime.now() - dt.timedelta(seconds=age_s)).isoformat(timespec="seconds")
    jobflow.save_job(home, jobflow.ActiveJob(job_id=job_id, book=str(book), snapshot="",
                                             results="", results_to="sheets", started=started))


def test_a_tick_during_the_start_keeps_polling_and_a_stale_start_is_dropped(
        tmp_path: Path) -> None:
    book = tmp_path / "b.xlsx"
    ui = RecordingUi()
    _record(tmp_path, book, "")  # the start is validating
    assert jobflow.poll(book, FileBook(book), ui, Server({}), tmp_path) == "running"  # type: ignore[arg-type]
    assert ui.statuses == []  # the status bar (and so the timer) left alone
    _record(tmp_path, book, "", age_s=jobflow.PENDING_S + 5)
    assert jobflow.poll(book, FileBook(book), ui, Server({}), tmp_path) == "idle"  # type: ignore[arg-type]
    assert ui.statuses == [None] and jobflow.load_job(tmp_path, book) is None


def test_another_workbooks_job_keeps_the_timer_until_the_user_returns(tmp_path: Path) -> None:
    mine, other = tmp_path / "mine.xlsx", tmp_path / "other.xlsx"
    _record(tmp_path, other, "j1")
    ui = RecordingUi()
    running = Server({"j1": {"state": "running", "progress": 40.0, "log": []}})
    assert jobflow.poll(mine, FileBook(mine), ui, running, tmp_path) == "running"  # type: ignore[arg-type]
    assert ui.statuses[-1] == f"{jobflow.BUSY}backtest of other.xlsx: switch back to it for its results"
    just_done = Server({"j1": {"state": "done", "finished": dt.datetime.now().isoformat()}})
    assert jobflow.poll(mine, FileBook(mine), ui, just_done, tmp_path) == "running"  # type: ignore[arg-type]
    long_ago = (dt.datetime.now() - dt.timedelta(seconds=jobflow.WAIT_FOR_RETURN_S + 60))
    old = Server({"j1": {"state": "done", "finished": long_ago.isoformat()}})
    assert jobflow.poll(mine, FileBook(mine), ui, old, tmp_path) == "idle"  # type: ignore[arg-type]
    assert ui.statuses[-1] is None
    assert jobflow.load_job(tmp_path, other) is not None  # finished there, not here


def test_a_start_that_does_not_post_leaves_no_record(tmp_path: Path) -> None:
    from engine.config.templates import write_template

    book = tmp_path / "b.xlsx"
    write_template(book, ["Demo_Weekly_IronFly"])
    ui = RecordingUi()
    _record(tmp_path, book, "")  # a start in flight: a second press waits
    server = Server({})
    assert jobflow.start(book, FileBook(book), ui, server, tmp_path,  # type: ignore[arg-type]
                         ResultsTo.SHEETS) == "busy"
    jobflow.claim_job(tmp_path, book)
    assert jobflow.start(book, FileBook(book), ui, server, tmp_path,  # type: ignore[arg-type]
                         ResultsTo.FILE) == "started"
    assert server.posted[-1]["out"] == str(tmp_path / "b_results.xlsx")
    assert jobflow.load_job(tmp_path, book) is not None
    jobflow.claim_job(tmp_path, book)
    # unsaved book with results to a file: says save first, no record left
    assert jobflow.start(Path("Book1"), FileBook(book), ui, server, tmp_path,  # type: ignore[arg-type]
                         ResultsTo.FILE) == "unsaved"
    assert jobflow.load_job(tmp_path, Path("Book1")) is None
