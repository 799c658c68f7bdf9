"""HeavyDB stores and expiries.listed_from without a server (through the DuckDB shim of
test_heavydb_store): an older store gains the column on open, and minute imports fill it
and re-derive the expiry kinds as they do on DuckDB."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from engine.data.duckdb_store import DuckDBStore
from engine.data.heavydb_sql import migrations
from engine.data.heavydb_store import HeavyDBStore
from engine.data.importers.minute import import_minute
from engine.data.sqlfiles import schema_texts
from engine.data.store import Store
from tests.unit.data.test_heavydb_store import DuckShim, to_duckdb

HEADER = "Ticker,Date,Time,Open,High,Low,Close,Volume,Open Interest\n"


def _old_schema(shim: DuckShim) -> None:
    """The tables as a store made before listed_from and spot_bars.source had them."""
    for name, ddl in schema_texts("heavydb"):
        if "migrations" in name:
            continue
        ddl = re.sub(r"\n\s*listed_from[^\n]*", "", ddl)
        ddl = re.sub(r"\n\s*source\s+TEXT ENCODING DICT\(8\)[^\n]*", "", ddl)
        shim.con.execute(to_duckdb(ddl))


def _columns(shim: DuckShim, table: str) -> list[str]:
    return [r[0] for r in shim.con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position", [table]).fetchall()]


def test_migration_file_names_what_each_statement_adds() -> None:
    assert [(m.table, m.column) for m in migrations()] == [
        ("expiries", "listed_from"), ("spot_bars", "source")]
    assert all(m.statement.startswith("ALTER TABLE ") for m in migrations())


def test_an_older_store_gains_the_columns_once() -> None:
    shim = DuckShim()
    _old_schema(shim)
    shim.con.execute("INSERT INTO expiries VALUES ('NIFTY', DATE '2025-01-09', 'WEEKLY', "
                     "'DATA', NULL)")
    assert "listed_from" not in _columns(shim, "expiries")
    HeavyDBStore(backend=shim)
    assert "listed_from" in _columns(shim, "expiries")
    assert "source" in _columns(shim, "spot_bars")
    # the stored expiry is kept, not known to be listed on any day (NULL: always listed)
    assert shim.con.execute("SELECT expiry, listed_from FROM expiries").fetchall() == [
        (dt.date(2025, 1, 9), None)]
    altered = [s for s in shim.statements if s.startswith("ALTER")]
    assert len(altered) == 2
    shim.statements.clear()
    HeavyDBStore(backend=shim)  # a current store: nothing to add
    assert not [s for s in shim.statements if s.startswith("ALTER")]


def test_a_new_store_runs_no_alter() -> None:
    shim = DuckShim()
    HeavyDBStore(backend=shim)
    assert not [s for s in shim.statements if s.startswith("ALTER")]
    assert "listed_from" in _columns(shim, "expiries")


def _gdfl(path: Path, day: dt.date, expiries: list[dt.date]) -> Path:
    lines = [HEADER]
    for minute in (15, 16):  # 09:15:59 and 09:16:59 are the bars closing 09:16 and 09:17
        for e in expiries:
            ticker = f"NIFTY{e:%d%b%y}".upper() + "23000CE.NFO"
            lines.append(f"{ticker},{day:%d/%m/%Y},09:{minute}:59,10,12,9,11,100,5000\n")
    path.write_text("".join(lines))
    return path


def _expiries(store: Store) -> list[tuple[dt.date, str, dt.date | None]]:
    rows = store.query("import_known_expiries").to_pylist()
    listing = {r["expiry"]: r["listed_from"]
               for r in store.query("expiry_listing", {"symbol": "NIFTY"}).to_pylist()}
    return [(r["expiry"], r["kind"], listing.get(r["expiry"])) for r in rows
            if r["source"] == "DATA"]


def test_minute_imports_fill_listed_from_and_kinds_as_on_duckdb(tmp_path: Path) -> None:
    jan9, jan30 = dt.date(2025, 1, 9), dt.date(2025, 1, 30)
    day1, day2 = dt.date(2025, 1, 1), dt.date(2025, 1, 2)
    # imported out of date order: day 2 shows only 9 Jan (then the last known expiry of
    # January: MONTHLY); day 1 shows 9 Jan and 30 Jan
    files = [_gdfl(tmp_path / "NIFTY_20250102.csv", day2, [jan9]),
             _gdfl(tmp_path / "NIFTY_20250101.csv", day1, [jan9, jan30])]
    heavy, ref = HeavyDBStore(backend=DuckShim()), DuckDBStore(":memory:")
    for store in (heavy, ref):
        import_minute(store, files[0])
        assert _expiries(store) == [(jan9, "MONTHLY", day2)]
        import_minute(store, files[1], engine="rows")
        # 9 Jan's first bar day moves back to day 1; 30 Jan is January's last expiry now,
        # so 9 Jan is WEEKLY
        assert _expiries(store) == [(jan9, "WEEKLY", day1), (jan30, "MONTHLY", day1)]
    ref.close()
    heavy.close()
