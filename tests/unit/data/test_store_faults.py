"""The store when things go wrong (issue 14, items 4, 5 and 9): an interrupted demo build is
seen and finished, a full disk says so and keeps what was there, a second writer waits or
names the process that holds the store, and the server lets go of the store between
requests so an import never needs it stopped."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from click.testing import CliRunner

from engine.cli.main import cli
from engine.data.build_state import BUILD_KEY, interrupted_build
from engine.data.checks import run_checks
from engine.data.duckdb_store import DuckDBStore
from engine.data.synthetic import generate as gen
from engine.data.synthetic.generate import generate_market
from engine.data.synthetic.spec import market_spec
from engine.errors import DiskFullError, StoreError, StoreLockedError
from xlbridge.metrics import MetricQuery, VolService

SPEC = {"start": dt.date(2025, 1, 6), "days": 3, "interval_minutes": 15, "history_days": 10,
        "strikes_each_side": 4, "horizon_days": 30, "seed": 5}
ROOT = Path(__file__).resolve().parents[3]


def _spec(*symbols: str):  # type: ignore[no-untyped-def]
    return market_spec(list(symbols), **SPEC)


def _counts(path: Path) -> dict[str, int]:
    store = DuckDBStore(path, read_only=True)
    try:
        return store.table_counts()
    finally:
        store.close()


class _Killed(BaseException):
    """Stands in for a kill: not an Exception, so nothing on the way catches it."""


def test_an_interrupted_demo_is_seen_and_finished_by_the_next_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clean = tmp_path / "clean.duckdb"
    store = DuckDBStore(clean)
    generate_market(_spec("BANKNIFTY", "NIFTY"), store)
    store.close()
    want = _counts(clean)

    home = tmp_path / "home"
    home.mkdir()
    path = home / "market.duckdb"
    real = gen.day_option_rows
    calls = {"NIFTY": 0}

    def dies_midway(ctx, i, intraday):  # type: ignore[no-untyped-def]
        if ctx.symbol.symbol == "NIFTY":  # BANKNIFTY (first, sorted) completes
            calls["NIFTY"] += 1
            if calls["NIFTY"] > SPEC["history_days"] + 2:  # two intraday days written
                raise _Killed
        return real(ctx, i, intraday)

    monkeypatch.setattr(gen, "BATCH_ROWS", 500)  # several committed batches before the kill
    monkeypatch.setattr(gen, "day_option_rows", dies_midway)
    store = DuckDBStore(path)
    with pytest.raises(_Killed):
        generate_market(_spec("BANKNIFTY", "NIFTY"), store)
    store.close()
    monkeypatch.setattr(gen, "day_option_rows", real)

    store = DuckDBStore(path, read_only=True)
    assert store.get_meta(BUILD_KEY) == "NIFTY" and interrupted_build(store) == "NIFTY"
    partial = store.sql("SELECT count(*) AS n FROM option_bars WHERE symbol = 'NIFTY'")
    assert partial.column("n")[0].as_py() > 0  # option bars without index bars were left
    findings = [f for f in run_checks(store) if f.check == "incomplete_build"]
    store.close()
    assert [(f.severity.value, f.symbol) for f in findings] == [("ERROR", "NIFTY")]

    monkeypatch.setenv("POSBT_HOME", str(home))
    info = CliRunner().invoke(cli, ["data", "info"])
    assert "incomplete: the demo build of NIFTY was interrupted" in info.output
    check = CliRunner().invoke(cli, ["data", "check"])
    assert check.exit_code == 1 and "incomplete_build" in check.output

    store = DuckDBStore(path)
    report = generate_market(_spec("BANKNIFTY", "NIFTY"), store)
    store.close()
    assert report.skipped_symbols[:1] == ["BANKNIFTY"] and report.generated_symbols == ["NIFTY"]
    assert report.resumed["NIFTY"] > 0
    assert _counts(path) == want  # exactly what an uninterrupted build holds
    store = DuckDBStore(path, read_only=True)
    assert store.get_meta(BUILD_KEY) is None and interrupted_build(store) is None
    store.close()


def test_imported_options_without_index_bars_are_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "market.duckdb"
    store = DuckDBStore(path)
    generate_market(_spec("NIFTY"), store)
    store.con.execute("DELETE FROM spot_bars WHERE symbol = 'NIFTY'")  # options only, no mark
    before = store.table_counts()
    with pytest.raises(StoreError, match="has option bars but no index bars"):
        generate_market(_spec("NIFTY"), store)
    assert store.table_counts() == before
    store.close()


def test_a_disk_error_inside_a_load_is_disk_full_and_rolls_back(tmp_path: Path) -> None:
    store = DuckDBStore(tmp_path / "m.duckdb")
    before = store.table_counts()
    batch = pa.table({"symbol": ["X"], "ts": [dt.datetime(2025, 1, 6, 9, 15)],
                      "bar_minutes": [5], "open": [1.0], "high": [1.0], "low": [1.0],
                      "close": [1.0]})
    full = pytest.raises(DiskFullError, match="disk full while writing to the store")
    with full, store.load() as tx:
        tx.append("spot_bars", batch)
        raise duckdb.IOException('IO Error: Could not write file "m.duckdb": No space left '
                                 "on device")
    assert store.table_counts() == before  # rolled back, and the store still answers
    with store.load() as tx:
        tx.append("spot_bars", batch)
    assert store.table_counts()["spot_bars"] == before["spot_bars"] + 1
    store.close()


def _mount_tmpfs(where: Path, size_mb: int) -> bool:
    if sys.platform != "linux" or os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs",
                           str(where)], capture_output=True, check=False)
    return done.returncode == 0


def test_a_real_full_disk_during_a_demo_keeps_the_previous_symbol(tmp_path: Path) -> None:
    disk = tmp_path / "small"
    if not _mount_tmpfs(disk, 24):
        pytest.skip("needs root and tmpfs to fill a real disk")
    try:
        path = disk / "market.duckdb"
        store = DuckDBStore(path)
        generate_market(_spec("NIFTY"), store)
        store.checkpoint()
        kept = store.table_counts()
        big = market_spec(["BANKNIFTY"], **{**SPEC, "days": 40, "interval_minutes": 1,
                                            "strikes_each_side": 15})
        with pytest.raises(DiskFullError, match="disk full"):
            generate_market(big, store)
        store.close()
        store = DuckDBStore(path, read_only=True)  # it opens, and NIFTY is all there
        nifty = store.sql("SELECT count(*) AS n FROM spot_bars WHERE symbol = 'NIFTY'")
        assert nifty.column("n")[0].as_py() == kept["spot_bars"]  # INDIAVIX is in vix_bars
        assert interrupted_build(store) in (None, "BANKNIFTY")
        store.close()
    finally:
        subprocess.run(["umount", str(disk)], check=False)


HOLDER = """
import sys, time
from engine.data.duckdb_store import DuckDBStore
s = DuckDBStore(sys.argv[1])
print("open", flush=True)
time.sleep(float(sys.argv[2]))
s.close()
"""


def _hold(path: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), str(seconds)],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "open"
    return proc


def test_a_second_writer_names_the_holder_or_waits_for_it(tmp_path: Path) -> None:
    path = tmp_path / "m.duckdb"
    DuckDBStore(path).close()
    holder = _hold(path, 2.0)
    try:
        with pytest.raises(StoreLockedError) as err:
            DuckDBStore(path)
        assert f"locked by process {holder.pid} (" in err.value.message
        told: list[str] = []
        t0 = time.monotonic()
        store = DuckDBStore(path, wait_s=30, on_wait=told.append)  # waits for the release
        store.close()
        assert time.monotonic() - t0 < 30 and len(told) == 1
        assert told[0].startswith(f"the store is locked by process {holder.pid}")
    finally:
        holder.wait(timeout=30)
        if holder.stdout is not None:
            holder.stdout.close()


def test_the_server_lets_go_of_the_store_between_requests(tmp_path: Path) -> None:
    from tests.unit.xlbridge.market import build_market

    home = tmp_path / "home"
    path = build_market(home)
    service = VolService(home, hold_s=0.3)
    try:
        snap = service.snapshot(MetricQuery(symbol="NIFTY", lookback=20))
        assert snap.symbol == "NIFTY" and service.store_open
        deadline = time.monotonic() + 10
        while service.store_open and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not service.store_open
        writer = subprocess.run([sys.executable, "-c", HOLDER, str(path), "0"], cwd=ROOT,
                                capture_output=True, text=True, timeout=60, check=False)
        assert writer.returncode == 0, writer.stderr  # an import could write now
        again = service.snapshot(MetricQuery(symbol="NIFTY", lookback=20))
        assert again.symbol == "NIFTY"  # and the next request reopens it
    finally:
        service.close()
