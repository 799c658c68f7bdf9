"""The Store protocol: named queries in, Arrow tables out, plus bulk loads.

Everything above the data layer (simulation, strategy, volatility) reads market data
only through this protocol, so a DuckDB store (the default) and a HeavyDB store are
interchangeable. A load is one transaction: it goes in whole or not at all, and rows
whose key is already stored are skipped (imports are idempotent). A load may name its
source (``record_source``); the store's ``fingerprint()`` digests the sources recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal, Protocol, runtime_checkable

import pyarrow as pa

Replace = Literal["derived", "all"] | None


@dataclass(frozen=True)
class LoadResult:
    """What a committed load did, per table: rows offered and rows actually inserted."""

    offered: Mapping[str, int] = field(default_factory=dict)
    inserted: Mapping[str, int] = field(default_factory=dict)
    replaced: Mapping[str, int] = field(default_factory=dict)
    # offered rows whose key was stored with other values: (key, first differing column)
    differing: Mapping[str, list[tuple[tuple[object, ...], str]]] = field(default_factory=dict)

    def skipped(self, table: str) -> int:
        """Rows offered for ``table`` that were already stored (or repeated in the load)."""
        return self.offered.get(table, 0) - self.inserted.get(table, 0)


class LoadSession(Protocol):
    """An open load transaction; append batches, then leave the ``with`` block to commit."""

    def append(self, table: str, batch: pa.Table, *, replace: Replace = None,
               unique: bool = False) -> None:
        """Stage ``batch`` (columns named as in the schema; missing nullable ones are NULL).

        ``unique=True``: the caller has checked that no key repeats inside ``batch`` (the
        store may then skip its own de-duplication of the batch).

        ``replace``: None keeps stored rows (a repeated key is skipped); ``"derived"``
        first deletes stored rows with the batch's keys whose ``source`` is DERIVED_*
        (spot_bars: a real index bar replaces an estimate); ``"all"`` deletes every stored
        row with the batch's keys (a corrected file replaces what it corrects).
        """

    def __enter__(self) -> LoadSession: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def record_source(self, digest: str, kind: str, label: str = "") -> None:
        """Name where this load's rows come from (``engine.data.fingerprint``): kept in the
        ``loads`` table, with the data version, when the load commits and changed the data."""

    @property
    def result(self) -> LoadResult:
        """Counts, available after a successful commit."""


@runtime_checkable
class Store(Protocol):
    """Market-data store: named queries in, Arrow tables out; bulk loads."""

    engine_name: str

    def query(self, name: str, params: Mapping[str, object] | None = None) -> pa.Table:
        """Run named query ``name`` with bound ``params`` and return its rows."""

    def load(self) -> LoadSession:
        """Open a load transaction (``with store.load() as tx: tx.append(...)``)."""

    def data_version(self) -> int:
        """A counter that changes whenever a load commits; caches key on it."""

    def fingerprint(self) -> str:
        """The data fingerprint (``engine.data.fingerprint``): 16 hex characters, equal for
        stores loaded from the same sources, different when the sources differ."""

    def table_counts(self) -> dict[str, int]:
        """Row count of every canonical table."""

    def close(self) -> None:
        """Release the connection."""
