"""Sweep and A/B test jobs of the local server through real HTTP (uvicorn on a free loopback
port, job workers in their own processes) on the constructed three-week market of
tests/integration/test_abtest_cli.py: submit, progress, cancel, results, bad requests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from openpyxl import load_workbook

from tests.integration.test_abtest_cli import _market
from tests.integration.test_run_cli import FLY_YAML
from xlbridge.server.thread import serve_in_thread
from xlbridge.settings import ServerSettings

TOKEN = "analytics-token-0123456789"
# one lot, cost preset NONE: week 1 +110 pts, week 2 +140, week 3 -60 (x 75 a lot) =
# 8,250 + 10,500 - 4,500 = 14,250 INR a lot over the three weeks
PNL_PER_LOT_INR = (110 + 140 - 60) * 75.0


class Api:
    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.auth = {"Authorization": f"Bearer {TOKEN}"}

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.base + path, headers=self.auth, timeout=10)

    def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return httpx.post(self.base + path, headers=self.auth, json=body, timeout=30)

    def delete(self, path: str) -> httpx.Response:
        return httpx.delete(self.base + path, headers=self.auth, timeout=10)

    def wait(self, job_id: str, done: Any, timeout_s: float = 180) -> dict[str, Any]:
        """Poll until ``done(job)`` holds (a set of states or a predicate)."""
        check = done if callable(done) else (lambda j: j["state"] in done)
        deadline = time.monotonic() + timeout_s
        job: dict[str, Any] = {}
        while time.monotonic() < deadline:
            job = self.get(f"/v1/jobs/{job_id}").json()
            if check(job):
                return job
            time.sleep(0.05)
        raise AssertionError(f"job {job_id} never got there: {job}")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Api]]:
    root = tmp_path_factory.mktemp("analytics")
    home, books = root / "home", root / "books"
    home.mkdir()
    books.mkdir()
    _market(home)
    (books / "fly.yaml").write_text(FLY_YAML + "short_leg_dte: 0\n")
    settings = ServerSettings(home=home, port=0, allowed_roots=(books.resolve(),))
    with serve_in_thread(settings, TOKEN) as port:
        yield books, Api(port)


def _sheet(path: Path, name: str) -> list[tuple[Any, ...]]:
    wb = load_workbook(path, read_only=True)
    try:
        return list(wb[name].iter_rows(values_only=True))
    finally:
        wb.close()


def test_sweep_job_reports_variants_and_writes_bt_sweep(world: tuple[Path, Api]) -> None:
    books, api = world
    out = books / "lots_sweep.xlsx"
    r = api.post("/v1/sweeps", {"path": str(books / "fly.yaml"), "workers": 1, "out": str(out),
                                "params": [{"name": "Lots", "values": "1:3:1"}]})
    assert r.status_code == 202, r.text
    assert r.json()["kind"] == "sweep"
    job = api.wait(r.json()["job_id"], {"done", "failed"})
    assert job["state"] == "done", job["errors"]
    assert job["kind"] == "sweep" and job["progress"] == 100.0
    assert (job["variants_done"], job["variants_total"]) == (3, 3)
    assert any("3 variants: 3 run now" in line for line in job["log"])
    res = api.get(f"/v1/jobs/{job['id']}/results").json()
    assert Path(res["out_path"]) == out and res["variants"]["total"] == 3
    table = res["tables"]["BT_Sweep"]
    pnl = {row[table["headers"].index("Lots")]: row[table["headers"].index("net_pnl_inr")]
           for row in table["rows"]}
    # no costs: each variant earns its lots x 14,250 INR
    assert pnl == pytest.approx({1: PNL_PER_LOT_INR, 2: 2 * PNL_PER_LOT_INR,
                                 3: 3 * PNL_PER_LOT_INR})
    assert table["rows"] == [list(r) for r in _sheet(out, "BT_Sweep")[1:]]  # API = sheet
    stats = {row[0]: row[1] for row in res["tables"]["BT_SweepStats"]["rows"]}
    assert stats["variants"] == 3
    # the same sweep again: every variant comes from the results store
    again = api.post("/v1/sweeps", {"path": str(books / "fly.yaml"), "workers": 1,
                                    "out": str(out),
                                    "params": [{"name": "Lots", "values": "1,2,3"}]})
    job = api.wait(again.json()["job_id"], {"done", "failed"})
    assert job["state"] == "done" and any("0 run now, 3 from the results store" in line
                                          for line in job["log"])


def test_abtest_job_pairs_weeks_and_matches_hand_arithmetic(world: tuple[Path, Api]) -> None:
    books, api = world
    out = books / "ab.xlsx"
    r = api.post("/v1/abtests", {"path": str(books / "fly.yaml"), "strategy_a": "Golden_Fly",
                                 "params": [{"name": "Lots", "value": 2}], "out": str(out)})
    assert r.status_code == 202, r.text
    job = api.wait(r.json()["job_id"], {"done", "failed"})
    assert job["state"] == "done", job["errors"]
    assert job["kind"] == "abtest" and any("3 paired cycles" in line for line in job["log"])
    res = api.get(f"/v1/jobs/{job['id']}/results").json()
    assert res["labels"] == ["Golden_Fly", "Golden_Fly (Lots=2)"] and len(res["run_ids"]) == 2
    pairs = res["tables"]["BT_ABTestPairs"]["rows"]
    # A per week 110, 140, -60 pts x 75; B (2 lots) twice that; diff = A - B = -A
    assert pairs == [["2025-W02", 8250, 16500, -8250], ["2025-W03", 10500, 21000, -10500],
                     ["2025-W04", -4500, -9000, 4500]]
    summary = {row[0]: row[1:] for row in res["tables"]["BT_ABTest"]["rows"]}
    assert summary["mean_cycle_pnl_inr"][2] == pytest.approx(-14250 / 3)
    assert [list(p) for p in _sheet(out, "BT_ABTestPairs")[1:]] == pairs


def _descendants() -> set[int]:
    """Processes below this one that are multiprocessing children (job workers and pool
    workers; the resource tracker left out: it lives as long as this process)."""
    out = set()
    for p in psutil.Process().children(recursive=True):
        try:
            cmd = " ".join(p.cmdline())
        except psutil.Error:
            continue
        if "multiprocessing" in cmd and "resource_tracker" not in cmd:
            out.add(p.pid)
    return out


def test_cancel_stops_a_sweep_and_its_pool_before_it_writes(world: tuple[Path, Api]) -> None:
    books, api = world
    out = books / "cancelled_sweep.xlsx"
    before = _descendants()
    # 10 x 6 = 60 variants (Lots above 10 do not fit the capital)
    r = api.post("/v1/sweeps", {"path": str(books / "fly.yaml"), "workers": 2, "out": str(out),
                                "params": [{"name": "Lots", "values": "1:10:1"},
                                           {"name": "StopLoss",
                                            "values": "0.5,1,1.5,2,3,5"}]})
    job_id = r.json()["job_id"]
    job = api.wait(job_id, lambda j: (j["variants_done"] or 0) >= 1
                   or j["state"] not in ("queued", "running"))
    assert job["state"] == "running", job
    assert api.delete(f"/v1/jobs/{job_id}").status_code == 200
    job = api.wait(job_id, {"cancelled", "done", "failed"}, timeout_s=60)
    assert job["state"] == "cancelled", job
    assert job["variants_done"] < job["variants_total"] == 60
    # stopped either by itself after the variant in flight ("stopped on cancel; nothing
    # written") or, when that takes over the grace period, by SIGTERM with its pool
    assert not out.exists()  # no workbook, not even half of one
    assert not list(books.glob(".posbt-*"))  # nor a temporary file beside it
    assert api.get(f"/v1/jobs/{job_id}/results").status_code == 409
    deadline = time.monotonic() + 20
    while _descendants() - before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _descendants() - before  # the job worker and its pool workers are gone
    assert api.get("/v1/health").json()["jobs_running"] == 0


def _book(books: Path, name: str, sweep_rows: list[tuple[object, object]]) -> Path:
    """The world's fly as a workbook (posbt convert), its Sweep sheet holding ``sweep_rows``
    (the converted book's own Sweep sheet replaced; no rows: an empty sheet)."""
    from click.testing import CliRunner

    from engine.cli.main import cli

    book = books / name
    converted = CliRunner().invoke(cli, ["convert", str(books / "fly.yaml"), str(book)])
    assert converted.exit_code == 0, converted.output
    wb = load_workbook(book)
    if "Sweep" in wb.sheetnames:
        del wb["Sweep"]
    ws = wb.create_sheet("Sweep")
    ws.append(["Parameter", "Values", "Notes"])
    for row in sweep_rows:
        ws.append(list(row))
    wb.save(book)
    return book


def test_a_sweep_without_params_reads_the_workbook_sweep_sheet(world: tuple[Path, Api]
                                                                 ) -> None:
    books, api = world
    book = _book(books, "sheet_sweep.xlsx", [("Lots", "1,3")])
    out = books / "sheet_sweep_out.xlsx"
    r = api.post("/v1/sweeps", {"path": str(book), "workers": 1, "out": str(out)})
    assert r.status_code == 202, r.text
    job = api.wait(r.json()["job_id"], {"done", "failed"})
    assert job["state"] == "done", job["errors"]
    assert (job["variants_done"], job["variants_total"]) == (2, 2)
    assert any("over the parameters of its Sweep sheet" in line for line in job["log"])
    table = api.get(f"/v1/jobs/{job['id']}/results").json()["tables"]["BT_Sweep"]
    lots, pnl = table["headers"].index("Lots"), table["headers"].index("net_pnl_inr")
    # the sheet's Lots 1 and 3: 14,250 and 42,750 INR
    assert {row[lots]: row[pnl] for row in table["rows"]} == pytest.approx(
        {1: PNL_PER_LOT_INR, 3: 3 * PNL_PER_LOT_INR})


def test_a_sweep_with_neither_params_nor_a_sweep_sheet_gets_422(world: tuple[Path, Api]
                                                               ) -> None:
    books, api = world
    for path, what in ((books / "fly.yaml", "fly.yaml has no sweep: block"),
                       (_book(books, "no_rows.xlsx", []), "no_rows.xlsx has no Sweep sheet "
                                                          "rows")):
        r = api.post("/v1/sweeps", {"path": str(path), "workers": 1})
        assert r.status_code == 422, r.text
        answer = r.json()
        assert answer["place"] == "body.params", answer
        assert answer["error"].startswith("body.params: no params given and " + what)
    assert not list(books.glob("no_rows_sweep.xlsx"))  # nothing queued, nothing written


def test_the_request_reads_only_the_sweep_part_of_the_file(world: tuple[Path, Api],
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    # the request handler no longer parses the strategies (a 10,000-strategy workbook made the
    # request take ~5 s): with the full read failing in the server's process, the answers are
    # still 202 (the job, in a process of its own, reads the whole file) and 422
    import engine.config.loader as config_loader

    def no_full_read(path: Path) -> None:
        raise AssertionError(f"the request read all of {path}")

    books, api = world
    book, none = _book(books, "cheap_sweep.xlsx", [("Lots", "1,2")]), _book(books,
                                                                              "cheap_none.xlsx", [])
    monkeypatch.setattr(config_loader, "read_source", no_full_read)
    r = api.post("/v1/sweeps", {"path": str(book), "workers": 1,
                                "out": str(books / "cheap_sweep_out.xlsx")})
    assert r.status_code == 202, r.text
    job = api.wait(r.json()["job_id"], {"done", "failed"})
    assert job["state"] == "done", job["errors"]
    assert (job["variants_done"], job["variants_total"]) == (2, 2)
    r = api.post("/v1/sweeps", {"path": str(none), "workers": 1})
    assert r.status_code == 422 and "has no Sweep sheet rows" in r.text, r.text


@pytest.mark.parametrize(("path", "body", "place", "text"), [
    ("/v1/sweeps", {"params": [{"name": "WingWidthPt", "values": "200"}]},
     "body.params.0", "unknown parameter 'WingWidthPt'; did you mean WingWidthPts"),
    ("/v1/sweeps", {"params": [{"name": "WingWidthPts", "values": "600:200:100"}]},
     "body.params.0", "is empty"),
    ("/v1/sweeps", {"params": [{"name": "Lots", "values": "0:2:1"}]},
     "body.params.0", "Lots = 0 is below its minimum"),
    ("/v1/sweeps", {"params": []}, "body.params", "at least 1 item"),
    ("/v1/sweeps", {"params": [{"name": "Lots", "values": "1,2"},
                               {"name": "lots", "values": "3"}]},
     "body.params", "parameter Lots is swept twice"),
    # 1,000 x 1,000 = 10^6 variants without samples
    ("/v1/sweeps", {"params": [{"name": "Lots", "values": "1:1000:1"},
                               {"name": "WingWidthPts", "values": "100:100000:100"}]},
     "body.samples", "1,000,000 variants"),
    ("/v1/sweeps", {"params": [{"name": "Lots", "values": "1:2:1"}], "samples": 0},
     "body.samples", "greater than or equal to 1"),
    ("/v1/sweeps", {"params": [{"name": "Lots", "values": "1"}], "bogus": 1},
     "body.bogus", "Extra inputs"),
    ("/v1/abtests", {"strategy_a": "Golden_Fly"}, "body.strategy_b", "name strategy_b"),
    ("/v1/abtests", {"strategy_a": "Golden_Fly", "strategy_b": "Golden_Fly"},
     "body.strategy_b", "no change"),
    ("/v1/abtests", {"strategy_a": "Golden_Fly", "params": [{"name": "Lots", "value": "1,2"}]},
     "body.params.0", "changes a parameter to one value"),
    ("/v1/abtests", {"strategy_a": "Golden_Fly", "strategy_b": "X", "cycle": "day"},
     "body.cycle", "'week' or 'month'"),
])
def test_bad_requests_get_422_naming_the_field(world: tuple[Path, Api], path: str,
                                               body: dict[str, Any], place: str,
                                               text: str) -> None:
    books, api = world
    r = api.post(path, {"path": str(books / "fly.yaml"), **body})
    assert r.status_code == 422, r.text
    answer = r.json()
    assert answer["place"] == place, answer
    assert text in answer["error"], answer
    assert answer["error"].startswith(f"{place}: ")


def test_paths_and_engine_errors_of_analytics_jobs(world: tuple[Path, Api],
                                                   tmp_path: Path) -> None:
    books, api = world
    r = api.post("/v1/sweeps", {"path": str(tmp_path / "fly.yaml"),
                                "params": [{"name": "Lots", "values": "1"}]})
    assert r.status_code == 403 and r.json()["place"] == "path"
    r = api.post("/v1/abtests", {"path": str(books / "fly.yaml"), "strategy_a": "Golden_Fly",
                                 "strategy_b": "Nope", "out": str(books / "fly.yaml")})
    assert r.status_code == 400 and r.json()["place"] == "out"
    # a strategy the file lacks: the job fails with the engine's message, nothing written
    r = api.post("/v1/abtests", {"path": str(books / "fly.yaml"), "strategy_a": "Golden_Fly",
                                 "strategy_b": "Nope", "out": str(books / "nope.xlsx")})
    job = api.wait(r.json()["job_id"], {"done", "failed"})
    assert job["state"] == "failed" and "no strategy named Nope" in job["errors"][0]["message"]
    assert not (books / "nope.xlsx").exists()
