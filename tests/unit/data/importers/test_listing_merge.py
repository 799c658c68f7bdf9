"""A folder of daily bhavcopies: each day's file shows an expiry's first day as its own day,
which is no difference from the stored (earlier) listing day, and ``--replace`` never moves
``expiries.listed_from`` forward; a changed price is still a difference. (Issue 12.)

The files are NSE's old F&O layout, zipped and named as NSE names them. Each day lists the
1 Aug 2019 weekly and the 29 Aug 2019 monthly (one traded 11000 CE each) and one untraded
12000 CE of 29 Aug (a no-trade bar: blank-equivalent zero prices, settlement 5).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

from click.testing import CliRunner

from engine.cli.main import cli
from engine.data.duckdb_store import DuckDBStore
from engine.data.heavydb_store import HeavyDBStore
from engine.data.importers.bhavcopy import import_bhavcopy
from engine.data.store import Store
from engine.market.view import MarketView
from tests.unit.data.test_heavydb_store import DuckShim

HEADER = ("INSTRUMENT,SYMBOL,EXPIRY_DT,STRIKE_PR,OPTION_TYP,OPEN,HIGH,LOW,CLOSE,SETTLE_PR,"
          "CONTRACTS,VAL_INLAKH,OPEN_INT,CHG_IN_OI,TIMESTAMP,\n")
AUG1, AUG29 = dt.date(2019, 8, 1), dt.date(2019, 8, 29)
JUL26, JUL29, JUL30 = dt.date(2019, 7, 26), dt.date(2019, 7, 29), dt.date(2019, 7, 30)


def _bhav_text(day: dt.date, *, close: float = 105.0, contracts: int = 10) -> tuple[str, str]:
    """(``fo{DD}{MON}{YYYY}bhav.csv``, its text) of ``day``: lines 2-3 the traded 11000 CEs
    of 1 Aug and 29 Aug (OHLC 100/110/90/``close``), line 4 the untraded 12000 CE."""
    stamp = day.strftime("%d-%b-%Y").upper()
    rows = [f"OPTIDX,NIFTY,{e},11000,CE,100,110,90,{close},{close},{contracts},100.5,7500,0,"
            f"{stamp},\n" for e in ("01-Aug-2019", "29-Aug-2019")]
    rows.append(f"OPTIDX,NIFTY,29-Aug-2019,12000,CE,0,0,0,0,5,0,0,7500,0,{stamp},\n")
    return f"fo{day:%d}{day.strftime('%b').upper()}{day:%Y}bhav.csv", HEADER + "".join(rows)


def _bhav_zip(folder: Path, day: dt.date, *, close: float = 105.0, contracts: int = 10) -> Path:
    """The day's file zipped as NSE publishes it (``fo26JUL2019bhav.csv.zip``)."""
    name, text = _bhav_text(day, close=close, contracts=contracts)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, text)
    return path


