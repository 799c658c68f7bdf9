"""The data fingerprint: equal for stores loaded from the same sources, different otherwise.

Each expected value is rebuilt here with hashlib from the definition (sha256 of the sorted
distinct source digests, first 16 hex characters), not read from the store's earlier output.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from engine import __version__
from engine.data.duckdb_store import DuckDBStore
from engine.data.fingerprint import FINGERPRINT_HEX, LOADS_FROM_KEY, file_digest, fingerprint_of
from engine.data.heavydb_store import HeavyDBStore
from engine.data.importers.bhavcopy import import_bhavcopy
from engine.data.synthetic.generate import generate_market
from engine.data.synthetic.spec import MarketSpec, market_spec
from engine.errors import ImportRejectedError, StoreError
from tests.unit.data.importers.conftest import add_lot_sizes, fixture
from tests.unit.data.test_heavydb_store import DuckShim

OLD = "fo_bhav_old_20180709.csv"
UDIFF = "fo_bhav_udiff_20240708.csv"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _fp(digests: list[str]) -> str:
    """The definition, by hand: sha256 of the sorted distinct digests, one per line."""
    return _sha("\n".join(sorted(set(digests))))[:16]


def _spec(seed: int) -> MarketSpec:
    return market_spec(["NIFTY"], start=dt.date(2025, 1, 1), days=2, interval_minutes=15,
                       history_days=3, strikes_each_side=2, horizon_days=20, seed=seed)


def _demo(seed: int) -> DuckDBStore:
    store = DuckDBStore(":memory:")
    generate_market(_spec(seed), store)
    return store


def test_fingerprint_of_is_the_sorted_set_digest() -> None:
    assert fingerprint_of(["b", "a", "b"]) == _sha("a\nb")[:16] == fingerprint_of(["a", "b"])
    assert fingerprint_of([]) == _sha("")[:16] == "e3b0c44298fc1c14"
    assert FINGERPRINT_HEX == 16


def test_file_digest_is_sha256_of_the_bytes(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_bytes(b"a,b\n1,2\n" * 300_000)  # 2.4 MB: more than one read chunk
    assert file_digest(f) == hashlib.sha256(f.read_bytes()).hexdigest()


def test_demo_seeds_tell_stores_apart_and_the_same_seed_matches() -> None:
    a, b, c = _demo(1), _demo(1), _demo(8)
    # the same spec and seed: the same data, the same fingerprint
    assert a.fingerprint() == b.fingerprint()
    assert a.table_counts() == b.table_counts()
    # seed 8: other paths (the closes differ), another fingerprint
    close_a = a.sql("SELECT sum(close) AS s FROM option_bars").column("s")[0].as_py()
    close_c = c.sql("SELECT sum(close) AS s FROM option_bars").column("s")[0].as_py()
    assert close_a != close_c and a.fingerprint() != c.fingerprint()
    # by hand: the NIFTY series and the VIX series, each the spec with that symbol only
    spec = _spec(1)
    # (the VIX-like index is modelled on NIFTY's spec: the same spec, another kind)
    assert dataclasses.replace(spec, symbols=(spec.symbols[0],)) == spec
    nifty = _sha("\0".join(("demo", repr(spec), __version__)))
    vix = _sha("\0".join(("demo:vix", repr(spec), __version__)))
    assert a.fingerprint() == _fp([nifty, vix])
    rows = a.sql("SELECT kind, label FROM loads ORDER BY kind").to_pylist()
    assert rows == [{"kind": "demo", "label": "NIFTY"}, {"kind": "demo:vix", "label": "INDIAVIX"}]
    # a second demo run adds nothing (symbols already present): the fingerprint stays
    before = a.fingerprint()
    generate_market(spec, a)
    assert a.fingerprint() == before
    for s in (a, b, c):
        s.close()


def _import_digest(name: str, kind: str = "bhavcopy") -> str:
    raw = hashlib.sha256(fixture(name).read_bytes()).hexdigest()
    return _sha("\0".join(("import", kind, "keep", raw)))


def _store() -> DuckDBStore:
    store = DuckDBStore(":memory:")
    add_lot_sizes(store)  # a load that names no source: not in the fingerprint
    return store


def test_imports_change_it_and_an_identical_file_does_not(tmp_path: Path) -> None:
    store = _store()
    assert store.fingerprint() == _fp([])
    import_bhavcopy(store, fixture(OLD))
    one = store.fingerprint()
    assert one == _fp([_import_digest(OLD)])
    # the same bytes under another name: nothing new, the same fingerprint
    copy = tmp_path / "copy_of_old.csv"
    shutil.copyfile(fixture(OLD), copy)
    again = import_bhavcopy(store, copy)
    assert again.total_inserted == 0 and store.fingerprint() == one
    # one more file: another fingerprint, the digest of both sources
    import_bhavcopy(store, fixture(UDIFF))
    two = store.fingerprint()
    assert two != one
    assert two == _fp([_import_digest(OLD), _import_digest(UDIFF)])
    # the same two files imported the other way round: the same fingerprint
    other = _store()
    import_bhavcopy(other, fixture(UDIFF))
    import_bhavcopy(other, fixture(OLD))
    assert other.fingerprint() == two
    store.close()
    other.close()


def test_a_rejected_import_records_nothing() -> None:
    store = _store()
    import_bhavcopy(store, fixture(UDIFF))
    with pytest.raises(ImportRejectedError, match="truncated"):
        import_bhavcopy(store, fixture("fo_bhav_truncated.csv"))  # rolled back whole
    assert store.sql("SELECT count(*) AS n FROM loads").column("n")[0].as_py() == 1
    assert store.fingerprint() == _fp([_import_digest(UDIFF)])
    store.close()


def _legacy_store(path: Path, closes: tuple[float, float]) -> None:
    """A store as an earlier version left it: data, no loads table, no recording mark."""
    store = DuckDBStore(path)
    with store.load() as tx:
        tx.append("spot_bars", pa.table({
            "symbol": ["NIFTY", "NIFTY"], "bar_minutes": pa.array([5, 5], pa.int16()),
            "ts": [dt.datetime(2025, 1, 1, 9, 20), dt.datetime(2025, 1, 1, 9, 25)],
            "open": list(closes), "high": list(closes), "low": list(closes),
            "close": list(closes)}))
    store.con.execute("DROP TABLE loads")
    store.set_meta(LOADS_FROM_KEY, None)
    store.close()


def _stats_digest_by_hand(closes_paise: int) -> str:
    # epoch seconds of 2025-01-01 09:20 and 09:25 (naive stamps read as UTC)
    lo = int(dt.datetime(2025, 1, 1, 9, 20, tzinfo=dt.UTC).timestamp())
    hi = lo + 300
    lines = [f"{t}|0|0|0|0" for t in ("daily_features", "events", "expiries", "futures_bars",
                                       "holidays", "instruments", "option_bars", "sr_levels",
                                       "vix_bars")]
    lines.append(f"spot_bars|2|{lo}|{hi}|{closes_paise}")
    return _sha("\0".join(("stats", *sorted(lines))))


def test_a_store_from_before_gets_a_fingerprint_from_its_statistics(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    _legacy_store(path, (100.25, 200.5))
    expected = _fp([_stats_digest_by_hand(10025 + 20050)])  # closes in paise: 30,075
    reader = DuckDBStore(path, read_only=True)  # cannot record: computes it for the handle
    assert reader.fingerprint() == expected
    reader.close()
    writer = DuckDBStore(path)  # the first write-mode open records it once
    rows = writer.sql("SELECT kind, data_version FROM loads").to_pylist()
    assert rows == [{"kind": "stats", "data_version": 1}]
    assert writer.get_meta(LOADS_FROM_KEY) == "1" and writer.fingerprint() == expected
    writer.close()
    # another close price (200.55): other data, another fingerprint
    other = tmp_path / "other.duckdb"
    _legacy_store(other, (100.25, 200.55))
    reader = DuckDBStore(other, read_only=True)
    assert reader.fingerprint() == _fp([_stats_digest_by_hand(10025 + 20055)]) != expected
    reader.close()


def test_a_new_store_records_from_version_zero(tmp_path: Path) -> None:
    store = DuckDBStore(tmp_path / "new.duckdb")
    assert store.get_meta(LOADS_FROM_KEY) == "0"
    assert store.sql("SELECT count(*) AS n FROM loads").column("n")[0].as_py() == 0
    store.close()


def _spot(close: float) -> pa.Table:
    return pa.table({"symbol": ["NIFTY"], "bar_minutes": pa.array([5], pa.int16()),
                     "ts": [dt.datetime(2025, 1, 1, 9, 20)], "open": [close], "high": [close],
                     "low": [close], "close": [close]})


def test_heavydb_records_the_same_sources_as_duckdb() -> None:
    duck, shim = DuckDBStore(":memory:"), DuckShim()
    heavy = HeavyDBStore(backend=shim)
    for store in (duck, heavy):
        with store.load() as tx:
            tx.append("spot_bars", _spot(100.0))
            tx.record_source(_sha("file one"), "import:test", "one.csv")
    assert heavy.fingerprint() == duck.fingerprint() == _fp([_sha("file one")])
    # a load whose commit fails leaves neither its rows nor its source behind
    shim.fail_on = "INSERT INTO loads"
    with pytest.raises(StoreError, match="injected failure"), heavy.load() as tx:
        tx.append("vix_bars", pa.table({
            "symbol": ["INDIAVIX"], "bar_minutes": pa.array([5], pa.int16()),
            "ts": [dt.datetime(2025, 1, 1, 9, 20)], "open": [14.0], "high": [14.0],
            "low": [14.0], "close": [14.0]}))
        tx.record_source(_sha("file two"), "import:test", "two.csv")
    shim.fail_on = None
    assert heavy.table_counts()["vix_bars"] == 0
    assert heavy.fingerprint() == _fp([_sha("file one")])
    # a commit cut off after its source was recorded: the next write open removes both
    shim.con.execute("INSERT INTO store_meta VALUES ('load_in_progress', '77')")
    shim.con.execute("INSERT INTO loads VALUES ('cut', 'import:test', 'three.csv', 9, 77)")
    assert heavy.fingerprint() == _fp([_sha("file one")])  # data version 1 still: cached
    reopened = HeavyDBStore(backend=shim)
    assert reopened.fingerprint() == _fp([_sha("file one")])
    assert shim.con.execute("SELECT count(*) FROM loads").fetchall() == [(1,)]
    duck.close()
    heavy.close()
