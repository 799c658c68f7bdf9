"""What the runs of one long-lived worker share (market stage): market data only.

A sweep worker backtests many variants of one strategy on one read-only store. Each run
builds its own ``MarketView`` (whose blocks, VIX window and stats are the run's), but three
things do not depend on the variant and are worth keeping between runs:

- the option caches (``OptionCache``: the mapped expiry files), one per symbol, interval and
  budget, instead of opening and mapping them again each run;
- the results of the store queries a run makes once (spot timeline, listed expiries, VIX,
  events, daily metrics...): ``MemoStore`` answers a repeated query with the same table
  (a ``pyarrow.Table`` is immutable); per-bar reads (``chain_at``, block scans, cache builds)
  go to the store each time;
- ``ArrayMemo``: the implied vols and greeks the valuation computes for a leg's path
  (``simulation.valuation.fill_missing_greeks``), keyed by every input they depend on, in a
  least-recently-used cache bounded in bytes (``cachetools.LRUCache``).

Only valid while the store does not change: a worker opens it read-only. A plain run has no
context and reads everything afresh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping

import numpy as np
import pyarrow as pa
from cachetools import LRUCache

from engine.data.store import LoadSession, Store
from engine.market.cache import OptionCache

ONCE_A_RUN = frozenset({
    "spot_path", "expiries_from", "expiry_listing", "vix_path", "events_between",
    "market_day_range", "daily_metrics", "daily_closes", "features_history",
    "features_rolling_ranks", "vol_option_intervals", "vol_daily_atm"})
"""Store queries a run makes a few times at most, whose answers a worker keeps."""
DEFAULT_QUERIES = 64
DEFAULT_MEMO_BYTES = 256 * 2**20


def _frozen(value: object) -> Hashable:
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, str | int | float | bool | dt.date | dt.time | type(None)):
        return value
    return repr(value)


class MemoStore:
    """A read-only ``Store`` that answers the ``ONCE_A_RUN`` queries from memory after the
    first time (at most ``queries`` answers kept, least recently used dropped)."""

    def __init__(self, store: Store, queries: int = DEFAULT_QUERIES) -> None:
        self.inner = store
        self.engine_name = store.engine_name
        self.path = getattr(store, "path", None)   # where the option cache lives (cache_root)
        self._answers: LRUCache[Hashable, pa.Table] = LRUCache(maxsize=queries)
        self.hits = 0

    def query(self, name: str, params: Mapping[str, object] | None = None) -> pa.Table:
        if name not in ONCE_A_RUN:
            return self.inner.query(name, params)
        key = (name, _frozen(dict(params or {})))
        got = self._answers.get(key)
        if got is None:
            got = self.inner.query(name, params)
            self._answers[key] = got
        else:
            self.hits += 1
        return got

    def load(self) -> LoadSession:
        raise TypeError("a shared market context is read-only: it cannot load data")

    def data_version(self) -> int:
        return self.inner.data_version()

    def fingerprint(self) -> str:
        return self.inner.fingerprint()

    def table_counts(self) -> dict[str, int]:
        return self.inner.table_counts()

    def close(self) -> None:
        """Closing is the owner's business (the worker closes the store it opened)."""


def _nbytes(value: tuple[np.ndarray, ...]) -> int:
    return sum(a.nbytes for a in value) + 64


class ArrayMemo:
    """Arrays computed from market data, by a key naming all their inputs; least recently
    used dropped past ``max_bytes``. Values are returned as stored: callers copy them out."""

    def __init__(self, max_bytes: int = DEFAULT_MEMO_BYTES) -> None:
        self._cache: LRUCache[Hashable, tuple[np.ndarray, ...]] = LRUCache(
            maxsize=max_bytes, getsizeof=_nbytes)
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> tuple[np.ndarray, ...] | None:
        got = self._cache.get(key)
        if got is None:
            self.misses += 1
        else:
            self.hits += 1
        return got

    def put(self, key: Hashable, value: tuple[np.ndarray, ...]) -> None:
        if _nbytes(value) <= self._cache.maxsize:
            self._cache[key] = value

    @property
    def nbytes(self) -> int:
        return int(self._cache.currsize)


class MarketContext:
    """What the runs of one worker on one read-only store share (see the module text)."""

    def __init__(self, store: Store, *, queries: int = DEFAULT_QUERIES,
                 memo_bytes: int = DEFAULT_MEMO_BYTES) -> None:
        self.store = MemoStore(store, queries)
        self.greeks = ArrayMemo(memo_bytes)
        self._caches: dict[tuple[str, int, int | None], OptionCache | None] = {}

    def option_cache(self, symbol: str, bar_minutes: int,
                     budget_bytes: int | None = None) -> OptionCache | None:
        """The store's option cache for the symbol and interval, opened once."""
        key = (symbol, bar_minutes, budget_bytes)
        if key not in self._caches:
            self._caches[key] = OptionCache.open(self.store.inner, symbol, bar_minutes,
                                                 budget_bytes)
        return self._caches[key]

    def drop_cache(self, symbol: str, bar_minutes: int, budget_bytes: int | None) -> None:
        """Forget a cache that failed (a full disk, a folder gone): later runs open it anew."""
        self._caches.pop((symbol, bar_minutes, budget_bytes), None)


__all__ = ["ONCE_A_RUN", "ArrayMemo", "MarketContext", "MemoStore"]
