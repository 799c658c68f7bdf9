"""Volatility metrics for cells and the server: one name -> one number, with reasons.

Excel-side service over ``engine.volatility.volatility_snapshot`` (volatility stage): the
server's ``GET /v1/metrics/{name}``, the ``POSBT_*`` cell functions (through the server or
in-process) and the ribbon's Server Status all answer through :func:`metric_value`, so a
cell, the API and ``posbt vol`` show the same number. A metric that cannot be computed is
a ``DataMissingError`` carrying the snapshot's reason.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from engine.data.duckdb_store import DuckDBStore
from engine.data.store import Store
from engine.errors import DataMissingError, PosbtError
from engine.home import market_db_path
from engine.volatility import HVMethod, SnapshotCache, SnapshotParams, VolSnapshot
from engine.volatility import volatility_snapshot as _snapshot

STORE_HOLD_S = 1.0  # the server lets go of the store after this long without a request

SESSION_CLOSE = dt.time(15, 30)


class MetricName(StrEnum):
    """The metrics a cell or ``/v1/metrics/{name}`` can ask for."""

    IVP = "ivp"
    IVR = "ivr"
    ATRP = "atrp"
    HV = "hv"
    IVHV = "ivhv"
    TERM = "term"
    SKEW = "skew"
    REGIME = "regime"
    SNAPSHOT = "snapshot"


# metric -> the VolSnapshot field behind it (HV is per estimator, see _field)
_FIELDS = {MetricName.IVP: "ivp", MetricName.IVR: "ivr", MetricName.ATRP: "atr_pct",
           MetricName.IVHV: "iv_hv_ratio", MetricName.TERM: "term_slope",
           MetricName.SKEW: "rr25", MetricName.REGIME: "regime"}


@dataclass(frozen=True)
class MetricQuery:
    """What a metric call asks: symbol, as-of time (None: the latest bar), lookback days,
    HV window and estimator."""

    symbol: str
    at: dt.datetime | None = None
    lookback: int = 252
    window: int = 20
    method: HVMethod = HVMethod.CLOSE_TO_CLOSE

    def __post_init__(self) -> None:
        if not self.symbol.strip():
            raise PosbtError("symbol is empty", place="symbol")
        if self.lookback < 1:
            raise PosbtError(f"must be >= 1, got {self.lookback}", place="lookback")
        if self.window < 2:
            raise PosbtError(f"must be >= 2, got {self.window}", place="window")

    @property
    def params(self) -> SnapshotParams:
        return SnapshotParams(hv_window=self.window, hv_method=self.method)


def parse_method(text: str | None) -> HVMethod:
    """An HV estimator from its name (``close_to_close``, ``parkinson``, ``yang_zhang``...)."""
    if text is None or not str(text).strip():
        return HVMethod.CLOSE_TO_CLOSE
    key = str(text).strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return HVMethod(key)
    except ValueError:
        names = ", ".join(m.value for m in HVMethod)
        raise PosbtError(f"unknown HV method {text!r}; use one of {names}",
                         place="method") from None


def normalise_at(at: dt.datetime | dt.date | None) -> dt.datetime | None:
    """A date (or a datetime at midnight, as Excel passes dates) means that day's close."""
    if at is None:
        return None
    if not isinstance(at, dt.datetime):
        return dt.datetime.combine(at, SESSION_CLOSE)
    if at.time() == dt.time(0, 0):
        return dt.datetime.combine(at.date(), SESSION_CLOSE)
    return at.replace(tzinfo=None)


def latest_ts(store: Store, symbol: str) -> dt.datetime:
    """The newest spot bar of ``symbol`` (the default as-of time, as in ``posbt vol``)."""
    value = store.query("vol_latest_ts", {"symbol": symbol}).column("ts")[0].as_py()
    if value is None:
        raise DataMissingError(f"no data for {symbol}", place="spot_bars")
    assert isinstance(value, dt.datetime)
    return value


def snapshot(store: Store, q: MetricQuery,
             cache: SnapshotCache[VolSnapshot] | None = None) -> VolSnapshot:
    """The volatility snapshot behind every metric of ``q``."""
    symbol = q.symbol.strip().upper()
    at = normalise_at(q.at) or latest_ts(store, symbol)
    return _snapshot(store, symbol, at, q.lookback, params=q.params, cache=cache)


