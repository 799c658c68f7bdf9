"""A bounded, time-limited cache of volatility snapshots owned by its caller (volatility stage).

The server or a backtest creates one ``SnapshotCache`` and passes it to
``volatility_snapshot``; there is no module-level cache. Keys include the store's
``data_version()``, so a committed load makes every older entry unreachable (and
``maxsize`` / ``ttl_s`` evict it). The TTL runs on a monotonic timer: it measures the age
of an entry, never the valuation time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import TTLCache

V = TypeVar("V")


class SnapshotCache(Generic[V]):
    """LRU + TTL cache (cachetools ``TTLCache``) with hit / miss counters."""

    def __init__(self, maxsize: int = 256, ttl_s: float = 300.0,
                 timer: Callable[[], float] = time.monotonic) -> None:
        if maxsize < 1 or not ttl_s > 0:
            raise ValueError(f"SnapshotCache: maxsize must be >= 1 and ttl_s > 0, "
                             f"got maxsize={maxsize}, ttl_s={ttl_s}")
        self._entries: TTLCache[Hashable, V] = TTLCache(maxsize=maxsize, ttl=ttl_s, timer=timer)
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> V | None:
        """The cached value for ``key``, or ``None`` (counted as a miss)."""
        value = self._entries.get(key)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def put(self, key: Hashable, value: V) -> None:
        """Store ``value`` under ``key``."""
        self._entries[key] = value

    def clear(self) -> None:
        """Drop every entry."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
