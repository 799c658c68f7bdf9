"""The data fingerprint: a short digest that tells one store's market data from another's.

Data layer bookkeeping, beside the stores. Every committed load that changes the data and
names its source records a *source digest* in the store's ``loads`` table (schema file
``12_loads.sql``): the sha256 of the file's bytes for an import, of the generator's spec
(seed included) and version for the synthetic demo. The fingerprint is the sha256 of the
sorted distinct source digests, cut to ``FINGERPRINT_HEX`` hex characters: two stores
loaded from the same sources have the same one whatever the order, re-importing a file
already loaded changes nothing, and any other source changes it. Reading it costs one
small query, never a scan of the bars.

A store made before ``loads`` existed gets one digest of its table statistics instead
(row counts, first and last bar stamps, close prices summed in paise, per table):
recorded as a ``stats`` load on the first write-mode open, computed at each open of a
read-only handle until then. Derived rows (greeks, daily features, S/R levels the engine
computes) are functions of the sourced rows and the engine version and are not recorded.

After: ``engine.api`` puts the fingerprint into each run's results (BT_Summary, the
results store, the HTML report).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Final, Protocol

import pyarrow as pa

FINGERPRINT_HEX: Final = 16
LOADS_FROM_KEY: Final = "loads_recorded_from"  # store_meta: data version when loads began
STATS_KIND: Final = "stats"
_CHUNK_BYTES: Final = 1 << 20


def file_digest(path: str | Path) -> str:
    """sha256 hex of the bytes of the file at ``path`` (read in 1 MiB chunks)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def source_digest(kind: str, *parts: str) -> str:
    """sha256 hex of a source described by ``kind`` and text ``parts`` (NUL-separated, so
    ("a", "bc") and ("ab", "c") differ)."""
    return hashlib.sha256("\0".join((kind, *parts)).encode("utf-8")).hexdigest()


def import_digest(path: str | Path, kind: str, *, replace: bool,
                  sha256: str | None = None) -> str:
    """The source digest of importing the file at ``path`` as ``kind`` (``replace``: its
    rows replace stored ones, which can leave other data than a plain import). ``sha256``:
    the file's bytes' digest when the importer took it as it read them (else it is read
    again here)."""
    content = file_digest(path) if sha256 is None else sha256
    return source_digest("import", kind, "replace" if replace else "keep", content)


def fingerprint_of(digests: Iterable[str]) -> str:
    """The data fingerprint of a set of source digests (order and repeats do not count)."""
    text = "\n".join(sorted(set(digests)))
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:FINGERPRINT_HEX]


class _Recorded(Protocol):
    """What :func:`store_fingerprint` reads of a store (DuckDB's or HeavyDB's)."""

    def query(self, name: str, params: Mapping[str, object] | None = None) -> pa.Table: ...

    def table_counts(self) -> dict[str, int]: ...


def store_fingerprint(store: _Recorded, *, recording: bool) -> str:
    """The fingerprint of ``store``: of its recorded load sources when it ``recording``
    (``LOADS_FROM_KEY`` set), else (a store from before, opened read-only) of the ``stats``
    digest its first write-mode open will record; the empty set's for a store with no data."""
    if recording:
        digests = [str(d) for d in store.query("load_digests").column("digest").to_pylist()]
    elif any(store.table_counts().values()):
        digests = [stats_digest(store.query("data_stats"))]
    else:
        digests = []
    return fingerprint_of(digests)


def stats_digest(stats: pa.Table) -> str:
    """The source digest of a store's data from its ``data_stats`` rows (one per table:
    tbl, n, ts_lo, ts_hi, close_paise, all integers but the name)."""
    lines = sorted(
        "|".join(str(_integer(row[c])) if c != "tbl" else str(row[c])
                 for c in ("tbl", "n", "ts_lo", "ts_hi", "close_paise"))
        for row in stats.to_pylist())
    return source_digest(STATS_KIND, *lines)


def _integer(value: object) -> int:
    """An integer statistic (NULL of an empty table is 0; a HUGEINT may come as Decimal)."""
    if value is None:
        return 0
    if isinstance(value, int | float | Decimal):
        return int(value)
    raise TypeError(f"a table statistic must be a number, got {value!r}")
