"""levels_at over a store: known levels, no lookahead, caching, external levels, bad input."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from engine.config.enums import PivotType, SRMethod
from engine.config.models.structure import MarketStructureConfig, PivotConfig
from engine.data.duckdb_store import DuckDBStore
from engine.errors import DataMissingError
from engine.structure import LevelsCache, levels_at, levels_report_at, nearest_levels
from engine.structure.external import import_levels
from engine.structure.types import Bars, SRKind, SRLevel, StructureInputError
from tests.unit.structure._series import bars_from_closes, bounce

SYMBOL = "NIFTY"
LOOSE = {"level_strength_threshold": 0.0, "max_levels": 50, "min_distance_between_levels_pts": 2.0}


def _table(bars: Bars, bar_minutes: int, volume: bool) -> pa.Table:
    n = len(bars)
    vol = pa.array(np.full(n, 1000, dtype=np.int64)) if volume else pa.nulls(n, pa.int64())
    return pa.table({"symbol": [SYMBOL] * n, "bar_minutes": pa.array([bar_minutes] * n, pa.int16()),
                     "ts": pa.array(bars.ts), "open": bars.open, "high": bars.high,
                     "low": bars.low, "close": bars.close, "volume": vol})


def _intraday(daily: Bars) -> Bars:
    """Four 90-minute bars per day that walk from the day's open to its close."""
    ts, o, c = [], [], []
    for i in range(len(daily)):
        day = daily.ts[i].astype("datetime64[D]").astype("datetime64[us]")
        path = np.linspace(daily.open[i], daily.close[i], 5)
        for k in range(4):
            ts.append(day + np.timedelta64(9 * 60 + 15 + 90 * (k + 1), "m"))
            o.append(path[k])
            c.append(path[k + 1])
    o_a, c_a = np.array(o), np.array(c)
    return Bars.from_arrays(np.array(ts), o_a, np.maximum(o_a, c_a), np.minimum(o_a, c_a), c_a)


def _fill(store: DuckDBStore, daily: Bars, volume: bool = False) -> None:
    with store.load() as tx:
        tx.append("spot_bars", _table(daily, 1440, volume))
        tx.append("spot_bars", _table(_intraday(daily), 5, volume))


@pytest.fixture
def bounce_store(mem_store: DuckDBStore) -> DuckDBStore:
    _fill(mem_store, bars_from_closes(bounce(10), wick=0.5))  # 81 days from 2024-01-01
    return mem_store


AT = datetime(2024, 3, 15, 11, 0)  # day 74 of the series


def test_classic_pivots_from_the_previous_day(bounce_store: DuckDBStore) -> None:
    # lines about 1 point apart here: merge only what is closer than 0.1
    cfg = MarketStructureConfig.model_validate({**LOOSE, "min_distance_between_levels_pts": 0.1})
    daily = bars_from_closes(bounce(10), wick=0.5)
    prev = int(np.flatnonzero(daily.dates() == np.datetime64("2024-03-14"))[0])
    h, lo, c = daily.high[prev], daily.low[prev], daily.close[prev]
    report = levels_report_at(bounce_store, SYMBOL, AT, cfg.params())
    # 2024-03-14: H 106.5, L 103.5, C 106 -> P = 316/3 = 105.3333, R1 = 2P - L = 107.1667
    by_label = {lv.label: lv for lv in report.levels}
    assert by_label["CLASSIC P"].level == pytest.approx((h + lo + c) / 3)
    assert by_label["CLASSIC P"].level == pytest.approx(105.33333333)
    assert by_label["CLASSIC R1"].level == pytest.approx(107.16666667)
    assert len(report.levels) == 7
    assert report.reference_pts == pytest.approx(c)
    assert report.regime is not None


def test_swing_pivots_give_support_100_and_resistance_110(bounce_store: DuckDBStore) -> None:
    cfg = MarketStructureConfig.model_validate(
        {**LOOSE, "pivot_config": PivotConfig(pivot_type=PivotType.SWING, left_bars=2, right_bars=2)})
    levels = levels_at(bounce_store, SYMBOL, AT, cfg.params())
    support, resistance = nearest_levels(levels, 105.0)
    assert support is not None and resistance is not None
    assert support.level == pytest.approx(99.5)  # lows at 100 minus the 0.5 wick
    assert resistance.level == pytest.approx(110.5)
    assert support.touches >= 5 and support.strength > 0.5
    assert all(lv.band_pts > 0 for lv in levels)


