"""The columnar minute path and the row loop store identical rows (and reject the same)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.data.duckdb_store import DuckDBStore
from engine.data.importers.minute import import_minute
from engine.data.tables import BAR_TABLES
from tests.unit.data.importers.conftest import add_lot_sizes, fixture

CASES = [
    ("gdfl_minute_20250701.csv", None),
    ("gdfl_minute_bad_rows.csv", None),
    ("vendor_minute.csv", "vendor_minute.yaml"),
]


def _rows(store: DuckDBStore) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    for table in (*BAR_TABLES, "expiries"):
        rows = store.sql(f"SELECT * FROM {table}").to_pylist()
        out[table] = sorted((tuple(r.values()) for r in rows), key=repr)
    return out


@pytest.mark.parametrize(("name", "mapping"), CASES)
def test_columnar_and_row_paths_store_the_same_rows(name: str, mapping: str | None) -> None:
    stores = {e: DuckDBStore(":memory:") for e in ("rows", "columnar")}
    reports = {}
    for engine, store in stores.items():
        add_lot_sizes(store)
        reports[engine] = import_minute(store, fixture(name),
                                        fixture(mapping) if mapping else None,
                                        engine=engine)  # type: ignore[arg-type]
    rows, cols = (_rows(stores[e]) for e in ("rows", "columnar"))
    assert rows == cols and sum(len(v) for v in rows.values()) > 0
    a, b = reports["rows"], reports["columnar"]
    assert (a.rows_read, a.inserted, a.ignored) == (b.rows_read, b.inserted, b.ignored)
    assert sorted((r.line, r.reason) for r in a.rejected) == sorted(
        (r.line, r.reason) for r in b.rejected)
    for store in stores.values():
        store.close()


def test_a_larger_generated_file_matches_too(tmp_path: Path) -> None:
    # 2 strikes x 2 rights x 375 minutes of option bars, spot, VIX, and planted bad rows
    lines = ["Ticker,Date,Time,Open,High,Low,Close,Volume,Open Interest"]
    for m in range(375):
        hh, mm = divmod(9 * 60 + 15 + m, 60)
        stamp = f"{hh:02d}:{mm:02d}:59"
        for k in (25500, 25550):
            for right in ("CE", "PE"):
                px = 100 + (m % 17) + (k - 25500) / 50
                lines.append(f"NIFTY03JUL25{k}{right}.NFO,01/07/2025,{stamp},{px:.2f},"
                             f"{px + 2:.2f},{px - 1:.2f},{px + 1:.2f},{75 * (m + 1)},{150000 + m}")
        lines.append(f"NIFTY.NSE,01/07/2025,{stamp},25500,25510,25490,25505,0,0")
        lines.append(f"NIFTY-I.NFO,01/07/2025,{stamp},25600,25610,25590,25605,750,9000000")
    lines[100] = "NIFTY03JUL2525500CE.NFO,01/07/2025,09:31:59,101,103,100,102,-75,150000"
    lines[200] = lines[200].replace("01/07/2025", "31/02/2025")
    lines[300] = "BANANA,01/07/2025,10:00:59,1,1,1,1,0,0"
    lines[400] = lines[401]
    path = tmp_path / "NIFTY_20250701.csv"
    path.write_text("\n".join(lines) + "\n")
    stores = {e: DuckDBStore(":memory:") for e in ("rows", "columnar")}
    reports = {e: import_minute(s, path, engine=e) for e, s in stores.items()}  # type: ignore[arg-type]
    assert _rows(stores["rows"]) == _rows(stores["columnar"])
    a, b = reports["rows"], reports["columnar"]
    assert sorted((r.line, r.reason) for r in a.rejected) == sorted(
        (r.line, r.reason) for r in b.rejected)
    # negative volume, 31 Feb, an unknown ticker, a repeated line
    assert len(a.rejected) == 4 and a.inserted == b.inserted
