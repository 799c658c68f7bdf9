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


def _daily_spot(store: DuckDBStore, symbol: str, days: list[dt.date]) -> None:
    for day in days:
        store.con.execute(f"INSERT INTO spot_bars ({SPOT_COLS}) VALUES (?, 1440, ?, 100, 101, "
                          "99, 100, NULL)", [symbol, dt.datetime.combine(day, dt.time(15, 30))])


def _weekdays(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)
            if (start + dt.timedelta(days=i)).weekday() < 5]


def test_holidays_are_not_missing_days_without_a_seeded_holidays_table() -> None:
    # A store filled by `posbt data import` only (no `posbt data demo`, so the holidays table
    # is empty), daily spot on every trading day of 23 Jan - 3 Feb 2023. 26 Jan 2023
    # (Thursday) is Republic Day, an NSE holiday in the shipped list: no spot that day is
    # right. 31 Jan (Tuesday) is missing for real: 1 missing day, not 2.
    store = DuckDBStore(":memory:")
    assert store.sql("SELECT count(*) AS n FROM holidays").to_pylist()[0]["n"] == 0
    days = [d for d in _weekdays(dt.date(2023, 1, 23), dt.date(2023, 2, 3))
            if d not in (dt.date(2023, 1, 26), dt.date(2023, 1, 31))]
    _daily_spot(store, "NIFTY", days)
    # SENSEX (BSE) reads NSE's list too: the same days, the same one gap
    _daily_spot(store, "SENSEX", days)
    found = {f.symbol: f for f in run_checks(store) if f.check == "missing trading days"}
    assert (found["NIFTY"].count, found["NIFTY"].example) == (1, "2023-01-31 (1440m)")
    assert (found["SENSEX"].count, found["SENSEX"].example) == (1, "2023-01-31 (1440m)")
    assert not [f for f in run_checks(store) if f.check == "bars on a day the exchange was closed"]
    store.close()


def test_the_stores_own_holidays_count_as_closed_days() -> None:
    # the user's holiday list, seeded into the store: 31 Jan 2023 closed (say, an exchange
    # outage) -> no missing day at all; a BSE-only row applies to SENSEX, not to NIFTY
    store = DuckDBStore(":memory:")
    days = [d for d in _weekdays(dt.date(2023, 1, 23), dt.date(2023, 2, 3))
            if d not in (dt.date(2023, 1, 26), dt.date(2023, 1, 31), dt.date(2023, 2, 1))]
    _daily_spot(store, "NIFTY", days)
    _daily_spot(store, "SENSEX", days)
    store.con.execute("INSERT INTO holidays VALUES ('NSE', DATE '2023-01-31', 'outage'), "
                      "('BSE', DATE '2023-02-01', 'BSE only')")
    found = {f.symbol: f for f in run_checks(store) if f.check == "missing trading days"}
    # NIFTY: 1 Feb is an NSE trading day without spot; SENSEX: 31 Jan (NSE's list, which
    # BSE reads) and 1 Feb (its own) are closed -> nothing missing
    assert (found["NIFTY"].count, found["NIFTY"].example) == (1, "2023-02-01 (1440m)")
    assert "SENSEX" not in found
    # a bar on the store's own holiday is a bar on a closed day, named with its description
    _daily_spot(store, "NIFTY", [dt.date(2023, 1, 31)])
    closed = [f for f in run_checks(store) if f.check == "bars on a day the exchange was closed"]
    assert [(f.symbol, f.count, f.example) for f in closed] == [
        ("NIFTY", 1, "2023-01-31 (outage)")]
    store.close()
