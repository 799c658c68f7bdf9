"""The local server through real HTTP: uvicorn on a free loopback port, started and stopped
by the tests, over a small synthetic market."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from engine.cli.main import cli
from engine.data.duckdb_store import DuckDBStore
from engine.volatility import HVMethod, volatility_snapshot
from tests.unit.xlbridge.market import END, LAST_BAR, LOOKBACK, START, build_market
from xlbridge import udfs
from xlbridge.server.thread import serve_in_thread
from xlbridge.settings import ServerSettings, write_server_info

TEMPLATE = Path(__file__).resolve().parents[2] / "workbook_templates" / "posbt_template.xlsx"
STRATEGIES = ["Aggressive_Iron_Fly_Vol_Aware", "Conservative_Weekly_Calendar_IVP"]
TOKEN = "test-token-0123456789"


class Api:
    """A tiny client: base URL and the bearer header."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.auth = {"Authorization": f"Bearer {TOKEN}"}

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return httpx.get(self.base + path, headers=self.auth, timeout=10, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return httpx.post(self.base + path, headers={**self.auth, **kw.pop("headers", {})},
                          timeout=10, **kw)

    def wait(self, job_id: str, states: set[str], timeout_s: float = 90) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            job: dict[str, Any] = self.get(f"/v1/jobs/{job_id}").json()
            if job["state"] in states:
                return job
            time.sleep(0.05)
        raise AssertionError(f"job {job_id} never reached {states}: {job}")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, Api]]:
    root = tmp_path_factory.mktemp("server")
    home, books = root / "home", root / "books"
    build_market(home)
    books.mkdir()
    shutil.copy(TEMPLATE, books / "book.xlsx")
    settings = ServerSettings(home=home, port=0, allowed_roots=(books.resolve(),))
    with pytest.MonkeyPatch.context() as mp, serve_in_thread(settings, TOKEN) as port:
        mp.setenv("POSBT_HOME", str(home))
        (home / "server.token").write_text(TOKEN)
        write_server_info(home, port, 0)
        yield home, books, Api(port)