@pytest.mark.parametrize("method", [m for m in SRMethod if m is not SRMethod.EXTERNAL])
def test_no_lookahead(bounce_store: DuckDBStore, method: SRMethod) -> None:
    cfg = MarketStructureConfig.model_validate({**LOOSE, "primary_method": method})
    before = levels_report_at(bounce_store, SYMBOL, AT, cfg.params())
    other = DuckDBStore(":memory:")
    daily = bars_from_closes(bounce(10), wick=0.5)
    cut = np.datetime64(AT.date(), "us")
    rng = np.random.default_rng(5)
    changed = daily.close.copy()
    changed[daily.ts >= cut] = 150 + rng.normal(0, 5, int((daily.ts >= cut).sum()))
    _fill(other, bars_from_closes(changed, wick=0.5))
    after = levels_report_at(other, SYMBOL, AT, cfg.params())
    assert after.levels == before.levels
    assert after.regime == before.regime
    other.close()


def test_cache_hits_and_invalidation(bounce_store: DuckDBStore) -> None:
    cache = LevelsCache(maxsize=8)
    cfg = MarketStructureConfig()
    first = levels_report_at(bounce_store, SYMBOL, AT, cfg.params(), cache)
    again = levels_report_at(bounce_store, SYMBOL, AT + timedelta(hours=3), cfg.params(), cache)
    assert again is first and (cache.hits, cache.misses) == (1, 1)
    other_params = MarketStructureConfig(min_distance_between_levels_pts=1.0)
    levels_report_at(bounce_store, SYMBOL, AT, other_params.params(), cache)
    assert (cache.hits, cache.misses, len(cache)) == (1, 2, 2)
    with bounce_store.load() as tx:  # a load changes data_version: the old entry is not used
        tx.append("spot_bars", _table(bars_from_closes(np.array([101.0]), start="2025-01-01"),
                                      1440, False))
    levels_report_at(bounce_store, SYMBOL, AT, cfg.params(), cache)
    assert cache.misses == 3


def test_volume_sources(mem_store: DuckDBStore) -> None:
    _fill(mem_store, bars_from_closes(bounce(10), wick=0.5), volume=True)
    cfg = MarketStructureConfig.model_validate({**LOOSE, "primary_method": "VOLUME",
                                                "volume_config": {"bin_size_pts": 1.0}})
    report = levels_report_at(mem_store, SYMBOL, AT, cfg.params())
    assert report.notes == ()
    assert {lv.kind for lv in report.levels} >= {SRKind.POC, SRKind.VAH, SRKind.VAL}
    assert all("SPOT" in lv.label for lv in report.levels)


def test_volume_falls_back_to_options_then_tpo(bounce_store: DuckDBStore) -> None:
    cfg = MarketStructureConfig.model_validate({**LOOSE, "primary_method": "VOLUME",
                                                "volume_config": {"bin_size_pts": 1.0}})
    tpo = levels_report_at(bounce_store, SYMBOL, AT, cfg.params())
    assert "weights are TPO" in " ".join(tpo.notes)
    # option volume at one 5-minute stamp of the window, all at a bar that trades 108..110
    stamp = np.datetime64("2024-03-10T13:45", "us")
    with bounce_store.load() as tx:
        tx.append("option_bars", pa.table({
            "symbol": [SYMBOL], "expiry": pa.array([datetime(2024, 3, 28).date()]),
            "strike": [100.0], "right": ["CE"], "bar_minutes": pa.array([5], pa.int16()),
            "ts": pa.array([stamp]), "open": [1.0], "high": [1.0], "low": [1.0], "close": [1.0],
            "volume": pa.array([500], pa.int64())}))
    opt = levels_report_at(bounce_store, SYMBOL, AT, cfg.params())
    assert "weights are OPTIONS" in " ".join(opt.notes)
    poc = next(lv for lv in opt.levels if lv.kind is SRKind.POC)
    intraday = _intraday(bars_from_closes(bounce(10), wick=0.5))
    i = int(np.flatnonzero(intraday.ts == stamp)[0])
    assert intraday.low[i] <= poc.level <= intraday.high[i]


