"""engine/market/cache.py: the contract-ordered option cache holds exactly the store's rows,
answers chains as the ``chain_at`` query and leg paths as the ``leg_paths`` rows carried
forward, is invalidated by an import, survives two processes building it at once, and is
rebuilt when a file is damaged.

The market is the seeded generator's, 3 trading days of 15-minute bars (about a second), plus
one hand-made contract (a strike past the chain) with a traded bar and a no-trade bar (NULL
close, the exchange's oi kept), loaded by a second import. References are the store's own
queries, compared row by row in plain Python.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from engine.data.duckdb_store import DuckDBStore
from engine.data.synthetic.generate import generate_market
from engine.data.synthetic.spec import market_spec
from engine.domain.structures import Leg, PositionRole, Right, Side
from engine.market import ContractInfo, MarketView
from engine.market.block import BLOCK_FIELDS
from engine.market.cache import CacheTooLargeError, OptionCache, cache_root

BAR = 15
FIELDS = ("open", "high", "low", "close", "bid", "ask", "volume", "oi", "iv", "delta")


@pytest.fixture(scope="module")
def market_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cache_src") / "m.duckdb"
    s = DuckDBStore(path)
    generate_market(market_spec(["NIFTY"], interval_minutes=BAR, days=3, history_days=2), s)
    s.checkpoint()
    s.close()
    return path


@pytest.fixture
def store_path(market_file: Path, tmp_path: Path) -> Path:
    """A private copy of the market (tests import into it and build caches beside it)."""
    path = tmp_path / "market.duckdb"
    shutil.copy(market_file, path)
    return path


@pytest.fixture
def store(store_path: Path) -> Iterator[DuckDBStore]:
    s = DuckDBStore(store_path, read_only=True)
    yield s
    s.close()


def _expiries(store: DuckDBStore) -> list[dt.date]:
    return [r["expiry"] for r in store.sql(
        "SELECT DISTINCT expiry FROM option_bars WHERE bar_minutes = 15 ORDER BY 1").to_pylist()]


def _norm(v: object) -> object:
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else float(v)  # type: ignore[arg-type]


def _cache_rows(cache: OptionCache, expiry: dt.date) -> list[tuple[object, ...]]:
    """Every row of the cached expiry rebuilt from the contract-ordered arrays."""
    bars = cache.expiry(expiry)
    out = []
    for c in range(bars.strike.size):
        for i in range(int(bars.start[c]), int(bars.start[c + 1])):
            ts = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=int(bars.ts[i]))
            vals = []
            for f in FIELDS:
                src = bars.values.get(f)
                if src is None and f in ("volume", "oi"):   # chain-only fields: time order
                    lo, hi = bars.rows_at(int(bars.ts[i]))
                    k = lo + int(np.flatnonzero(bars.t_contract[lo:hi] == c)[0])
                    src_t = bars.chain[f]
                    vals.append(None if src_t is None else _norm(src_t[k]))
                    continue
                vals.append(None if src is None else _norm(src[i]))
            out.append((float(bars.strike[c]), str(bars.right[c]), ts, *vals))
    return out


def _store_rows(store: DuckDBStore, expiry: dt.date) -> list[tuple[object, ...]]:
    t = store.query("option_expiry_rows", {"symbol": "NIFTY", "bar_minutes": BAR,
                                           "expiry": expiry}).to_pylist()
    return [(r["strike"], r["right"], r["ts"], *(_norm(r[f]) for f in FIELDS)) for r in t]


def test_the_cache_holds_exactly_the_store_rows_in_contract_and_time_order(
        store: DuckDBStore) -> None:
    cache = OptionCache.open(store, "NIFTY", BAR)
    assert cache is not None and cache.dir.parent == Path(store.path + ".optcache")
    expiries = _expiries(store)
    assert len(expiries) >= 3
    for e in expiries:
        want = sorted(_store_rows(store, e), key=lambda r: (r[0], r[1], r[2]))
        got = _cache_rows(cache, e)
        assert got == want                       # contract order: (strike, right, ts)
        bars = cache.expiry(e)
        # time order: the same rows sorted by (ts, strike, right)
        t_keys = [(int(t), float(bars.strike[c]), str(bars.right[c]))
                  for t, c in zip(bars.t_ts.tolist(), bars.t_contract.tolist(), strict=True)]
        assert t_keys == sorted(t_keys)
        assert len(t_keys) == len(want)
        close_t = bars.chain["close"]
        assert close_t is not None
        by_key = {(r[0], r[1], r[2]): r[3 + FIELDS.index("close")] for r in want}
        for (t, k, r), v in zip(t_keys, close_t.tolist(), strict=True):
            ts = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=t)
            assert _norm(v) == by_key[(k, r, ts)]
    # unenriched greeks cost nothing: the column is absent, not a file of NaN
    assert cache.expiry(expiries[0]).values["gamma"] is None
    stamps = store.query("option_stamps", {"symbol": "NIFTY", "bar_minutes": BAR})
    assert cache.stamps().tolist() == [
        int(np.datetime64(t, "us").astype(np.int64)) for t in stamps.column("ts").to_pylist()]


def _chain_ref(store: DuckDBStore, at: dt.datetime, expiries: list[dt.date], lo: float,
               hi: float) -> dict[dt.date, list[tuple[object, ...]]]:
    rows = store.query("chain_at", {"symbol": "NIFTY", "bar_minutes": BAR, "ts": at,
                                    "expiries": expiries, "strike_lo": lo,
                                    "strike_hi": hi}).to_pylist()
    return {e: [(r["strike"], r["right"], _norm(r["close"]), _norm(r["delta"]),
                 _norm(r["volume"]), _norm(r["oi"]), _norm(r["bid"]), _norm(r["ask"]))
                for r in rows if r["expiry"] == e] for e in expiries}


def _chain_rows(got: dict[dt.date, object]) -> dict[dt.date, list[tuple[object, ...]]]:
    out = {}
    for e, cs in got.items():
        out[e] = [(float(k), str(r), _norm(c), _norm(d), _norm(v), _norm(o), _norm(b), _norm(a))
                  for k, r, c, d, v, o, b, a in zip(
                      cs.strikes, cs.rights, cs.closes, cs.deltas, cs.volume,  # type: ignore[attr-defined]
                      cs.oi, cs.bid, cs.ask, strict=True)]  # type: ignore[attr-defined]
    return out


def test_a_chain_equals_the_chain_at_query(store: DuckDBStore) -> None:
    cache = OptionCache.open(store, "NIFTY", BAR)
    assert cache is not None
    expiries = [*_expiries(store)[:3], dt.date(2031, 1, 2)]   # one expiry never listed
    stamps = store.sql("SELECT DISTINCT ts FROM option_bars WHERE bar_minutes = 15 "
                       "ORDER BY ts").column("ts").to_pylist()
    day = stamps[0].date()
    spot = float(store.sql("SELECT close FROM spot_bars WHERE bar_minutes = 15 ORDER BY ts "
                           "LIMIT 1").column("close")[0].as_py())
    probes = [stamps[0], stamps[3], stamps[3] + dt.timedelta(minutes=7),   # between two bars
              dt.datetime.combine(day, dt.time(9, 0)),                      # before the first
              stamps[-1], dt.datetime.combine(day + dt.timedelta(days=60), dt.time(10))]
    seen = 0
    for at in probes:
        for lo, hi in ((spot - 300, spot + 300), (0.0, 1e9)):
            want = _chain_ref(store, at, expiries, lo, hi)
            got = _chain_rows(cache.chain(at, expiries, lo, hi))  # type: ignore[arg-type]
            assert got == want, (at, lo, hi)
            seen += sum(len(v) for v in got.values())
    assert seen > 100
    # before the day's first bar and on a day without bars the chain is empty, as in SQL
    assert not any(_chain_rows(cache.chain(probes[3], expiries, 0, 1e9)).values())  # type: ignore[arg-type]


def _legs(store: DuckDBStore) -> list[Leg]:
    rows = store.sql("SELECT expiry, strike FROM option_bars WHERE bar_minutes = 15 AND "
                     "\"right\" = 'CE' GROUP BY ALL ORDER BY expiry, strike").to_pylist()
    front = rows[0]["expiry"]
    strikes = [r["strike"] for r in rows if r["expiry"] == front]
    mid, back = strikes[len(strikes) // 2], rows[-1]["expiry"]
    return [Leg(Right.CE, Side.SELL, mid, front, 1, PositionRole.PRIMARY, "SC"),
            Leg(Right.PE, Side.BUY, mid - 100, front, 1, PositionRole.HEDGE, "LP"),
            Leg(Right.CE, Side.BUY, mid, back, 1, PositionRole.HEDGE, "LC"),
            Leg(Right.CE, Side.BUY, mid + 12345, front, 1, PositionRole.HEDGE, "NONE")]


def _paths_ref(store: DuckDBStore, legs: list[Leg], ts: list[dt.datetime]
               ) -> tuple[dict[str, list[list[object]]], list[list[bool]]]:
    """The ``leg_paths`` rows placed on the stamps and carried forward, bar by bar."""
    rows = store.query("leg_paths", {
        "symbol": "NIFTY", "bar_minutes": BAR, "ts_from": ts[0], "ts_to": ts[-1],
        "expiries": [g.expiry for g in legs], "strikes": [g.strike for g in legs],
        "rights": [g.right.value for g in legs]}).to_pylist()
    at = {t: i for i, t in enumerate(ts)}
    cols: dict[str, list[list[object]]] = {f: [[None] * len(legs) for _ in ts]
                                           for f in ("close", "open", "bid", "high")}
    stale = [[True] * len(legs) for _ in ts]
    for r in rows:
        for j, g in enumerate(legs):
            if (r["expiry"], r["strike"], r["right"]) == (g.expiry, g.strike, g.right.value) \
                    and r["ts"] in at:
                stale[at[r["ts"]]][j] = False
                for f in cols:
                    cols[f][at[r["ts"]]][j] = _norm(r[f])
    for f in cols:
        for j in range(len(legs)):
            last: object = None
            for i in range(len(ts)):
                if cols[f][i][j] is not None:
                    last = cols[f][i][j]
                cols[f][i][j] = last
    return cols, stale


def _view(store: DuckDBStore) -> MarketView:
    return MarketView(store, "NIFTY", BAR, contracts=ContractInfo(
        lot_size=lambda e, on: 75, strike_step=lambda on: 50.0))


def test_leg_paths_from_the_cache_equal_the_leg_paths_rows_carried_forward(
        store: DuckDBStore) -> None:
    mv = _view(store)
    tl = mv.timeline(dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    mv.prepare(tl)
    assert mv.stats.mode == "cache"
    legs = _legs(store)
    i0, i1 = 2, len(tl) - 2
    got = mv.leg_paths(legs, tl, i0, i1)
    stamps = [t.astype(dt.datetime) for t in tl.ts[i0:i1 + 1]]
    want, stale = _paths_ref(store, legs, stamps)
    for f, rows in want.items():
        assert [[_norm(v) for v in row] for row in getattr(got, f).tolist()] == rows, f
    assert got.stale.tolist() == stale
    assert got.stale[:, 3].all()                 # no such contract: never quoted
    assert not got.stale[:5, 0].any()              # quoted until its expiry
    assert mv.stats.chain_reads == 0 and mv.stats.rows > 0


def _import_extra_contract(path: Path, expiry: dt.date, strike: float,
                           traded: dt.datetime, untraded: dt.datetime) -> None:
    """A second import: one contract past the chain with a traded bar and a no-trade bar."""
    s = DuckDBStore(path)
    try:
        rows = {"symbol": ["NIFTY"] * 2, "expiry": [expiry] * 2, "strike": [strike] * 2,
                "right": ["CE"] * 2, "bar_minutes": [BAR] * 2, "ts": [traded, untraded],
                "open": [1.5, None], "high": [1.6, None], "low": [1.4, None],
                "close": [1.55, None], "settle": [1.55, 1.2], "bid": [1.5, None],
                "ask": [1.6, None], "volume": [25, 0], "oi": [1000, 975]}
        with s.load() as tx:
            tx.append("option_bars", pa.table(rows))
        s.checkpoint()
    finally:
        s.close()


def test_an_import_invalidates_the_cache_and_no_trade_bars_are_carried(
        store_path: Path) -> None:
    s = DuckDBStore(store_path, read_only=True)
    first = OptionCache.open(s, "NIFTY", BAR)
    assert first is not None
    front = _expiries(s)[0]
    stamps = s.sql("SELECT DISTINCT ts FROM option_bars WHERE bar_minutes = 15 ORDER BY ts"
                   ).column("ts").to_pylist()
    strike = float(s.sql("SELECT max(strike) FROM option_bars").to_pylist()[0]["max(strike)"])
    first.build([front])
    old_dir = first.dir
    before = first.expiry(front).rows
    s.close()
    traded, untraded = stamps[1], stamps[2]
    _import_extra_contract(store_path, front, strike + 1000.0, traded, untraded)

    s = DuckDBStore(store_path, read_only=True)
    try:
        cache = OptionCache.open(s, "NIFTY", BAR)
        assert cache is not None and cache.dir != old_dir   # a new data version
        assert cache.expiry(front).rows == before + 2        # built again, with the new rows
        assert cache.stats.built == 1
        assert not old_dir.exists()                          # the old copy is gone
        # the chain holds the no-trade row (NULL close, oi kept), as chain_at does
        got = cache.chain(untraded, [front], strike + 900.0, strike + 1100.0)[front]
        assert got.strikes.tolist() == [strike + 1000.0] and np.isnan(got.closes[0])
        assert got.oi is not None and got.oi.tolist() == [975.0]
        assert _chain_rows({front: got}) == _chain_ref(s, untraded, [front], strike + 900.0,
                                                       strike + 1100.0)
        # a path carries the last traded price over the no-trade bar, marked stale
        leg = Leg(Right.CE, Side.BUY, strike + 1000.0, front, 1, PositionRole.HEDGE, "X")
        ts = np.array([traded, untraded], dtype="datetime64[us]")
        cols, have, _ = cache.path_columns([leg], ts)
        assert have[:, 0].tolist() == [True, False]
        assert cols["close"][0, 0] == 1.55 and np.isnan(cols["close"][1, 0])
        want, stale = _paths_ref(s, [leg], [traded, untraded])
        assert want["close"] == [[1.55], [1.55]] and stale == [[False], [True]]
    finally:
        s.close()


BUILD = """
import sys
from engine.data.duckdb_store import DuckDBStore
from engine.market.cache import OptionCache
s = DuckDBStore(sys.argv[1], read_only=True)
c = OptionCache.open(s, "NIFTY", {bar})
q = "SELECT DISTINCT expiry FROM option_bars WHERE bar_minutes = {bar}"
es = [r["expiry"] for r in s.sql(q).to_pylist()]
c.build(es)
print(c.stats.built, len(es))
"""


def test_two_processes_building_the_cache_at_once_both_end_with_whole_files(
        store_path: Path) -> None:
    code = BUILD.format(bar=BAR)
    procs = [subprocess.Popen([sys.executable, "-c", code, str(store_path)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-400:] for o in outs]
    s = DuckDBStore(store_path, read_only=True)
    try:
        cache = OptionCache.open(s, "NIFTY", BAR)
        assert cache is not None
        leftovers = [p.name for p in cache.dir.iterdir() if p.suffix == ".tmp"]
        assert leftovers == []
        for e in _expiries(s):
            got = _cache_rows(cache, e)
            assert got == sorted(_store_rows(s, e), key=lambda r: (r[0], r[1], r[2]))
        assert cache.stats.built == 0                 # every file was already there
    finally:
        s.close()


def test_a_damaged_file_is_built_again(store: DuckDBStore) -> None:
    cache = OptionCache.open(store, "NIFTY", BAR)
    assert cache is not None
    front = _expiries(store)[0]
    cache.build([front])
    path = cache.dir / f"{front.isoformat()}.arrow"
    path.write_bytes(b"not an arrow file")
    again = OptionCache.open(store, "NIFTY", BAR)
    assert again is not None
    assert _cache_rows(again, front) == sorted(_store_rows(store, front),
                                               key=lambda r: (r[0], r[1], r[2]))
    assert again.stats.built == 1


def test_released_pages_read_back_the_same_values(store: DuckDBStore) -> None:
    cache = OptionCache.open(store, "NIFTY", BAR)
    assert cache is not None
    cache.release_bytes = 0          # release after every read
    front = _expiries(store)[0]
    before = _cache_rows(cache, front)
    cache.expiry(front).release()
    assert _cache_rows(cache, front) == before


def test_a_store_without_a_file_reads_the_store() -> None:
    mem = DuckDBStore(":memory:")
    try:
        assert cache_root(mem) is None and OptionCache.open(mem, "NIFTY", BAR) is None
        mv = MarketView(mem, "NIFTY", BAR)
        assert mv._cache is None
    finally:
        mem.close()


def test_every_block_field_has_a_home_in_the_cache() -> None:
    from engine.market.cache import CHAIN_COLUMNS, PATH_COLUMNS

    assert set(BLOCK_FIELDS) == set(PATH_COLUMNS) | set(CHAIN_COLUMNS)


def test_an_expiry_too_large_for_the_budget_is_read_from_the_store(store: DuckDBStore) -> None:
    front = _expiries(store)[0]
    n = int(store.query("option_expiry_count", {"symbol": "NIFTY", "bar_minutes": BAR,
                                                "expiry": front}).column("n_rows")[0].as_py())
    assert n > 0
    # the budget holds the front expiry's rows minus one (320 bytes a row to sort)
    small = OptionCache.open(store, "NIFTY", BAR, budget_bytes=(n - 1) * 320)
    assert small is not None
    with pytest.raises(CacheTooLargeError, match=r"above the budget .* reads go to the store"):
        small.expiry(front)
    assert small.stats.built == 0
    # the market view answers that expiry from the store and keeps the cache for the rest
    mv = MarketView(store, "NIFTY", BAR, contracts=ContractInfo(
        lot_size=lambda e, on: 75, strike_step=lambda on: 50.0), budget_bytes=(n - 1) * 320)
    tl = mv.timeline(dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    mv.prepare(tl)
    at = tl.ts[1].astype(dt.datetime)
    got = mv.chain(at, [front], 0.0, 1e9)
    assert mv.stats.chain_reads == 1 and mv.stats.mode == "cache"
    assert _chain_rows(got) == _chain_ref(store, at, [front], 0.0, 1e9)  # type: ignore[arg-type]
    legs = _legs(store)
    paths = mv.leg_paths(legs[:1], tl, 1, 5)
    assert mv.stats.scans >= 1 and np.isfinite(paths.close).all()


def test_a_store_rebuilt_from_another_seed_does_not_reuse_the_cache(
        store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # both files taken as the same size: only the data fingerprint can tell them apart
    monkeypatch.setattr("engine.market.cache._file_size", lambda store: 1)
    s = DuckDBStore(store_path, read_only=True)
    first = OptionCache.open(s, "NIFTY", BAR)
    assert first is not None
    version, old_dir = s.data_version(), first.dir
    s.close()
    store_path.unlink()  # rebuilt at the same path from seed 8: the same number of loads
    rebuilt = DuckDBStore(store_path)
    generate_market(market_spec(["NIFTY"], interval_minutes=BAR, days=3, history_days=2,
                                seed=8), rebuilt)
    rebuilt.checkpoint()
    rebuilt.close()
    s = DuckDBStore(store_path, read_only=True)
    assert s.data_version() == version  # the old key (version, size) would match
    again = OptionCache.open(s, "NIFTY", BAR)
    assert again is not None and again.dir != old_dir
    assert again.dir.name.endswith(f"-s1-d{s.fingerprint()}")
    assert s.fingerprint() not in old_dir.name
    s.close()
