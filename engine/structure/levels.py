"""``levels_at``: the levels of one symbol for one decision time, read from the store and cached.

Structure stage, called by ``strategy`` (entries, adjustments, exits), the CLI and the server.
Levels for day D are fixed before D's session: every method reads bars stamped strictly
before D 00:00 (so strictly before any decision time on D), which is what makes a cache per
(symbol, day, method, parameters) sound. Daily bars come from ``sr_daily_bars`` (stored
daily bars) or, when none are stored, ``sr_daily_from_intraday``; the volume profile uses the finest
intraday bars (``sr_intraday_bars``) and falls back to daily bars; option volume
(``sr_option_volume``) stands in when index bars carry no volume, else time at price.

Methods: PIVOT (floor pivots of ``pivot_type``/``timeframe``, or swings for SWING), VOLUME,
SMC, ML, EXTERNAL, and COMPOSITE (PIVOT, VOLUME, SMC and ML together at equal weight, plus
EXTERNAL levels when any are stored). ``secondary_method`` adds its levels at
``composite.SECONDARY_WEIGHT``. Then ``composite`` merges, scores, bands and selects.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import pyarrow as pa
from cachetools import LRUCache

from engine.data.store import Store
from engine.errors import DataMissingError
from engine.structure import composite
from engine.structure.external import external_levels
from engine.structure.kinds import PivotType, SRMethod
from engine.structure.ml import ml_levels
from engine.structure.params import StructureParams
from engine.structure.pivots import floor_levels, swing_levels
from engine.structure.regime import RegimeReading, VolState, market_regime, vol_state
from engine.structure.smc import smc_levels
from engine.structure.types import Bars, SRLevel, StructureInputError
from engine.structure.volume import profile_levels, volume_profile
from engine.volatility.atr import atr

DAILY_HISTORY_DAYS = 420  # calendar days of daily bars read: 252-bar ATR percentile + slack
_CAL_PER_TRADING = 1.5  # calendar days per trading day, with margin for holidays


@dataclass(frozen=True)
class LevelReport:
    """Levels for one (symbol, day, method) and what they were computed from."""

    symbol: str
    on: date
    method: str
    reference_pts: float  # last close before the day
    levels: tuple[SRLevel, ...]
    regime: RegimeReading | None
    vol_state: VolState
    atr_pts: float
    band_pts: float
    notes: tuple[str, ...]


class LevelsCache:
    """A caller-owned LRU cache of ``LevelReport`` values (cachetools), with hit counters."""

    def __init__(self, maxsize: int = 512) -> None:
        self._entries: LRUCache[Hashable, LevelReport] = LRUCache(maxsize=maxsize)
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], LevelReport]) -> LevelReport:
        """The cached report for ``key``, computing and storing it on a miss."""
        found = self._entries.get(key)
        if found is not None:
            self.hits += 1
            return found
        self.misses += 1
        report = compute()
        self._entries[key] = report
        return report

    def __len__(self) -> int:
        return len(self._entries)


def _bars(table: pa.Table, place: str) -> Bars:
    cols = {c: table.column(c).to_numpy(zero_copy_only=False) for c in table.column_names}
    vol = np.asarray(table.column("volume").to_pandas(), dtype=np.float64)
    return Bars.from_arrays(cols["ts"], cols["open"], cols["high"], cols["low"], cols["close"],
                            vol, place=place)


@dataclass(frozen=True)
class _Inputs:
    store: Store
    symbol: str
    on: date
    daily: Bars
    reference_pts: float
    cfg: StructureParams
    notes: list[str]

    @property
    def day_start(self) -> datetime:
        return datetime.combine(self.on, time())

    def last_days(self, n_trading: int) -> Bars:
        return self.daily.take(slice(max(0, len(self.daily) - n_trading), None))


def _pivot(x: _Inputs) -> list[SRLevel]:
    pc = x.cfg.pivot_config
    if pc.pivot_type is PivotType.SWING:
        return swing_levels(x.last_days(pc.lookback_days), pc.left_bars, pc.right_bars,
                            x.reference_pts)
    return floor_levels(x.daily, pc.pivot_type, pc.timeframe, np.datetime64(x.on, "D"))


def _volume(x: _Inputs) -> list[SRLevel]:
    vc = x.cfg.volume_config
    ts_from = x.day_start - timedelta(days=int(vc.lookback_days * _CAL_PER_TRADING) + 5)
    table = x.store.query("sr_intraday_bars", {"symbol": x.symbol, "ts_from": ts_from,
                                               "before": x.day_start})
    if table.num_rows == 0:
        x.notes.append("VOLUME: no intraday bars, profile built from daily bars")
        bars, other = x.last_days(vc.lookback_days), None
    else:
        bars = _bars(table, f"spot_bars {x.symbol}")
        days = np.unique(bars.dates())[-vc.lookback_days:]
        bars = bars.take(bars.dates() >= days[0])
        other = _option_volume(x, bars, int(table.column("bar_minutes")[0].as_py()))
    profile = volume_profile(bars, vc.bin_size_pts, vc.value_area_frac, other)
    if profile.source.value != "SPOT":
        x.notes.append(f"VOLUME: index bars carry no volume; weights are {profile.source.value}")
    return profile_levels(profile, vc)


def _option_volume(x: _Inputs, bars: Bars, bar_minutes: int) -> np.ndarray | None:
    if bars.volume is not None:
        return None
    table = x.store.query("sr_option_volume", {
        "symbol": x.symbol, "bar_minutes": bar_minutes, "ts_from": bars.ts[0].item(),
        "before": x.day_start})
    if table.num_rows == 0:
        return None
    ts = table.column("ts").to_numpy(zero_copy_only=False).astype("datetime64[us]")
    vol = np.asarray(table.column("volume").to_pandas(), dtype=np.float64)
    out = np.zeros(len(bars))
    pos = np.searchsorted(bars.ts, ts)
    ok = (pos < len(bars)) & (bars.ts[np.minimum(pos, len(bars) - 1)] == ts)
    out[pos[ok]] = vol[ok]
    return out


def _smc(x: _Inputs) -> list[SRLevel]:
    return smc_levels(x.daily, x.cfg.smc_config)


def _ml(x: _Inputs) -> list[SRLevel]:
    pc = x.cfg.pivot_config
    return ml_levels(x.last_days(x.cfg.ml_config.lookback_days), x.cfg.ml_config, pc.left_bars,
                     pc.right_bars, x.reference_pts)


def _external(x: _Inputs) -> list[SRLevel]:
    found = external_levels(x.store, x.symbol, x.on)
    if not found:
        raise StructureInputError(f"no EXTERNAL levels stored for {x.symbol} on or before {x.on}; "
                                  "import them with `posbt data import levels FILE.csv`",
                                  place="sr_levels")
    return found


_DETECTORS: dict[SRMethod, Callable[[_Inputs], list[SRLevel]]] = {
    SRMethod.PIVOT: _pivot, SRMethod.VOLUME: _volume, SRMethod.SMC: _smc, SRMethod.ML: _ml,
    SRMethod.EXTERNAL: _external,
}
_COMPOSITE_MEMBERS = (SRMethod.PIVOT, SRMethod.VOLUME, SRMethod.SMC, SRMethod.ML)


def _method_levels(method: SRMethod, x: _Inputs, required: bool) -> list[SRLevel]:
    if method is SRMethod.COMPOSITE:
        out: list[SRLevel] = []
        for member in _COMPOSITE_MEMBERS:
            out += _method_levels(member, x, required=False)
        with contextlib.suppress(StructureInputError):
            out += _external(x)
        return out
    try:
        return _DETECTORS[method](x)
    except StructureInputError as exc:
        if required:
            raise DataMissingError(f"{method.value} levels for {x.symbol} on {x.on}: {exc.message}",
                                   place=exc.place) from None
        x.notes.append(f"{method.value} skipped: {exc.message}")
        return []


def _load_daily(store: Store, symbol: str, on: date) -> Bars:
    start = datetime.combine(on, time())
    params = {"symbol": symbol, "ts_from": start - timedelta(days=DAILY_HISTORY_DAYS),
              "before": start}
    table = store.query("sr_daily_bars", params)
    if table.num_rows == 0:
        table = store.query("sr_daily_from_intraday", params)
    if table.num_rows < 2:
        raise DataMissingError(f"{symbol}: {table.num_rows} daily bar(s) before {on}; levels "
                               "need history (import bars or run `posbt data demo`)",
                               place="spot_bars")
    return _bars(table, f"spot_bars {symbol}")


def compute_report(store: Store, symbol: str, on: date, cfg: StructureParams) -> LevelReport:
    """Levels of ``symbol`` for day ``on`` (uncached; see module doc)."""
    daily = _load_daily(store, symbol, on)
    x = _Inputs(store, symbol, on, daily, float(daily.close[-1]), cfg, [])
    weights = {cfg.primary_method.value: composite.PRIMARY_WEIGHT}
    raw = _method_levels(cfg.primary_method, x, required=True)
    if cfg.secondary_method is not None and cfg.secondary_method is not cfg.primary_method:
        raw += [lv.with_(method=cfg.secondary_method.value)
                for lv in _method_levels(cfg.secondary_method, x, required=False)]
        weights[cfg.secondary_method.value] = composite.SECONDARY_WEIGHT
    atr_series = atr(daily.high, daily.low, daily.close, 14)
    atr_pts = float(atr_series[-1])
    state = vol_state(daily)
    band = composite.band_half_width_pts(atr_pts, state, cfg)
    tol = 0.1 * atr_pts if np.isfinite(atr_pts) else 1e-3 * x.reference_pts
    merged = composite.merge_levels(raw, cfg.min_distance_between_levels_pts, weights)
    scored = composite.score_levels(merged, x.last_days(cfg.pivot_config.lookback_days), on, tol,
                                    cfg.recent_test_weight)
    final = composite.select_levels(composite.with_bands(scored, band), x.reference_pts, cfg)
    try:
        regime: RegimeReading | None = market_regime(daily)
    except StructureInputError as exc:
        regime = None
        x.notes.append(f"regime unknown: {exc.message}")
    return LevelReport(symbol, on, cfg.primary_method.value, x.reference_pts, tuple(final), regime,
                       state, atr_pts, band, tuple(x.notes))


def levels_report_at(store: Store, symbol: str, at: datetime, params: StructureParams,
                     cache: LevelsCache | None = None) -> LevelReport:
    """The ``LevelReport`` for a decision at ``at`` (cached per symbol, day, method, params)."""
    on = at.date()
    key = (symbol, on, params, store.data_version())
    if cache is None:
        return compute_report(store, symbol, on, params)
    return cache.get_or_compute(key, lambda: compute_report(store, symbol, on, params))


def levels_at(store: Store, symbol: str, at: datetime, params: StructureParams,
              cache: LevelsCache | None = None) -> list[SRLevel]:
    """Support/resistance levels for a decision at ``at``, sorted by price."""
    return list(levels_report_at(store, symbol, at, params, cache).levels)
