"""BSE F&O bhavcopy in the common (UDiFF) layout: SENSEX and BANKEX, Src BSE.

Fixture ``BhavCopy_BSE_FO_0_0_0_20250107_F_0000.CSV`` is written by hand in the common
layout (CRLF line ends, upper-case .CSV as BSE names it) for Tuesday 7 Jan 2025, a SENSEX
weekly expiry day (BSE moved SENSEX expiries to Tuesday from 1 Jan 2025).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from engine.data.duckdb_store import DuckDBStore
from engine.data.importers.bhavcopy import import_bhavcopy
from tests.unit.data.importers.conftest import fixture

BSE = "BhavCopy_BSE_FO_0_0_0_20250107_F_0000.CSV"
DAY = dt.date(2025, 1, 7)


def test_sensex_and_bankex_rows_load_with_exact_counts() -> None:
    store = DuckDBStore(":memory:")  # no instruments rows: the shipped master decides
    report = import_bhavcopy(store, fixture(BSE))
    assert report.kind == "bhavcopy (UDiFF, BSE)" and report.rejected == []
    # 10 rows: 8 IDO (6 SENSEX, 2 BANKEX) + 1 IDF stored, 1 STO ignored; expiries SENSEX
    # 7, 14, 28 Jan and BANKEX 28 Jan; spot from UndrlygPric for both indices
    assert report.rows_read == 10 and report.ignored == {"STO (not an index contract)": 1}
    assert report.inserted == {"option_bars": 8, "futures_bars": 1, "expiries": 4,
                               "spot_bars": 2}
    assert not any("contract master" in n for n in report.notes)  # lots 20 / 30 agree
    opts = {(r["symbol"], r["expiry"], r["strike"], r["right"]): r
            for r in store.sql("SELECT * FROM option_bars").to_pylist()}
    # expiring out of the money: traded down to 0, CLOSE 0, settles at 0
    dead = opts[("SENSEX", DAY, 78500.0, "CE")]
    assert (dead["low"], dead["close"], dead["settle"], dead["volume"]) == (0.0, 0.0, 0.0, 990_400)
    # untraded far strike: blank prices, TtlTradgVol 0 -> a no-trade bar
    far = opts[("SENSEX", dt.date(2025, 1, 28), 82000.0, "CE")]
    assert (far["close"], far["settle"], far["oi"], far["volume"]) == (None, 16.2, 4400, 0)
    kinds = {(r["symbol"], r["expiry"]): r["kind"] for r in
             store.sql("SELECT symbol, expiry, kind FROM expiries").to_pylist()}
    assert kinds[("SENSEX", dt.date(2025, 1, 14))] == "WEEKLY"
    assert kinds[("BANKEX", dt.date(2025, 1, 28))] == "MONTHLY"
    spot = {r["symbol"]: (r["close"], r["source"])
            for r in store.sql("SELECT * FROM spot_bars").to_pylist()}
    assert spot == {"SENSEX": (78199.9, "UNDERLYING"), "BANKEX": (57740.35, "UNDERLYING")}
    store.close()


def test_an_unknown_symbol_is_named_with_its_line(tmp_path: Path) -> None:
    lines = fixture(BSE).read_text().splitlines()
    odd = tmp_path / "BhavCopy_BSE_FO_0_0_0_20250107_F_0000.CSV"
    odd.write_text("\n".join([lines[0], lines[2], lines[8].replace("BANKEX", "SENSEXNXT")]) + "\n")
    store = DuckDBStore(":memory:")
    report = import_bhavcopy(store, odd)
    assert any(n.startswith("SENSEXNXT (first at line 3) is not in the contract master")
               for n in report.notes)
    assert report.inserted["option_bars"] == 2  # kept: the user may add its rules later
    store.close()


def test_a_lot_size_the_master_disagrees_with_is_noted(tmp_path: Path) -> None:
    lines = fixture(BSE).read_text().splitlines()
    odd = tmp_path / "BhavCopy_BSE_FO_0_0_0_20250107_F_0000.CSV"
    odd.write_text("\n".join([lines[0], lines[8].replace(",F1,30,", ",F1,15,")]) + "\n")
    store = DuckDBStore(":memory:")
    report = import_bhavcopy(store, odd)
    assert any("NewBrdLotQty 15, line 2) differs from the contract master's (30)" in n
               for n in report.notes)
    store.close()
