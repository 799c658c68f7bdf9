"""``posbt data check``: each problem planted by hand is found with the right count."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from click.testing import CliRunner

from engine.cli.main import cli
from engine.data.checks import Severity, has_errors, run_checks
from engine.data.duckdb_store import DuckDBStore

SPOT_COLS = "symbol, bar_minutes, ts, open, high, low, close, volume"


def _spot_day(store: DuckDBStore, day: dt.date, skip: set[dt.time]) -> None:
    # 5-minute bars closing 09:20 .. 15:30: 375 / 5 = 75 stamps
    start = dt.datetime.combine(day, dt.time(9, 15))
    for i in range(1, 76):
        ts = start + dt.timedelta(minutes=5 * i)
        if ts.time() in skip:
            continue
        store.con.execute(f"INSERT INTO spot_bars ({SPOT_COLS}) "
                          "VALUES ('NIFTY', 5, ?, 100, 101, 99, 100, 0)", [ts])


def _planted(path: Path | str) -> DuckDBStore:
    s = DuckDBStore(path)
    con = s.con
    con.execute("INSERT INTO instruments VALUES ('NIFTY', DATE '2020-01-01', NULL, 'NSE', 50, "
                "50, 3, 3)")
    _spot_day(s, dt.date(2024, 1, 2), {dt.time(10, 0)})  # one bar missing
    # 2024-01-03 (Wednesday, not a holiday) has no bars at all
    _spot_day(s, dt.date(2024, 1, 4), set())
    # a duplicate spot key (a corrupt store: loads never do this) and a high < low bar
    con.execute(f"INSERT INTO spot_bars ({SPOT_COLS}) VALUES ('NIFTY', 5, "
                "TIMESTAMP '2024-01-04 09:20', 100, 101, 99, 100, 0)")
    con.execute("UPDATE spot_bars SET high = 98 WHERE ts = TIMESTAMP '2024-01-02 15:30'")
    opt = ("INSERT INTO option_bars (symbol, expiry, strike, \"right\", bar_minutes, ts, open, "
           "high, low, close, bid, ask) VALUES ('NIFTY', ?, ?, 'CE', 1440, ?, ?, ?, ?, ?, ?, ?)")
    d2, d4 = dt.datetime(2024, 1, 2, 15, 30), dt.datetime(2024, 1, 5, 15, 30)
    con.execute(opt, [dt.date(2024, 1, 25), 21500.0, d2, 10, 11, 9, 10, 9.9, 10.1])  # fine
    con.execute(opt, [dt.date(2024, 1, 25), 21525.0, d2, 10, 11, 9, 10, 9.9, 10.1])  # off step
    con.execute(opt, [dt.date(2024, 1, 25), 21600.0, d2, 10, 11, 9, 10, 10.2, 10.1])  # crossed
    con.execute(opt, [dt.date(2024, 1, 25), 21700.0, d4, 0, 11, 0, 10, None, None])  # zero
    con.execute("INSERT INTO expiries (symbol, expiry, kind, source) VALUES "
                "('NIFTY', DATE '2024-01-04', 'WEEKLY', 'DATA'), "
                "('NIFTY', DATE '2024-01-25', 'MONTHLY', 'DATA')")
    return s


def test_every_planted_problem_is_found(tmp_path: Path) -> None:
    store = _planted(":memory:")
    found = {(f.check, f.table): f for f in run_checks(store)}
    assert found[("duplicate keys", "spot_bars")].count == 1
    assert found[("duplicate keys", "spot_bars")].example == "NIFTY 5 2024-01-04 09:20:00"
    assert found[("high below low", "spot_bars")].count == 1
    assert found[("crossed quote (bid > ask)", "option_bars")].count == 1
    assert found[("zero or negative price", "option_bars")].count == 1
    # 2024-01-02: 74 of 75 stamps -> 1 missing; the duplicate on 01-04 is one stamp
    missing = found[("missing bars inside the session", "spot_bars")]
    assert missing.count == 1 and missing.severity is Severity.WARNING
    assert "2024-01-02 5m: 74 of 75" in missing.example
    days = found[("missing trading days", "spot_bars")]
    assert (days.count, days.example) == (1, "2024-01-03 (5m)")
    # option data spans 2 Jan - 5 Jan: the 4 Jan weekly is listed but has no bars
    empty = found[("expiries without data", "expiries")]
    assert (empty.count, empty.example) == (1, "2024-01-04")
    off = found[("strike off the strike step", "option_bars")]
    assert off.count == 1 and "21525 (step 50)" in off.example
    assert has_errors(list(found.values()))
    store.close()


def test_clean_store_has_no_findings() -> None:
    store = DuckDBStore(":memory:")
    _spot_day(store, dt.date(2024, 1, 2), set())
    assert run_checks(store) == []
    store.close()


def test_strike_step_from_the_shipped_master_when_no_instruments() -> None:
    store = DuckDBStore(":memory:")
    store.con.execute("INSERT INTO option_bars (symbol, expiry, strike, \"right\", bar_minutes, "
                      "ts, open, high, low, close) VALUES ('BANKNIFTY', DATE '2024-01-25', "
                      "47050, 'PE', 1440, TIMESTAMP '2024-01-02 15:30', 5, 6, 4, 5)")
    found = run_checks(store)
    # BANKNIFTY step 100 in the shipped master: 47050 is off the step
    assert [f.check for f in found] == ["strike off the strike step"]
    store.close()


def test_cli_exit_codes(home: Path) -> None:
    home.mkdir(parents=True)
    _planted(home / "market.duckdb").close()
    result = CliRunner().invoke(cli, ["--home", str(home), "data", "check"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "duplicate keys" in result.output and "error(s)" in result.output
    clean = home.parent / "clean"
    clean.mkdir()
    DuckDBStore(clean / "market.duckdb").close()
    result = CliRunner().invoke(cli, ["--home", str(clean), "data", "check"])
    assert result.exit_code == 0 and "no problems found" in result.output
    result = CliRunner().invoke(cli, ["--home", str(home.parent / "none"), "data", "check"])
    assert result.exit_code == 1 and "posbt data demo" in result.output
