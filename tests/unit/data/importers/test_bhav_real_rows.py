"""Bhavcopy rows as the exchange writes them: no-trade bars, expiry-day zeros, derived spot.

Fixture ``fo25JUL2019bhav.csv``: NSE's old layout on NIFTY's July 2019 monthly expiry day
(Thursday 25 Jul 2019), written by hand in the exchange's layout (trailing commas).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

from engine.data.duckdb_store import DuckDBStore
from engine.data.importers.bhavcopy import import_bhavcopy
from tests.unit.data.importers.conftest import fixture

DAY = dt.date(2019, 7, 25)
JUL, AUG, SEP = dt.date(2019, 7, 25), dt.date(2019, 8, 29), dt.date(2019, 9, 26)


def _bars(store: DuckDBStore, table: str) -> dict[tuple[object, ...], dict[str, object]]:
    rows = store.sql(f"SELECT * FROM {table}").to_pylist()
    if table == "futures_bars":
        return {(r["symbol"], r["expiry"]): r for r in rows}
    return {(r["symbol"], r["expiry"], r["strike"], r["right"]): r for r in rows}


def test_every_real_row_kind_is_stored_with_exact_counts(store: DuckDBStore) -> None:
    report = import_bhavcopy(store, fixture("fo25JUL2019bhav.csv"))
    # 15 data rows: 3 FUTIDX + 11 OPTIDX stored (none rejected), 1 OPTSTK ignored
    assert report.rows_read == 15 and report.rejected == []
    assert report.inserted["option_bars"] == 11 and report.inserted["futures_bars"] == 3
    assert report.ignored == {"OPTSTK (not an index contract)": 1}
    # expiries seen on options: NIFTY 25 Jul and 29 Aug, BANKNIFTY 1 Aug; spot: NIFTY, BANKNIFTY
    assert report.inserted["expiries"] == 3 and report.inserted["spot_bars"] == 2
    assert any("4 no-trade bar(s)" in n for n in report.notes)


def test_untraded_rows_are_no_trade_bars_keeping_settle_and_oi(store: DuckDBStore) -> None:
    import_bhavcopy(store, fixture("fo25JUL2019bhav.csv"))
    opts = _bars(store, "option_bars")
    no_price = (None, None, None, None)
    # all prices 0, SETTLE_PR 3.25, OI 22500
    far = opts[("NIFTY", AUG, 12500.0, "CE")]
    assert (far["open"], far["high"], far["low"], far["close"]) == no_price
    assert (far["settle"], far["volume"], far["oi"]) == (3.25, 0, 22_500)
    # the variant: OPEN, HIGH, LOW 0 and CLOSE = SETTLE_PR 14.6, CONTRACTS 0
    variant = opts[("NIFTY", AUG, 10000.0, "PE")]
    assert (variant["open"], variant["close"], variant["settle"], variant["oi"]) == (
        None, None, 14.6, 6000)
    # an untraded far future keeps its settlement and OI
    fut = _bars(store, "futures_bars")[("NIFTY", SEP)]
    assert (fut["close"], fut["settle"], fut["volume"], fut["oi"]) == (None, 11345.9, 0, 151_500)


def test_expiring_options_settle_at_zero_on_expiry_day(store: DuckDBStore) -> None:
    import_bhavcopy(store, fixture("fo25JUL2019bhav.csv"))
    opts = _bars(store, "option_bars")
    otm = opts[("NIFTY", JUL, 11300.0, "CE")]  # traded down to a LOW of 0, settles at 0
    assert (otm["open"], otm["high"], otm["low"], otm["close"], otm["settle"]) == (
        5.0, 9.5, 0.0, 0.05, 0.0)
    dead = opts[("NIFTY", JUL, 11500.0, "CE")]  # CLOSE 0 on expiry day is real
    assert (dead["low"], dead["close"], dead["volume"]) == (0.0, 0.0, 1200 * 75)
    untraded = opts[("NIFTY", JUL, 12000.0, "CE")]
    assert (untraded["close"], untraded["settle"], untraded["oi"]) == (None, 0.0, 0)
    # data check: zeros on an expiry day are not price errors
    problems = store.query("check_prices").to_pylist()
    assert problems == []


def test_spot_is_derived_from_the_future_or_parity_and_marked(store: DuckDBStore) -> None:
    import_bhavcopy(store, fixture("fo25JUL2019bhav.csv"))
    spot = {r["symbol"]: r for r in store.sql("SELECT * FROM spot_bars").to_pylist()}
    nifty = spot["NIFTY"]
    # the July future expires today: T = 0, spot = the future's OHLC unchanged
    assert (nifty["open"], nifty["high"], nifty["low"], nifty["close"]) == (
        11290.0, 11310.4, 11230.6, 11252.15)
    assert nifty["source"] == "DERIVED_FUTURES" and nifty["ts"] == dt.datetime(2019, 7, 25, 15, 30)
    # BANKNIFTY has no future: parity at 29000 on the 1 Aug weekly, T = 7 days
    t = 7 / 365
    forward = 29000 + math.exp(0.065 * t) * (350.5 - 420.25)
    expected = round(forward * math.exp(-0.05 * t), 2)
    assert spot["BANKNIFTY"]["close"] == expected and abs(expected - 28902.4) < 1.0
    assert spot["BANKNIFTY"]["source"] == "DERIVED_PARITY"


def test_a_real_spot_bar_is_never_replaced_by_a_derived_one(store: DuckDBStore) -> None:
    import pyarrow as pa

    with store.load() as tx:
        tx.append("spot_bars", pa.table({
            "symbol": ["NIFTY"], "bar_minutes": pa.array([1440], pa.int16()),
            "ts": [dt.datetime(2019, 7, 25, 15, 30)], "open": [11290.0], "high": [11300.0],
            "low": [11230.0], "close": [11252.65], "source": ["FILE"]}))
    report = import_bhavcopy(store, fixture("fo25JUL2019bhav.csv"))
    assert report.inserted["spot_bars"] == 1 and report.skipped["spot_bars"] == 1
    close = store.sql("SELECT close FROM spot_bars WHERE symbol = 'NIFTY'").to_pylist()
    assert close == [{"close": 11252.65}]


def test_no_trade_bars_never_reach_leg_paths(store: DuckDBStore) -> None:
    import_bhavcopy(store, fixture("fo25JUL2019bhav.csv"))
    t = store.query("leg_paths", {
        "symbol": "NIFTY", "bar_minutes": 1440, "ts_from": dt.datetime(2019, 7, 25),
        "ts_to": dt.datetime(2019, 7, 26), "expiries": [AUG, AUG], "strikes": [12500.0, 11300.0],
        "rights": ["CE", "CE"]})
    assert t.column("strike").to_pylist() == [11300.0]  # the untraded 12500 CE has no price


def test_truly_wrong_rows_are_rejected_with_line_and_reason(store: DuckDBStore,
                                                            tmp_path: Path) -> None:
    header = fixture("fo25JUL2019bhav.csv").read_text().splitlines()[0]
    good = "OPTIDX,NIFTY,29-Aug-2019,11300,CE,150.5,171.2,128,140.35,140.35,52000,1,2800000,0,25-JUL-2019,"
    bad = [
        good.replace("150.5,171.2,128", "-150.5,171.2,128"),                 # 2 negative
        good.replace("150.5,171.2,128,140.35", "150.5,120,128,125"),         # 3 high < low
        good.replace("29-Aug-2019", "29-Jun-2019"),                          # 4 expiry before
        good.replace("29-Aug-2019", "29-Aug-9999"),                          # 5 year 9999
        good.replace(",11300,", ",0,"),                                      # 6 strike 0
        good.replace(",52000,", ",1e25,"),                                   # 7 huge count
        good.replace("171.2", "1e300"),                                      # 8 huge price
        good.replace("NIFTY", '"NIF\nTY"'),                                  # 9-10 newline
        good.replace("25-JUL-2019", "31-FEB-2019"),                          # 11 no such day
    ]
    path = tmp_path / "fo25JUL2019bhav.csv"
    path.write_text("\n".join([header, *bad, good.replace(",11300,", ",11400,")]) + "\n")
    report = import_bhavcopy(store, path)
    reasons = {r.line: r.reason for r in report.rejected}
    assert "OPEN: price must be > 0, got -150.5" in reasons[2]
    assert "high 120 is below low 128" in reasons[3]
    assert "expiry 2019-06-29 is before the trade date 2019-07-25" in reasons[4]
    assert "more than 10 years after the trade date" in reasons[5]
    assert "strike must be > 0, got 0" in reasons[6]
    assert "CONTRACTS: count 1e25 is implausibly large" in reasons[7]
    assert "HIGH: price 1e+300 is implausibly large" in reasons[8]
    assert "is not a symbol" in reasons[10]  # the quoted field spans lines 9-10
    assert "TIMESTAMP: malformed date '31-FEB-2019'" in reasons[11]
    assert len(report.rejected) == 9 and report.inserted["option_bars"] == 1


def test_two_joined_files_do_not_store_the_second_header(store: DuckDBStore,
                                                          tmp_path: Path) -> None:
    text = fixture("fo25JUL2019bhav.csv").read_text()
    joined = tmp_path / "fo25JUL2019bhav.csv"
    joined.write_text(text + text)  # cat day.csv day.csv > joined.csv
    report = import_bhavcopy(store, joined)
    reasons = {r.line: r.reason for r in report.rejected}
    assert "the header line repeats here" in reasons[17]
    # the second copy's rows repeat the first's keys: duplicates, named with their lines
    assert sum("duplicate row" in r for r in reasons.values()) == 14
    assert report.inserted["option_bars"] == 11


def test_a_bhavcopy_dated_on_a_closed_day_is_noted(store: DuckDBStore, tmp_path: Path) -> None:
    sunday = tmp_path / "fo28JUL2019bhav.csv"
    sunday.write_text(fixture("fo25JUL2019bhav.csv").read_text()
                      .replace("25-JUL-2019", "28-JUL-2019").replace("25-Jul-2019", "26-Sep-2019"))
    report = import_bhavcopy(store, sunday)
    assert any("trade date 2019-07-28 (first at line 2) is a day NSE was closed (Sunday)" in n
               for n in report.notes)
    assert report.inserted["option_bars"] > 0