def _bhav_csv(folder: Path, day: dt.date) -> Path:
    """The day's file unzipped (for ``import_bhavcopy``, which reads one CSV)."""
    name, text = _bhav_text(day)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _import(home: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--home", str(home), "data", "import", "bhavcopy", *args])
    assert "Traceback" not in result.output
    assert result.exit_code == 0, result.output
    return result.output


def _listed_from(store: Store) -> dict[dt.date, dt.date | None]:
    rows = store.query("expiry_listing", {"symbol": "NIFTY"}).to_pylist()
    return {r["expiry"]: r["listed_from"] for r in rows}


def _stored(home: Path) -> DuckDBStore:
    return DuckDBStore(home / "market.duckdb", read_only=True)


def test_a_folder_of_days_reports_no_listing_difference(home: Path, tmp_path: Path) -> None:
    fold = tmp_path / "fold"
    for day in (JUL26, JUL29, JUL30):
        _bhav_zip(fold, day)
    out = _import(home, str(fold))
    assert "already stored with other values" not in out
    assert "differ from the files" not in out
    # 3 files x 3 option rows = 9 bars, + 2 expiries rows from the first file
    assert "9 rows read, 11 inserted, 4 skipped as already stored" in out
    assert out.count("1 no-trade bar(s) stored") == 3  # one untraded 12000 CE a day
    with _stored(home) as store:
        assert _listed_from(store) == {AUG1: JUL26, AUG29: JUL26}  # the earliest file's day
    again = _import(home, str(fold))  # nothing new: no difference, no no-trade note
    assert "0 inserted, 15 skipped as already stored" in again
    assert "no-trade bar(s) stored" not in again
    assert "differ" not in again


def test_replace_keeps_the_earliest_listed_day(home: Path, tmp_path: Path) -> None:
    fold = tmp_path / "fold"
    last = [_bhav_zip(fold, day) for day in (JUL26, JUL29, JUL30)][-1]
    _import(home, str(fold))
    out = _import(home, "--replace", str(last))
    assert "replaced expiries 2, option_bars 3" in out  # 30 Jul's 3 bars, its 2 expiries
    with _stored(home) as store:
        # 26 Jul, not 30 Jul: min(stored 26 Jul, file 30 Jul)
        assert _listed_from(store) == {AUG1: JUL26, AUG29: JUL26}
        listed = MarketView(store, "NIFTY", 1440).listed_expiries(JUL26)
        assert [e for e, _ in listed] == [AUG1, AUG29]


def test_out_of_order_files_move_the_listed_day_back(tmp_path: Path) -> None:
    late, early = _bhav_csv(tmp_path, JUL30), _bhav_csv(tmp_path, JUL26)
    for replace in (False, True):
        with DuckDBStore(":memory:") as store:
            import_bhavcopy(store, late)
            assert _listed_from(store) == {AUG1: JUL30, AUG29: JUL30}
            version = store.data_version()
            report = import_bhavcopy(store, early, replace=replace)
            assert _listed_from(store) == {AUG1: JUL26, AUG29: JUL26}, replace
            assert report.differing == {}
            assert store.data_version() == version + 1
            import_bhavcopy(store, late, replace=replace)  # the later day again: no move
            assert _listed_from(store) == {AUG1: JUL26, AUG29: JUL26}, replace


def test_heavydb_keeps_the_earliest_listed_day_in_any_order(tmp_path: Path) -> None:
    files = {d: _bhav_csv(tmp_path, d) for d in (JUL26, JUL29, JUL30)}
    with HeavyDBStore(backend=DuckShim()) as heavy:
        for day in (JUL29, JUL30, JUL26):  # 26 Jul last: moves both back from 29 Jul
            import_bhavcopy(heavy, files[day])
            first = JUL26 if day == JUL26 else JUL29
            assert _listed_from(heavy) == {AUG1: first, AUG29: first}


def test_a_changed_close_or_volume_is_still_a_difference(home: Path, tmp_path: Path) -> None:
    _import(home, str(_bhav_zip(tmp_path / "a", JUL26)))
    # a corrected 26 Jul file: the 11000 CEs closed at 106, not 105
    fixed = _bhav_zip(tmp_path / "b", JUL26, close=106.0)
    out = _import(home, str(fixed))
    assert ("2 option_bars row(s) of this file are already stored with other values "
            "(line 2: close differs)") in out
    assert "2 stored rows differ from the files" in out
    assert "expiries row(s)" not in out
    # 12 contracts, not 10: volume 12 x 75 = 900 units against the stored 10 x 75 = 750
    more = _bhav_zip(tmp_path / "c", JUL26, contracts=12)
    out = _import(home, str(more))
    assert "(line 2: volume differs)" in out
    out = _import(home, "--replace", str(fixed))
    with _stored(home) as store:
        closes = store.sql("SELECT close FROM option_bars WHERE strike = 11000 "
                           "ORDER BY expiry").column("close").to_pylist()
        assert closes == [106.0, 106.0]
        assert _listed_from(store) == {AUG1: JUL26, AUG29: JUL26}


def test_the_no_trade_note_counts_only_bars_this_import_stored(tmp_path: Path) -> None:
    name, text = _bhav_text(JUL26)
    lines = text.splitlines(keepends=True)
    traded = tmp_path / "traded.csv"  # header + the 2 traded bars, no untraded row
    traded.write_text("".join(lines[:3]), encoding="utf-8")
    full = tmp_path / name
    full.write_text(text, encoding="utf-8")
    with DuckDBStore(":memory:") as store:
        assert _no_trade(import_bhavcopy(store, traded).notes) == []
        # 1 of 3 bars new (the untraded 12000 CE), 2 already stored: at most min(1, 1)
        assert _no_trade(import_bhavcopy(store, full).notes) == ["at most 1"]
        again = import_bhavcopy(store, full)  # 0 of 3 bars new: no note
        assert again.inserted["option_bars"] == 0
        assert _no_trade(again.notes) == []
        replaced = import_bhavcopy(store, full, replace=True)  # all 3 stored again
        assert replaced.replaced["option_bars"] == 3
        assert _no_trade(replaced.notes) == ["1"]


def _no_trade(notes: list[str]) -> list[str]:
    """The count each no-trade note gives ("1", "at most 1")."""
    return [n.split(" no-trade bar(s) stored")[0] for n in notes if "no-trade bar(s)" in n]


def test_a_data_expirys_rederived_kind_is_no_difference(tmp_path: Path) -> None:
    # 30 Jul's file (imported first) shows only the 1 Aug weekly: then the last known August
    # expiry, so MONTHLY; 26 Jul's file also shows 29 Aug, so it calls 1 Aug WEEKLY
    late = tmp_path / "late.csv"
    late.write_text(HEADER + "OPTIDX,NIFTY,01-Aug-2019,11000,CE,100,110,90,105,105,10,100.5,"
                    "7500,0,30-JUL-2019,\n", encoding="utf-8")
    with DuckDBStore(":memory:") as store:
        import_bhavcopy(store, late)
        kinds = store.sql("SELECT expiry, kind FROM expiries").to_pylist()
        assert kinds == [{"expiry": AUG1, "kind": "MONTHLY"}]
        report = import_bhavcopy(store, _bhav_csv(tmp_path, JUL26))
        assert report.differing == {}
        assert not [n for n in report.notes if "other values" in n]
        kinds = store.sql("SELECT expiry, kind FROM expiries ORDER BY expiry").to_pylist()
        assert kinds == [{"expiry": AUG1, "kind": "WEEKLY"}, {"expiry": AUG29, "kind": "MONTHLY"}]