def test_token_is_required_everywhere_but_health(world: tuple[Path, Path, Api]) -> None:
    _, _, api = world
    assert httpx.get(api.base + "/v1/health").json()["status"] == "ok"
    for path in ("/v1/metrics/ivp?symbol=NIFTY", "/v1/jobs/x", "/v1/openapi.json"):
        assert httpx.get(api.base + path).status_code == 401
        wrong = httpx.get(api.base + path, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and "server.token" in wrong.json()["detail"]
    schema = api.get("/v1/openapi.json").json()
    assert {"/v1/backtests", "/v1/jobs/{job_id}", "/v1/metrics/{name}"} <= set(schema["paths"])


def test_metrics_match_the_snapshot_in_process_and_posbt_vol(
        world: tuple[Path, Path, Api]) -> None:
    home, _, api = world
    store = DuckDBStore(home / "market.duckdb", read_only=True)
    ref = volatility_snapshot(store, "NIFTY", LAST_BAR, LOOKBACK)  # what `posbt vol` prints
    store.close()
    want = {"ivp": ref.ivp, "ivr": ref.ivr, "atrp": ref.atr_pct,
            "hv": ref.hv[HVMethod.CLOSE_TO_CLOSE], "ivhv": ref.iv_hv_ratio,
            "term": ref.term_slope, "regime": ref.regime.value if ref.regime else None}
    for name, value in want.items():
        got = api.get(f"/v1/metrics/{name}", params={"symbol": "nifty", "lookback": LOOKBACK})
        assert got.status_code == 200, got.text
        assert got.json()["value"] == pytest.approx(value) if name != "regime" \
            else got.json()["value"] == value
    # the same numbers from the cell functions, through the server ...
    assert udfs.POSBT_IVP("NIFTY", None, LOOKBACK) == pytest.approx(ref.ivp)
    assert udfs.POSBT_HV("NIFTY", LAST_BAR, 20, "close_to_close") == pytest.approx(
        ref.hv[HVMethod.CLOSE_TO_CLOSE])
    assert udfs.POSBT_REGIME("NIFTY") == want["regime"]
    # ... and in-process when no server answers (the port file points at a closed port)
    write_server_info(home, 1, 0)
    try:
        assert udfs.POSBT_IVR("NIFTY", dt.date(2025, 1, 7), LOOKBACK) == pytest.approx(ref.ivr)
        table = udfs.POSBT_VOLSNAPSHOT("NIFTY", None, LOOKBACK)
    finally:
        write_server_info(home, int(api.base.rsplit(":", 1)[1]), 0)
    assert table[0] == ["metric", "value", "missing"]
    assert dict((r[0], r[1]) for r in table[1:])["atr_pct"] == pytest.approx(ref.atr_pct)
    out = CliRunner().invoke(cli, ["vol", "NIFTY", "--lookback", str(LOOKBACK)])
    assert f"{ref.ivp:.1%}" in out.output  # posbt vol prints fractions as percentages


def test_missing_metric_is_a_short_cell_error(world: tuple[Path, Path, Api]) -> None:
    _, _, api = world
    r = api.get("/v1/metrics/ivp", params={"symbol": "BANKNIFTY"})
    assert r.status_code == 404 and r.json()["error"] == "no data for BANKNIFTY"
    assert udfs.POSBT_IVP("BANKNIFTY") == "#POSBT: no data for BANKNIFTY"
    assert udfs.POSBT_IVP("NIFTY", "2018-13-01").startswith("#POSBT: at: expected a date")


def _json(v: object) -> object:
    """What a JSON client sends: times as HH:MM text, dates as ISO text."""
    if isinstance(v, dt.time):
        return v.isoformat(timespec="minutes")
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    return v


def test_validate_a_path_and_sheet_values(world: tuple[Path, Path, Api]) -> None:
    _, books, api = world
    ok = api.post("/v1/validate", json={"path": str(books / "book.xlsx")}).json()
    assert ok["ok"] and set(STRATEGIES) <= set(ok["strategies"])
    wb = load_workbook(TEMPLATE)
    sheets = {ws.title: [[_json(v) for v in r] for r in ws.iter_rows(values_only=True)]
              for ws in wb}
    rows = sheets["PositionalParameter"]
    r = next(i for i, row in enumerate(rows) if row[1] == "BarInterval")
    rows[r][4] = "7m"  # column E: the first strategy
    bad = api.post("/v1/validate", json={"sheets": sheets, "source": "book.xlsx"}).json()
    assert not bad["ok"]
    errors = [p for p in bad["problems"] if p["severity"] == "error"]
    assert errors[0]["place"] == f"PositionalParameter!E{r + 1}"
    assert errors[0]["excel_name"] == "BarInterval"


def test_backtest_job_runs_while_cells_stay_fast(world: tuple[Path, Path, Api]) -> None:
    _home, books, api = world
    assert isinstance(udfs.POSBT_IVP("NIFTY", None, LOOKBACK), float)  # warm the cache
    r = api.post("/v1/backtests", json={"path": str(books / "book.xlsx"),
                                        "strategies": STRATEGIES, "date_from": str(START),
                                        "date_to": str(END)})
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    api.wait(job_id, {"running", "done"})
    timings = []
    while api.get(f"/v1/jobs/{job_id}").json()["state"] == "running" and len(timings) < 50:
        t0 = time.perf_counter()
        value = udfs.POSBT_IVP("NIFTY", None, LOOKBACK)
        timings.append(time.perf_counter() - t0)
        assert isinstance(value, float)
    # Answered while the worker runs: typically ~5 ms here. The box is shared (2 cores, load
    # from other jobs), so the bound is on the median and the 80th percentile, not the max;
    # benchmarks/server.py reports the full distribution.
    timings.sort()
    assert len(timings) >= 3, timings
    # a cell served while the job runs in its worker answers in milliseconds (a blocked server
    # would take the job's seconds); the 80th percentile has room for a loaded machine
    assert timings[len(timings) // 2] < 0.05 and timings[int(0.8 * len(timings))] < 0.15, timings
    job = api.wait(job_id, {"done", "failed"})
    assert job["state"] == "done", job["errors"]
    assert job["progress"] == 100.0 and any("running" in line for line in job["log"])
    res = api.get(f"/v1/jobs/{job_id}/results").json()
    assert res["tables"]["BT_Summary"]["headers"] == ["Metric", *STRATEGIES]
    assert len(res["run_ids"]) == 2 and Path(res["out_path"]).exists()
    assert {"BT_Summary", "BT_Trades"} <= set(load_workbook(res["out_path"]).sheetnames)


def test_cancel_stops_the_worker(world: tuple[Path, Path, Api]) -> None:
    _, books, api = world
    job_id = api.post("/v1/backtests", json={"path": str(books / "book.xlsx"),
                                             "strategies": STRATEGIES[:1],
                                             "date_from": str(START)}).json()["job_id"]
    api.wait(job_id, {"running", "done"})
    r = httpx.delete(f"{api.base}/v1/jobs/{job_id}", headers=api.auth)
    assert r.status_code == 200
    job = api.wait(job_id, {"cancelled", "done"})
    assert job["state"] == "cancelled" and job["progress"] < 100
    assert api.get(f"/v1/jobs/{job_id}/results").status_code == 409
    assert api.get("/v1/health").json()["jobs_running"] == 0


def test_bad_requests_get_clear_4xx_and_the_server_stays_up(
        world: tuple[Path, Path, Api], tmp_path: Path) -> None:
    _, books, api = world
    r = api.post("/v1/validate", content=b"{not json",
                 headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["error"].startswith("body: malformed JSON")
    r = api.get("/v1/metrics/ivp", params={"symbol": "NIFTY", "lookback": "abc"})
    assert r.status_code == 422 and r.json()["place"] == "query.lookback"
    r = api.post("/v1/price", json={"right": "CE", "underlying_pts": "x", "strike_pts": 1,
                                    "t_years": 1, "vol": 0.2})
    assert r.status_code == 422 and r.json()["place"] == "body.underlying_pts"
    r = api.post("/v1/validate", content=b"x" * 3_000_000,
                 headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "bytes" in r.json()["error"]
    outside = tmp_path / "book.xlsx"
    shutil.copy(books / "book.xlsx", outside)
    r = api.post("/v1/validate", json={"path": str(outside)})
    assert r.status_code == 403 and "outside the allowed folders" in r.json()["error"]
    r = api.post("/v1/backtests", json={"path": f"{books}/../books/book.xlsx"})
    assert r.status_code == 400 and "'..'" in r.json()["error"]
    r = api.post("/v1/validate", json={"path": "book.xlsx"})
    assert r.status_code == 400 and "absolute" in r.json()["error"]
    r = api.post("/v1/validate", json={"path": str(books / "book.xlsx"), "sheets": {}})
    assert r.status_code == 422 and "exactly one" in r.json()["error"]
    assert api.get("/v1/metrics/vega", params={"symbol": "NIFTY"}).status_code == 422
    assert api.get("/v1/jobs/nope").status_code == 404
    assert api.get("/v1/health").json()["status"] == "ok"


def test_price_matches_hand_arithmetic(world: tuple[Path, Path, Api]) -> None:
    _, _, api = world
    # ATM Black-76 call, F = K = 100, T = 1, r = 0, sigma = 0.2:
    # d1 = 0.1, d2 = -0.1 -> price = 100 (N(0.1) - N(-0.1)) = 100 x 0.0796557 = 7.96557
    r = api.post("/v1/price", json={"right": "CE", "underlying_pts": 100, "strike_pts": 100,
                                    "t_years": 1, "vol": 0.2, "rate": 0}).json()
    assert r["price"] == pytest.approx(7.965567, abs=1e-6)
    assert r["delta"] == pytest.approx(0.539828, abs=1e-6)  # N(0.1)
    assert udfs.POSBT_PRICE("CE", 100, 100, 1, 0.2, 0) == pytest.approx(7.965567, abs=1e-6)


def test_breakeven_endpoint_and_cells(world: tuple[Path, Path, Api]) -> None:
    _, _, api = world
    # iron fly: 22000 -/+ (240 credit - 2 costs) = 21762 / 22238; max loss 300 - 238 = 62
    r = api.post("/v1/breakeven", json={"kind": "ironfly", "params": {
        "centre_pts": 22000, "wing_pts": 300, "net_credit_pts": 240, "costs_pts": 2}})
    assert r.status_code == 200
    assert (r.json()["lower_pts"], r.json()["upper_pts"]) == (21762.0, 22238.0)
    assert r.json()["max_loss_pts"] == 62.0
    assert udfs.POSBT_IRONFLY_BE(22000, 300, 240) == [["lower_pts", "upper_pts"],
                                                      [21760.0, 22240.0]]
    cal = udfs.POSBT_CALENDAR_BE(22000, "CE", 7 / 365, 35 / 365, 0.12, 0.13, 150)
    assert cal[1][0] < 22000 < cal[1][1]
    r = api.post("/v1/breakeven", json={"kind": "ironfly", "params": {"centre_pts": 22000}})
    assert r.status_code in (400, 422) and r.json()["place"] == "breakeven ironfly.wing_pts"
