"""``posbt data check`` on real-layout imports: information is not an error; impossible
values and closed-day bars are found with their place."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from click.testing import CliRunner

from engine.cli.main import cli
from engine.data.checks import Severity, run_checks
from engine.data.duckdb_store import DuckDBStore
from engine.data.importers.bhavcopy import import_bhavcopy
from tests.unit.data.importers.conftest import add_lot_sizes, fixture

OPT = ("INSERT INTO option_bars (symbol, expiry, strike, \"right\", bar_minutes, ts, open, high, "
       "low, close, settle, volume, oi) VALUES ('NIFTY', ?, ?, 'CE', 1440, ?, ?, ?, ?, ?, ?, ?, ?)")


def _by(findings: list, severity: Severity) -> dict[tuple[str, str, str], int]:
    return {(f.check, f.table, f.symbol): f.count for f in findings if f.severity is severity}


def test_derived_spot_no_trade_bars_and_stale_contracts_are_information(home: Path) -> None:
    store = DuckDBStore(home / "market.duckdb")
    add_lot_sizes(store)
    import_bhavcopy(store, fixture("fo25JUL2019bhav.csv"))
    # an August contract that traded on 1 Jul and then only had no-trade rows to 25 Jul
    store.con.execute(OPT, [dt.date(2019, 8, 29), 13000.0, dt.datetime(2019, 7, 1, 15, 30),
                            1.0, 1.2, 0.9, 1.1, 1.1, 75, 1500])
    store.con.execute(OPT, [dt.date(2019, 8, 29), 13000.0, dt.datetime(2019, 7, 24, 15, 30),
                            None, None, None, None, 0.8, 0, 1500])
    findings = run_checks(store)
    store.close()
    assert _by(findings, Severity.ERROR) == {}
    info = _by(findings, Severity.INFO)
    assert info[("derived spot (DERIVED_FUTURES)", "spot_bars", "NIFTY")] == 1
    assert info[("derived spot (DERIVED_PARITY)", "spot_bars", "BANKNIFTY")] == 1
    # 3 untraded options in the file + the planted one; 1 untraded far future
    assert info[("no-trade bars", "option_bars", "NIFTY")] == 4
    assert info[("no-trade bars", "futures_bars", "NIFTY")] == 1
    assert info[("contracts that stopped trading before expiry", "option_bars", "NIFTY")] == 1
    result = CliRunner().invoke(cli, ["--home", str(home), "data", "check"])
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output and "INFO" in result.output


def test_impossible_values_are_errors_and_closed_days_warnings(home: Path) -> None:
    store = DuckDBStore(home / "market.duckdb")
    # after its expiry, an expiry in 9999, strike 0: a store written before these checks
    store.con.execute(OPT, [dt.date(2024, 1, 4), 21500.0, dt.datetime(2024, 1, 5, 15, 30),
                            10.0, 11.0, 9.0, 10.5, 10.5, 50, 100])
    store.con.execute(OPT, [dt.date(9999, 1, 4), 21500.0, dt.datetime(2024, 1, 5, 15, 30),
                            10.0, 11.0, 9.0, 10.5, 10.5, 50, 100])
    store.con.execute(OPT, [dt.date(2024, 1, 11), 0.0, dt.datetime(2024, 1, 5, 15, 30),
                            10.0, 11.0, 9.0, 10.5, 10.5, 50, 100])
    store.con.execute("INSERT INTO vix_bars VALUES ('INDIAVIX', 1440, TIMESTAMP "
                      "'2024-01-05 15:30', 1e6, 1e6, 1e6, 1e6)")
    for day in ("2024-01-07", "2025-02-01"):  # a Sunday; the Saturday budget session
        store.con.execute("INSERT INTO spot_bars (symbol, bar_minutes, ts, open, high, low, "
                          f"close) VALUES ('NIFTY', 1440, TIMESTAMP '{day} 15:30', 1, 1, 1, 1)")
    findings = run_checks(store)
    store.close()
    errors = _by(findings, Severity.ERROR)
    assert errors[("option bar after its expiry", "option_bars", "NIFTY")] == 1
    assert errors[("expiry more than 10 years after the bar", "option_bars", "NIFTY")] == 1
    assert errors[("strike 0 or below", "option_bars", "NIFTY")] == 1
    assert errors[("volatility index outside (0, 200]", "vix_bars", "INDIAVIX")] == 1
    warn = [f for f in findings if f.check == "bars on a day the exchange was closed"]
    assert [(w.table, w.count, w.example) for w in warn] == [
        ("spot_bars", 1, "2024-01-07 (Sunday)")]
    special = [f for f in findings if f.check == "special session with bars"]
    assert special[0].example == "2025-02-01 (Union Budget (Saturday session))"
    result = CliRunner().invoke(cli, ["--home", str(home), "data", "check"])
    assert result.exit_code == 1 and "Traceback" not in result.output