def test_daily_bars_are_aggregated_when_only_intraday_exist(mem_store: DuckDBStore) -> None:
    daily = bars_from_closes(bounce(10), wick=0.5)
    with mem_store.load() as tx:
        tx.append("spot_bars", _table(_intraday(daily), 5, False))
    cfg = MarketStructureConfig.model_validate(LOOSE)
    report = levels_report_at(mem_store, SYMBOL, AT, cfg.params())
    # the aggregated previous day's close is the daily close (the intraday walk ends there)
    prev = int(np.flatnonzero(daily.dates() == np.datetime64("2024-03-14"))[0])
    assert report.reference_pts == pytest.approx(daily.close[prev])


def test_external_levels(bounce_store: DuckDBStore, tmp_path: Path) -> None:
    csv = tmp_path / "levels.csv"
    csv.write_text("Symbol,As_Of,Level,Kind,Strength\n"
                   "NIFTY,2024-03-01,101,SUPPORT,0.9\n"
                   "NIFTY,2024-03-15,104,resistance,\n"
                   "NIFTY,2024-03-20,130,SUPPORT,0.9\n"
                   "NIFTY,2024-03-15,abc,SUPPORT,0.9\n"
                   "NIFTY,2024-03-15,105,WALL,0.9\n"
                   "NIFTY,2024-03-15,106,SUPPORT,1.5\n")
    report = import_levels(bounce_store, csv)
    assert [r.line for r in report.rejected] == [5, 6, 7]
    cfg = MarketStructureConfig.model_validate({**LOOSE, "primary_method": "EXTERNAL",
                                                "recent_test_weight": 0.0})
    levels = levels_at(bounce_store, SYMBOL, AT, cfg.params())
    # the latest as_of on or before 2024-03-15 is 2024-03-15: one level, strength blank -> 1.0
    assert [(lv.level, lv.kind, lv.strength) for lv in levels] == [(104.0, SRKind.RESISTANCE, 1.0)]
    early = levels_at(bounce_store, SYMBOL, datetime(2024, 3, 10, 10), cfg.params())
    assert [lv.level for lv in early] == [101.0]
    with pytest.raises(DataMissingError, match="no EXTERNAL levels"):
        levels_at(bounce_store, SYMBOL, datetime(2024, 2, 1, 10), cfg.params())


def test_missing_and_short_history(mem_store: DuckDBStore) -> None:
    with pytest.raises(DataMissingError, match="0 daily bar"):
        levels_at(mem_store, SYMBOL, AT, MarketStructureConfig().params())
    _fill(mem_store, bars_from_closes(np.array([100.0, 101, 102, 101, 100])))
    at = datetime(2024, 1, 6, 10)
    with pytest.raises(DataMissingError, match="ML levels"):
        levels_at(mem_store, SYMBOL, at, MarketStructureConfig(primary_method=SRMethod.ML).params())
    # composite skips what cannot be computed and says so
    report = levels_report_at(mem_store, SYMBOL, at, MarketStructureConfig.model_validate(
        {**LOOSE, "primary_method": "COMPOSITE", "secondary_method": "SMC"}).params())
    assert any("ML skipped" in n for n in report.notes)
    assert any("regime unknown" in n for n in report.notes)


def test_bars_validation() -> None:
    ts = np.array(["2024-01-01T15:30", "2024-01-02T15:30"], dtype="datetime64[us]")
    ok = np.array([100.0, 101.0])
    with pytest.raises(StructureInputError, match="close is NaN"):
        Bars.from_arrays(ts, ok, ok, ok, np.array([100.0, np.nan]))
    with pytest.raises(StructureInputError, match="expected 2"):
        Bars.from_arrays(ts, ok, ok, ok, ok[:1])
    with pytest.raises(StructureInputError, match="do not enclose"):
        Bars.from_arrays(ts, ok, ok - 5, ok, ok)
    with pytest.raises(StructureInputError, match="strictly increasing"):
        Bars.from_arrays(ts[::-1], ok, ok, ok, ok)
    bars = Bars.from_arrays(ts, ok, ok, ok, ok, np.array([np.nan, np.nan]))
    assert bars.volume is None
    assert len(bars.before(datetime(2024, 1, 2, 15, 30))) == 1  # strictly before
    with pytest.raises(StructureInputError, match="strength"):
        SRLevel(100.0, SRKind.SUPPORT, 1.5, "PIVOT")
    with pytest.raises(StructureInputError, match="finite"):
        SRLevel(float("nan"), SRKind.SUPPORT, 0.5, "PIVOT")
