"""Imported expiries keep their first listed day: the earliest day the data has bars of them,
whatever order the files come in, so a backtest never picks an expiry before its first bars."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from engine.data.duckdb_store import DuckDBStore
from engine.data.importers.bhavcopy import import_bhavcopy
from engine.market.view import MarketView

HEADER = ("INSTRUMENT,SYMBOL,EXPIRY_DT,STRIKE_PR,OPTION_TYP,OPEN,HIGH,LOW,CLOSE,SETTLE_PR,"
          "CONTRACTS,VAL_INLAKH,OPEN_INT,CHG_IN_OI,TIMESTAMP,\n")


def _bhav(path: Path, day: str, expiries: list[str]) -> Path:
    """An old-layout bhavcopy of ``day`` (DD-MON-YYYY) with one traded NIFTY call per expiry."""
    lines = [f"OPTIDX,NIFTY,{e},24000,CE,100,110,90,105,105,10,100.5,7500,0,{day},\n"
             for e in expiries]
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


def _listed_from(store: DuckDBStore) -> dict[dt.date, dt.date | None]:
    rows = store.sql("SELECT expiry, listed_from FROM expiries ORDER BY expiry").to_pylist()
    return {r["expiry"]: r["listed_from"] for r in rows}


def test_first_listed_day_is_the_earliest_file_whatever_the_order(
        store: DuckDBStore, tmp_path: Path) -> None:
    # 6 Mar 2025 lists 13 Mar and 27 Mar; on 7 Mar (after 6 Mar expired) 9 Apr appears
    day2 = _bhav(tmp_path / "d2.csv", "07-MAR-2025", ["13-Mar-2025", "27-Mar-2025", "09-Apr-2025"])
    day1 = _bhav(tmp_path / "d1.csv", "06-MAR-2025", ["13-Mar-2025", "27-Mar-2025"])
    import_bhavcopy(store, day2)  # the later day first
    assert _listed_from(store) == {dt.date(2025, 3, 13): dt.date(2025, 3, 7),
                                   dt.date(2025, 3, 27): dt.date(2025, 3, 7),
                                   dt.date(2025, 4, 9): dt.date(2025, 3, 7)}
    import_bhavcopy(store, day1)  # the earlier day moves the first two back, not 9 Apr
    assert _listed_from(store) == {dt.date(2025, 3, 13): dt.date(2025, 3, 6),
                                   dt.date(2025, 3, 27): dt.date(2025, 3, 6),
                                   dt.date(2025, 4, 9): dt.date(2025, 3, 7)}
    import_bhavcopy(store, day2)  # again: already stored, nothing moves
    assert _listed_from(store)[dt.date(2025, 3, 13)] == dt.date(2025, 3, 6)
    mv = MarketView(store, "NIFTY", 1440)
    assert [e for e, _ in mv.listed_expiries(dt.date(2025, 3, 6))] == [
        dt.date(2025, 3, 13), dt.date(2025, 3, 27)]
    assert [e for e, _ in mv.listed_expiries(dt.date(2025, 3, 7))] == [
        dt.date(2025, 3, 13), dt.date(2025, 3, 27), dt.date(2025, 4, 9)]
