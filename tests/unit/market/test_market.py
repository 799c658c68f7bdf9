"""engine/market: blocks answer exactly what the store's queries answer, in run and cycle mode;
blocks round-trip through memory-mapped Arrow IPC (shared across processes); budgets and
missing data fail before the run with the range named.

The market is the seeded synthetic generator's, cut to 3 trading days of 15-minute bars (a
second to build). The reference for chains is the ``chain_at`` query as the old market read it;
for leg paths, the ``leg_paths`` query's rows placed on the timeline and carried forward by a
plain per-bar Python loop (a second method, not the vectorised fill).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from engine.data.duckdb_store import DuckDBStore
from engine.data.synthetic.generate import generate_market
from engine.data.synthetic.spec import market_spec
from engine.domain.structures import Leg, PositionRole, Right, Side
from engine.errors import DataMissingError
from engine.market import (
    ContractInfo,
    MarketNeeds,
    MarketTooLargeError,
    MarketView,
    OptionBlock,
    to_datetime,
)
from engine.market.block import BlockSpec

BAR = 15


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBStore]:
    path = tmp_path_factory.mktemp("market") / "m.duckdb"
    s = DuckDBStore(path)
    generate_market(market_spec(["NIFTY"], interval_minutes=BAR, days=3, history_days=2), s)
    s.checkpoint()
    s.close()
    ro = DuckDBStore(path, read_only=True)
    yield ro
    ro.close()


def _contracts() -> ContractInfo:
    return ContractInfo(lot_size=lambda e, on: 75, strike_step=lambda on: 50.0)


def _view(store: DuckDBStore, mode: str, **kw: object) -> MarketView:
    return MarketView(store, "NIFTY", BAR, needs=MarketNeeds(**kw),  # type: ignore[arg-type]
                      contracts=_contracts(), mode=mode, budget_bytes=2**31)  # type: ignore[arg-type]


def _legs(store: DuckDBStore, mv: MarketView) -> list[Leg]:
    tl = mv.timeline(dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    at = tl.ts[3]
    rows = store.sql("SELECT DISTINCT expiry, strike FROM option_bars WHERE bar_minutes = 15 "
                     "AND ts = $ts ORDER BY expiry, strike", {"ts": at.astype(dt.datetime)}
                     ).to_pylist()
    front = rows[0]["expiry"]
    strikes = [r["strike"] for r in rows if r["expiry"] == front]
    mid = strikes[len(strikes) // 2]
    back = rows[-1]["expiry"]
    return [Leg(Right.CE, Side.SELL, mid, front, 1, PositionRole.PRIMARY, "SC"),
            Leg(Right.PE, Side.BUY, mid - 100, front, 1, PositionRole.HEDGE, "LP"),
            Leg(Right.CE, Side.BUY, mid, back, 1, PositionRole.HEDGE, "LC"),
            Leg(Right.CE, Side.BUY, mid + 12345, front, 1, PositionRole.HEDGE, "NONE")]


def _reference_paths(store: DuckDBStore, legs: list[Leg], ts: np.ndarray) -> dict[str, np.ndarray]:
    t = store.query("leg_paths", {
        "symbol": "NIFTY", "bar_minutes": BAR, "ts_from": ts[0].astype(dt.datetime),
        "ts_to": ts[-1].astype(dt.datetime), "expiries": [g.expiry for g in legs],
        "strikes": [g.strike for g in legs], "rights": [g.right.value for g in legs]}).to_pylist()
    out = {c: np.full((ts.size, len(legs)), np.nan) for c in ("close", "open", "bid", "delta")}
    stale = np.ones((ts.size, len(legs)), dtype=bool)
    where = {t_: i for i, t_ in enumerate(ts.astype(dt.datetime).tolist())}
    for r in t:
        for j, g in enumerate(legs):
            if (r["expiry"], r["strike"], r["right"]) == (g.expiry, g.strike, g.right.value):
                i = where[r["ts"]]
                stale[i, j] = False
                for c in out:
                    out[c][i, j] = np.nan if r[c] is None else r[c]
    for arr in out.values():  # carry the last value down, bar by bar
        for j in range(arr.shape[1]):
            last = np.nan
            for i in range(arr.shape[0]):
                if np.isfinite(arr[i, j]):
                    last = arr[i, j]
                arr[i, j] = last
    out["stale"] = stale
    return out


@pytest.mark.parametrize("mode", ["run", "cycle"])
def test_leg_paths_equal_the_store_rows_carried_forward(store: DuckDBStore, mode: str) -> None:
    mv = _view(store, mode, band_steps=3, all_rights=True)
    tl = mv.timeline(dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    mv.prepare(tl)
    assert mv.stats.mode == mode
    legs = _legs(store, mv)
    i0, i1 = 3, len(tl) - 2
    got = mv.leg_paths(legs, tl, i0, i1)
    ref = _reference_paths(store, legs, tl.ts[i0:i1 + 1])
    for c in ("close", "open", "bid", "delta"):
        np.testing.assert_array_equal(getattr(got, c), ref[c])
    np.testing.assert_array_equal(got.stale, ref["stale"])
    assert got.stale[:, 3].all() and np.isnan(got.close[:, 3]).all()  # no such contract
    assert np.isfinite(got.close[:, 0]).all()
    # a second read of a sub-window is served from memory: no new scan
    scans = mv.stats.scans
    again = mv.leg_paths(legs[:2], tl, i0 + 1, i1 - 1)
    np.testing.assert_array_equal(again.close, got.close[1:-1, :2])
    assert mv.stats.scans == scans


@pytest.mark.parametrize("mode", ["run", "cycle"])
def test_chain_equals_the_chain_at_query(store: DuckDBStore, mode: str) -> None:
    mv = _view(store, mode)
    tl = mv.timeline(dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    mv.prepare(tl)
    ref_view = _view(store, "cycle")  # no block: every chain comes from the chain_at query
    expiries = [r["expiry"] for r in store.sql(
        "SELECT DISTINCT expiry FROM option_bars WHERE bar_minutes = 15 AND ts = $ts ORDER BY 1",
        {"ts": tl.ts[0].astype(dt.datetime)}).to_pylist()][:3]
    seen = 0
    for k in (0, 5, len(tl) - 1):
        at = tl.ts[k].astype(dt.datetime)
        spot = float(tl.close[k])
        got = mv.chain(at, expiries, spot - 400, spot + 400)
        want = ref_view.chain(at, expiries, spot - 400, spot + 400)
        assert list(got) == expiries
        for e in expiries:
            for name in ("strikes", "rights", "closes", "deltas", "volume", "oi", "bid", "ask"):
                np.testing.assert_array_equal(getattr(got[e], name), getattr(want[e], name))
            assert np.all(np.diff(got[e].strikes) >= 0)
            seen += got[e].strikes.size
    assert seen > 0
    assert ref_view.stats.chain_reads == 3
    assert mv.stats.chain_reads == (0 if mode == "run" else 3)


def test_block_round_trips_through_memory_mapped_arrow_ipc(store: DuckDBStore,
                                                          tmp_path: Path) -> None:
    mv = _view(store, "run")
    tl = mv.timeline(dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    mv.prepare(tl)
    block = mv._run_block
    assert block is not None
    path = block.save_ipc(tmp_path / "block.arrow")
    back = OptionBlock.load_ipc(path)
    assert back.spec == block.spec
    np.testing.assert_array_equal(back.grid, block.grid)
    np.testing.assert_array_equal(back.have, block.have)
    for name, arr in block.values.items():
        other = back.values[name]
        if arr is None:
            assert other is None
        else:
            assert other is not None
            np.testing.assert_array_equal(other, arr)
            assert not other.flags.writeable  # a view of the mapped file, read-only
    legs = _legs(store, mv)
    a = block.path_columns(legs, tl.ts)[0]["close"]
    b = back.path_columns(legs, tl.ts)[0]["close"]
    np.testing.assert_array_equal(a, b)
    # another process maps the same file and reads the same close
    c = back.contract(legs[0].expiry, legs[0].strike, legs[0].right.value)
    g = int(np.flatnonzero(back.have[c])[0])
    want = repr(float(block.values["close"][c, g]))  # type: ignore[index]
    code = ("import sys; from pathlib import Path; from engine.market import OptionBlock; "
            f"b = OptionBlock.load_ipc(Path(sys.argv[1])); print(repr(float(b.values['close'][{c}, {g}])))")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == want


def test_a_run_too_large_for_its_budget_says_so_and_suggests_per_cycle(store: DuckDBStore) -> None:
    mv = MarketView(store, "NIFTY", BAR, contracts=_contracts(), mode="run", budget_bytes=1000)
    tl = mv.timeline(dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    with pytest.raises(MarketTooLargeError, match=r"above the budget of .*per-cycle mode"):
        mv.prepare(tl)
    auto = MarketView(store, "NIFTY", BAR, contracts=_contracts(), mode="auto", budget_bytes=1000,
                      option_cache=False)
    auto.prepare(tl)
    assert auto.stats.mode == "cycle" and auto.stats.scans == 0


def test_block_spec_coverage() -> None:
    t0, t1 = dt.datetime(2025, 1, 2, 9, 30), dt.datetime(2025, 1, 2, 15, 30)
    e = dt.date(2025, 1, 9)
    box = BlockSpec(t0, t1, (e,), 21000.0, 23000.0)
    assert box.holds(e, 22000.0, "CE") and not box.holds(e, 23050.0, "CE")
    assert box.covers_chain(t0, [e], 21500.0, 22500.0)
    assert not box.covers_chain(t0, [e], 20000.0, 22500.0)      # wider than the band
    assert not box.covers_chain(t0 - dt.timedelta(minutes=1), [e], 21500.0, 22500.0)
    legs = BlockSpec(t0, t1, (e,), contracts=((e, 22000.0, "CE"),))
    assert legs.holds(e, 22000.0, "CE") and not legs.holds(e, 22000.0, "PE")
    assert not legs.covers_chain(t0, [e], 21500.0, 22500.0)    # a contract list is no chain
    assert BlockSpec.from_json(box.to_json()) == box and BlockSpec.from_json(legs.to_json()) == legs


def test_missing_option_data_fails_before_the_run_with_the_range_named(store: DuckDBStore) -> None:
    mv = _view(store, "cycle")
    tl = mv.timeline(dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    day = tl.days[0].astype(dt.date)
    with pytest.raises(DataMissingError, match=r"no 15-minute NIFTY option bars of expiry "
                                               r"2031-01-01 on " + str(day)):
        mv.check_options(tl, [dt.date(2031, 1, 1)])
    e = min(e for e, _ in mv.listed_expiries() if e >= day)
    with pytest.raises(DataMissingError, match=r"needs NIFTY .* strikes 1000 to 90000 on .*"
                                               r"the store holds"):
        mv.check_options(tl, [e], (1000.0, 90000.0))
    mv.check_options(tl, [e], (float(tl.close[0]), float(tl.close[0])))  # inside: no error
    empty = MarketView(store, "NIFTY", 5, contracts=_contracts())  # no 5-minute options stored
    with pytest.raises(DataMissingError, match=r"no 5-minute NIFTY option bars on"):
        empty.check_options(tl)


def test_contract_windows_are_kept_only_when_asked(store: DuckDBStore) -> None:
    # the benchmark's floor query needs every window loaded; a normal run must not pay for it
    plain = _view(store, "cycle")
    tl = plain.timeline(dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    at = to_datetime(tl.ts[5])
    e = min(e for e, _ in plain.listed_expiries() if e >= at.date())
    plain.chain(at, [e], 0.0, 1e9)
    assert plain.stats.touched == []
    kept = MarketView(store, "NIFTY", BAR, contracts=_contracts(), mode="cycle",
                      budget_bytes=2**31, record_touched=True)
    rows = kept.chain(at, [e], 0.0, 1e9)
    assert len(kept.stats.touched) > 0 and all(w[0] == e for w in kept.stats.touched)
    assert rows is not None


def test_timeline_trading_days_are_the_distinct_days_in_order() -> None:
    from engine.market import Timeline

    ts = np.array(["2025-01-01T09:15", "2025-01-01T15:30", "2025-01-02T09:15",
                   "2025-01-06T09:15", "2025-01-06T09:20"], dtype="datetime64[us]")
    tl = Timeline(ts, np.ones(5), np.ones(5), ts.astype("datetime64[D]"))
    assert tl.trading_days.tolist() == [np.datetime64("2025-01-01"), np.datetime64("2025-01-02"),
                                        np.datetime64("2025-01-06")]
    assert tl.trading_days is tl.trading_days  # computed once per timeline
    empty = Timeline(ts[:0], np.ones(0), np.ones(0), ts[:0].astype("datetime64[D]"))
    assert empty.trading_days.size == 0
