"""Server parts without HTTP: job persistence across a restart, the worker on a known
market, path and token guards, settings and the sheet-values reader."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from engine.data.duckdb_store import DuckDBStore
from engine.errors import PosbtError
from tests.integration.test_run_cli import FLY_YAML
from tests.unit.simulation.builder import load_market
from tests.unit.simulation.test_golden import FLY_QUOTES, FLY_SPOT, STAMPS, W1
from xlbridge.server.jobs import RESTART_ERROR, JobManager
from xlbridge.server.security import PathRefusedError, checked_path, token_ok
from xlbridge.server.worker import run_job
from xlbridge.settings import ensure_token, read_token, server_port, write_server_info
from xlbridge.validation import JsonBook


class ListQueue:
    def __init__(self) -> None:
        self.items: list[Any] = []

    def put(self, obj: Any) -> None:
        self.items.append(obj)


def test_restart_marks_unfinished_jobs_failed_never_done(tmp_path: Path) -> None:
    jobs_file = tmp_path / "jobs.json"
    rows = [{"id": "a", "request": {}, "state": "running", "progress": 40.0},
            {"id": "b", "request": {}, "state": "queued"},
            {"id": "c", "request": {}, "state": "done", "progress": 100.0}]
    jobs_file.write_text(json.dumps(rows))
    manager = JobManager(tmp_path, jobs_file)
    try:
        a, b, c = (manager.get(k) for k in "abc")
        assert a is not None and b is not None and c is not None
        assert (a.state, b.state, c.state) == ("failed", "failed", "done")
        assert a.errors[0]["message"] == RESTART_ERROR and a.progress == 40.0
        saved = {r["id"]: r["state"] for r in json.loads(jobs_file.read_text())}
        assert saved == {"a": "failed", "b": "failed", "c": "done"}
    finally:
        manager.shutdown()


def test_worker_runs_the_golden_fly_and_reports_config_errors(home: Path, tmp_path: Path) -> None:
    store = DuckDBStore(home / "market.duckdb")
    load_market(store, STAMPS, FLY_SPOT, FLY_QUOTES, [(W1, "WEEKLY")])
    store.close()
    cfg = tmp_path / "fly.yaml"
    cfg.write_text(FLY_YAML)
    q = ListQueue()
    run_job({"path": str(cfg)}, str(home), q)
    kinds = [m[0] for m in q.items]
    assert kinds[-1] == "done" and "progress" in kinds
    assert max(m[1] for m in q.items if m[0] == "progress") <= 99.0  # 100 only when done
    trades = q.items[-1][1]["tables"]["BT_Trades"]
    row = dict(zip(trades["headers"], trades["rows"][0], strict=True))
    # credit 240, settled at 22130: (240 - 130) x lot 75 = 8,250 INR (tests/integration)
    assert row["pnl_net_inr"] == pytest.approx(8250.0)
    assert isinstance(row["entry_ts"], str)  # JSON-safe
    bad = tmp_path / "bad.yaml"
    bad.write_text(FLY_YAML.replace("wing_width_pts: 300", "wing_width_pts: -5"))
    q = ListQueue()
    run_job({"path": str(bad)}, str(home), q)
    kind, errors = q.items[-1]
    assert kind == "failed" and errors[0]["excel_name"] == "WingWidthPts"
    assert "bad.yaml" in errors[0]["place"]


def test_paths_are_confined_to_allowed_folders(tmp_path: Path) -> None:
    root = tmp_path / "books"
    root.mkdir()
    book = root / "a.xlsx"
    book.write_bytes(b"")
    assert checked_path(str(book), (root.resolve(),)) == book.resolve()
    (tmp_path / "b.xlsx").write_bytes(b"")
    link = root / "link.xlsx"
    link.symlink_to(tmp_path / "b.xlsx")  # a link out of the folder is outside it
    cases = {str(link): "outside the allowed folders", f"{root}/../b.xlsx": "'..'",
             "C:\\books\\..\\x.xlsx": "'..'", "a.xlsx": "absolute",
             str(root / "a.txt"): "expected a", str(root / "none.xlsx"): "file not found",
             "  ": "empty"}
    for text, why in cases.items():
        with pytest.raises(PathRefusedError, match=why):
            checked_path(text, (root.resolve(),))


def test_token_file_is_private_and_checked_in_constant_time(tmp_path: Path) -> None:
    token = ensure_token(tmp_path)
    assert len(token) >= 40 and ensure_token(tmp_path) == token == read_token(tmp_path)
    assert stat.S_IMODE(os.stat(tmp_path / "server.token").st_mode) == 0o600
    assert token_ok(f"Bearer {token}", token) and token_ok(f"bearer {token}", token)
    assert not token_ok(None, token) and not token_ok(token, token)
    assert not token_ok("Bearer x", token)
    (tmp_path / "server.token").write_text("")
    with pytest.raises(PosbtError, match="empty"):
        read_token(tmp_path)
    assert server_port(tmp_path) == 8765
    write_server_info(tmp_path, 9001, 1)
    assert server_port(tmp_path) == 9001


def test_json_book_gives_addresses_dates_and_formulas() -> None:
    book = JsonBook({"S": [["a", "2025-01-02", None], [1.5, "=A1", "2025-01-02 09:15"]]})
    rows = book.rows("S")
    assert [c.address for c in rows[1]] == ["A2", "B2", "C2"]
    assert rows[0][1].value.isoformat() == "2025-01-02T00:00:00"
    assert rows[1][1].formula == "=A1" and rows[1][1].value is None
    assert rows[1][2].value.hour == 9 and book.sheet_names() == ["S"]