def _field(name: MetricName, q: MetricQuery) -> str:
    return f"hv_{q.method.value}" if name is MetricName.HV else _FIELDS[name]


def metric_value(snap: VolSnapshot, name: MetricName, q: MetricQuery) -> float | str:
    """The value of metric ``name`` in ``snap``; DataMissingError with the reason when absent."""
    field = _field(name, q)
    if field in snap.missing:
        raise DataMissingError(f"{name.value} of {snap.symbol} at {snap.at:%Y-%m-%d %H:%M}: "
                               f"{snap.missing[field]}", place=field)
    if name is MetricName.HV:
        return float(snap.hv[q.method])
    value = getattr(snap, field)
    if name is MetricName.REGIME:
        return str(value.value)
    return float(value)


def snapshot_rows(snap: VolSnapshot) -> list[list[object]]:
    """``[metric, value, why missing]`` rows (header first), JSON- and Excel-friendly."""
    rows: list[list[object]] = [["metric", "value", "missing"]]
    for name, value in snap.as_rows():
        rows.append([name, plain(value), snap.missing.get(name, "")])
    return rows


def plain(value: object) -> object:
    """A JSON/Excel-safe scalar: NaN -> None, enums -> their value, dates -> ISO text."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return value


class VolService:
    """The server's metric backend: the market store opened read-only when a request needs
    it and released after ``hold_s`` seconds without requests (so ``posbt data import``
    and ``posbt data demo`` can take the store while the server runs: they wait for the
    release), one snapshot cache, and a lock (one DuckDB connection serves every request
    thread). A burst of cell recalculations shares one open handle."""

    def __init__(self, home: Path, cache: SnapshotCache[VolSnapshot] | None = None,
                 hold_s: float = STORE_HOLD_S) -> None:
        self.home = home
        self.cache: SnapshotCache[VolSnapshot] = cache or SnapshotCache(maxsize=512, ttl_s=300.0)
        self.hold_s = hold_s
        self._store: DuckDBStore | None = None
        self._lock = threading.Lock()
        self._latest: dict[tuple[str, str, object], dt.datetime] = {}
        self._last_used = 0.0
        self._closed = threading.Event()
        self._releaser: threading.Thread | None = None

    def _open(self) -> DuckDBStore:
        if self._store is None:
            path = market_db_path(self.home)
            if not path.exists():
                raise DataMissingError("no market store; build one with `posbt data demo` or "
                                       "import data", place=str(path))
            self._store = DuckDBStore(path, read_only=True)
            if self._releaser is None and self.hold_s > 0:
                self._releaser = threading.Thread(target=self._release_idle, daemon=True,
                                                  name="posbt-store-release")
                self._releaser.start()
        return self._store

    def _release_idle(self) -> None:
        while not self._closed.wait(min(0.25, self.hold_s)):
            with self._lock:
                idle = time.monotonic() - self._last_used
                if self._store is not None and idle >= self.hold_s:
                    self._store.close()
                    self._store = None

    @property
    def store_open(self) -> bool:
        """Whether the market store is open right now."""
        with self._lock:
            return self._store is not None

    def snapshot(self, q: MetricQuery) -> VolSnapshot:
        with self._lock:
            self._last_used = time.monotonic()
            try:
                store = self._open()
                if q.at is None:  # the latest bar, remembered per data version
                    symbol = q.symbol.strip().upper()
                    key = ("latest", symbol, store.data_version())
                    at = self._latest.get(key)
                    if at is None:
                        at = self._latest[key] = latest_ts(store, symbol)
                    q = replace(q, at=at)
                return snapshot(store, q, self.cache)
            finally:
                self._last_used = time.monotonic()
                if self.hold_s <= 0 and self._store is not None:
                    self._store.close()
                    self._store = None

    def value(self, name: MetricName, q: MetricQuery) -> float | str:
        return metric_value(self.snapshot(q), name, q)

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None
        if self._releaser is not None:
            self._releaser.join(timeout=5)
            self._releaser = None


def metric_in_process(home: Path, name: MetricName, q: MetricQuery) -> float | str | list[list[object]]:
    """One metric (or the snapshot table) computed here, with the store opened read-only
    for this call only (the cell functions' fallback when no server answers)."""
    service = VolService(home, hold_s=0)
    try:
        snap = service.snapshot(q)
    finally:
        service.close()
    if name is MetricName.SNAPSHOT:
        return snapshot_rows(snap)
    return metric_value(snap, name, q)
