"""The columnar minute path and the row loop store identical rows (and reject the same)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.data.duckdb_store import DuckDBStore
from engine.data.importers import minute_columnar
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


def _generated(tmp_path: Path, variant: str = "plain") -> Path:
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
    lines[500] = "NIFTY03JUL2525500CE.NFO,01/07/2025,11:00:59,101,1e300,100,102,75,150000"
    lines[600] = "NIFTY03JUL2525500PE.NFO,01/07/2025,12:00:59,101,103,100,102,1e25,150000"
    lines[700] = "NIFTY26JUN2525500PE.NFO,01/07/2025,12:00:59,101,103,100,102,75,150000"
    lines[800] = "NIFTY03JUL250CE.NFO,01/07/2025,12:00:59,101,103,100,102,75,150000"
    # untraded minutes as vendors write them: every price 0, no volume (ignored, counted)
    lines[900] = "NIFTY03JUL2525600CE.NFO,01/07/2025,12:30:59,0,0,0,0,0,150000"
    lines[901] = "NIFTY-II.NFO,01/07/2025,12:30:59,0,0,0,0,,9000000"
    # ... but zero prices with volume, an index at 0, or a bad volume are errors
    lines[902] = "NIFTY03JUL2525650PE.NFO,01/07/2025,12:30:59,0,0,0,0,75,150000"
    lines[903] = "NIFTY.NSE,01/07/2025,12:31:59,0,0,0,0,0,0"
    lines[904] = "NIFTY03JUL2525650CE.NFO,01/07/2025,12:31:59,0,0,0,0,lots,150000"
    if variant == "typed":  # every number a number: Arrow casts them, NumPy checks them
        lines[901] = "NIFTY-II.NFO,01/07/2025,12:30:59,0,0,0,0,0,9000000"
        lines[904] = "NIFTY03JUL2525650CE.NFO,01/07/2025,12:31:59,0,0,0,0,7.5,150000"
        lines[905] = "NIFTY03JUL2525600CE.NFO,01/07/2025,15:45:59,101,103,100,102,75,150000"
        lines[906] = "NIFTY03JUL2525600PE.NFO,01/07/2025,12:32:59,101,99,100,100,75,150000"
        lines[907] = "NIFTY03JUL2525600PE.NFO,01/07/2025,12:33:59,101,103,100,104,75,150000"
        lines[908] = "NIFTY03JUL2525600PE.NFO,01/07/2025,12:34:59,101,103,100,102,7.5,150000"
        lines[909] = "NIFTY03JUL2525600PE.NFO,01/07/2025,12:35:59,101,103,100,102,75,-1"
    if variant == "text":  # a number the fast reader refuses: the file is read as text
        parts = lines[1000].split(",")
        lines[1000] = ",".join([*parts[:3], "NA", *parts[4:]])
    if variant == "by_ticker":  # a vendor file sorted by ticker, then time
        body = lines[1:]
        body.sort(key=lambda r: r.split(",")[0])
        lines = [lines[0], *body]
    path = tmp_path / "NIFTY_20250701.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(("streamed", "variant"), [
    (False, "plain"), (True, "plain"), (False, "text"), (True, "text"), (False, "by_ticker"),
    (False, "typed"), (True, "typed")])
def test_a_larger_generated_file_matches_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             streamed: bool, variant: str) -> None:
    if streamed:  # many small batches: line numbers and duplicates across batch borders
        monkeypatch.setattr(minute_columnar, "WHOLE_FILE_BYTES", 0)
        monkeypatch.setattr(minute_columnar, "BLOCK_BYTES", 8192)
    path = _generated(tmp_path, variant)
    stores = {e: DuckDBStore(":memory:") for e in ("rows", "columnar")}
    reports = {e: import_minute(s, path, engine=e) for e, s in stores.items()}  # type: ignore[arg-type]
    assert _rows(stores["rows"]) == _rows(stores["columnar"])
    a, b = reports["rows"], reports["columnar"]
    assert sorted((r.line, r.reason) for r in a.rejected) == sorted(
        (r.line, r.reason) for r in b.rejected)
    assert (a.rows_read, a.inserted, a.ignored) == (b.rows_read, b.inserted, b.ignored)
    # negative volume, 31 Feb, an unknown ticker, a repeated line, a 1e300 price, 1e25
    # volume, an option expired before the bar, strike 0, zero prices with volume, an
    # index at 0, zero prices with volume 'lots' (+ the NA price of the text variant)
    rejected = {r.line: r.reason for r in a.rejected}
    # typed: line 905 holds volume 7.5 (not 'lots'), and lines 907-910 are high < low,
    # close above high, volume 7.5, oi -1 (line 906, after the session, is ignored)
    assert len(rejected) == 11 + (variant == "text") + 4 * (variant == "typed")
    lines = path.read_text().splitlines()
    for line, reason in rejected.items():  # each line number points at its own line
        text = lines[line - 1]
        if "strike 0" in reason:
            assert "NIFTY03JUL250CE" in text
        if "1e+300" in reason:
            assert "1e300" in text
    reasons = set(rejected.values())
    assert "high: price 1e+300 is implausibly large" in reasons
    assert "expiry 2025-06-26 is before the bar's day 2025-07-01" in reasons
    assert any("names strike 0; a strike must be > 0" in r for r in reasons)
    if variant != "by_ticker":  # lines 903-905: zero prices traded, an index at 0, volume 'lots'
        assert [rejected.get(n) for n in (903, 904, 905)] == [
            "open: price must be > 0, got 0"] * 3
    if variant == "typed":
        assert [rejected.get(n) for n in range(907, 911)] == [
            "high 99 is below low 100", "close 104 is outside [low 100, high 103]",
            "volume: expected a whole number, got 7.5", "oi: count must be >= 0, got -1"]
        assert a.ignored.get("bar outside the 09:15-15:30 session") == 1
    if variant == "text":
        assert rejected[1001] == "open: not a number 'NA'"
    # the two untraded minutes are ignored and counted, never stored
    assert a.ignored.get(minute_columnar.UNTRADED) == 2
    zero = stores["columnar"].sql("SELECT count(*) AS n FROM option_bars WHERE close = 0")
    assert zero.column("n").to_pylist() == [0]
    for store in stores.values():
        store.close()


def test_the_columnar_import_caps_duckdb_memory(tmp_path: Path) -> None:
    store = DuckDBStore(":memory:")

    def limit() -> str:
        return str(store.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])

    import_minute(store, _generated(tmp_path))
    assert limit() == "953.6 MiB"  # 1 GB, as DuckDB prints it: kept for later imports
    store.con.execute("SET memory_limit = '100MB'")  # already lower: kept
    import_minute(store, _generated(tmp_path))
    assert limit() == "95.3 MiB"
    store.close()
