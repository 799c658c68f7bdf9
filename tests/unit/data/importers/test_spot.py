"""``import_spot``: NSE index close files and plain daily CSVs, stamped at 15:30."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.data.duckdb_store import DuckDBStore
from engine.data.importers.bhavcopy import import_bhavcopy
from engine.data.importers.spot import import_spot
from engine.errors import ImportRejectedError
from tests.unit.data.importers.conftest import fixture, snapshot

CLOSE = dt.datetime(2019, 7, 25, 15, 30)


def test_index_close_file_maps_names_and_sends_vix_to_its_table(store: DuckDBStore) -> None:
    report = import_spot(store, fixture("ind_close_all_25072019.csv"))
    # 6 rows: Nifty 50, Nifty Bank, Nifty Financial Services -> spot; India VIX -> vix;
    # Nifty Next 50 and Nifty IT ignored
    assert report.kind == "index close file" and report.rejected == []
    assert report.inserted == {"spot_bars": 3, "vix_bars": 1}
    assert sum(report.ignored.values()) == 2
    spot = {r["symbol"]: r for r in store.sql("SELECT * FROM spot_bars").to_pylist()}
    assert set(spot) == {"NIFTY", "BANKNIFTY", "FINNIFTY"}
    assert (spot["NIFTY"]["open"], spot["NIFTY"]["high"], spot["NIFTY"]["low"],
            spot["NIFTY"]["close"]) == (11290.45, 11310.9, 11234.1, 11252.15)
    assert spot["NIFTY"]["ts"] == CLOSE and spot["NIFTY"]["source"] == "FILE"
    vix = store.sql("SELECT * FROM vix_bars").to_pylist()
    assert vix == [{"symbol": "INDIAVIX", "bar_minutes": 1440, "ts": CLOSE, "open": 12.9825,
                    "high": 13.2, "low": 12.0125, "close": 12.4375}]


def test_symbol_option_picks_one_index_of_an_index_close_file(store: DuckDBStore) -> None:
    report = import_spot(store, fixture("ind_close_all_25072019.csv"), symbol="banknifty")
    assert report.inserted == {"spot_bars": 1} and sum(report.ignored.values()) == 5


def test_plain_csv_is_stamped_at_the_close_whatever_it_says(store: DuckDBStore) -> None:
    report = import_spot(store, fixture("nifty_close_daily.csv"), symbol="NIFTY")
    assert report.inserted == {"spot_bars": 3} and report.kind == "daily spot CSV"
    rows = store.sql("SELECT ts, open, close FROM spot_bars ORDER BY ts").to_pylist()
    # "2019-07-25 00:00:00" -> 2019-07-25 15:30; open = high = low = close without OHLC
    assert rows[1] == {"ts": CLOSE, "open": 11252.15, "close": 11252.15}
    assert {r["ts"].time() for r in rows} == {dt.time(15, 30)}
    assert any("replaced by the 15:30 session close" in n for n in report.notes)


def test_a_real_spot_file_replaces_the_derived_estimate(store: DuckDBStore) -> None:
    import_bhavcopy(store, fixture("fo25JUL2019bhav.csv"))  # derives NIFTY and BANKNIFTY
    report = import_spot(store, fixture("ind_close_all_25072019.csv"))
    # NIFTY and BANKNIFTY replaced their estimates; FINNIFTY is new
    assert report.inserted["spot_bars"] == 1 and report.replaced == {"spot_bars": 2}
    rows = {r["symbol"]: r for r in store.sql("SELECT * FROM spot_bars").to_pylist()}
    assert rows["BANKNIFTY"]["close"] == 28905.55 and rows["BANKNIFTY"]["source"] == "FILE"
    # and a derived estimate never replaces a real bar
    again = import_bhavcopy(store, fixture("fo25JUL2019bhav.csv"))
    assert again.total_inserted == 0


def _rejected(store: DuckDBStore, path: Path, **kw: str) -> str:
    before = snapshot(store)
    with pytest.raises(ImportRejectedError) as err:
        import_spot(store, path, **kw)
    assert snapshot(store) == before
    return str(err.value)


def test_an_index_close_file_for_other_indices_is_rejected(store: DuckDBStore) -> None:
    msg = _rejected(store, fixture("ind_close_sectoral_26072019.csv"))
    assert "ind_close_sectoral_26072019.csv:2" in msg
    assert "no row for NIFTY, BANKNIFTY, FINNIFTY or India VIX" in msg
    assert "Nifty IT (line 2), Nifty Auto (line 3)" in msg


def test_a_plain_file_without_a_symbol_needs_one(store: DuckDBStore) -> None:
    assert "give --symbol" in _rejected(store, fixture("nifty_close_daily.csv"))


def test_a_spot_file_after_every_option_bar_is_rejected(store: DuckDBStore,
                                                        tmp_path: Path) -> None:
    import_bhavcopy(store, fixture("fo25JUL2019bhav.csv"))
    late = tmp_path / "nifty_2020.csv"
    late.write_text("date,close\n2020-07-24,11194.15\n2020-07-27,11131.8\n")
    msg = _rejected(store, late, symbol="NIFTY")
    assert f"{late}:2" in msg and "lies after the store's NIFTY option bars" in msg


def test_option_bars_stamped_off_the_close_are_named(store: DuckDBStore, tmp_path: Path) -> None:
    store.con.execute("INSERT INTO option_bars (symbol, expiry, strike, \"right\", bar_minutes, "
                      "ts, open, high, low, close) VALUES ('NIFTY', DATE '2019-07-25', 11300, "
                      "'CE', 1440, TIMESTAMP '2019-07-24 00:00', 5, 6, 4, 5)")
    msg = _rejected(store, fixture("nifty_close_daily.csv"), symbol="NIFTY")
    assert "stamped at other times than 15:30 (e.g. 2019-07-24 00:00:00)" in msg


def test_bad_values_are_rejected_rows(store: DuckDBStore, tmp_path: Path) -> None:
    path = tmp_path / "vix.csv"
    path.write_text("date,symbol,open,high,low,close\n2019-07-25,INDIAVIX,12,13,11,1000000\n"
                    "2019-07-26,NIFTY,11290,11200,11300,11250\n2019-07-29,NIFTY,1,2,1,1.5\n")
    report = import_spot(store, path)
    reasons = {r.line: r.reason for r in report.rejected}
    assert "close 1e+06 is outside" in reasons[2] or "India VIX of 1e+06" in reasons[2]
    assert "high 11200 is below low 11300" in reasons[3]
    assert report.inserted == {"spot_bars": 1}


def test_a_vix_of_a_million_is_rejected_in_both_vix_importers(store: DuckDBStore,
                                                              tmp_path: Path) -> None:
    from engine.data.importers.vix import import_vix

    hist = tmp_path / "vix.csv"
    hist.write_text("Date ,Open ,High ,Low ,Close ,Prev. Close ,Change ,% Change \n"
                    "09-JUN-2025,1000000,1000000,1000000,1000000,14.96,0,0\n"
                    "10-JUN-2025,14.72,15.05,14.31,14.68,14.96,-0.28,-1.87\n")
    report = import_vix(store, hist)
    assert [r.line for r in report.rejected] == [2] and "not an India VIX level" in \
        report.rejected[0].reason
    close = tmp_path / "ind_close_all_09062025.csv"
    close.write_text(fixture("ind_close_all_25072019.csv").read_text().splitlines()[0] + "\n"
                     "India VIX,09-06-2025,1000000,1000000,1000000,1000000,-,-,-,-,-,-,-\n"
                     "Nifty 50,09-06-2025,25100,25200,25050,25103.2,0,0,0,0,0,0,0\n")
    report = import_spot(store, close)
    assert [r.line for r in report.rejected] == [2] and "India VIX of 1e+06" in \
        report.rejected[0].reason
