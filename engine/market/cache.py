"""A contract-ordered, memory-mapped copy of a symbol's option bars (market stage).

The store keeps ``option_bars`` in (symbol, ts) order, so a chain at one stamp is a contiguous
range but one contract's path over a week decodes that week for every contract (about 20 ms a
query on a year of 1-minute bars). The cache holds the same rows a second time, in contract
order: one Arrow IPC file per (symbol, interval, expiry), its rows sorted by (strike, right,
ts), with a per-contract offset index in the file's metadata, plus one file of the distinct
option stamps (the grid ``chain_at`` finds "the latest bar at or before ts" on). A leg path is
then an array slice and a ``searchsorted`` (microseconds), and a chain at a bar one
``searchsorted`` per contract of the band.

Why Arrow IPC and not ``.npy``: one file per expiry carries every column and the offset index
together, so a build is published by one atomic rename; ``pyarrow`` (a dependency) maps it
read-only and hands out zero-copy NumPy views, and several processes share the pages.

Built lazily, one expiry on its first use (one store query), once per data version: the
folder is named by the store's data version (bumped by every committed load and by
``posbt data enrich``) and its file size, so an import makes the old copy unreachable, and
the next build removes it. A file is written under a unique temporary name and renamed into
place, so two processes building the same expiry at once both end with a whole file (the
last rename wins; the contents are equal). Values are the store's, exactly: NULLs become
NaN, volume and oi become float64 as the market blocks hold them.

Answers equal the store's queries (tests/unit/market/test_cache.py): ``chain`` equals
``chain_at`` (no-trade rows included, as there), ``path_columns`` equals the ``leg_paths``
rows (traded bars only: a no-trade bar has no price, the last traded one is carried).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import mmap
import os
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.data.store import Store
from engine.domain.structures import Leg
from engine.errors import PosbtError
from engine.home import posbt_home
from engine.market.block import BLOCK_FIELDS, CHAIN_FIELDS
from engine.market.chain import ChainSlice
from engine.market.paths import PATH_FIELDS

FORMAT = 2                      # bump when the file layout changes
FAULT_BYTES = 2 * 2**20         # what one page fault may map: a file's large folio (Linux 6
                                # on ext4 maps 2 MiB for one touched byte; 64 KiB fault-around
                                # on older kernels), counted against RELEASE_BYTES
RELEASE_BYTES = 256 * 2**20     # mapped bytes made resident before they are released
BUILD_ROW_BYTES = 320           # memory a build holds per row: the query's columns and the
                                # sorted copies (1.85M rows of 1-minute NIFTY: about 600 MB)
_US = np.timedelta64(1, "us")


class CacheTooLargeError(PosbtError):
    """An expiry too large to sort into the cache within the memory budget (its reads then
    go to the store, as without a cache)."""


def cache_root(store: Store) -> Path | None:
    """Where the store's option cache lives: beside a DuckDB file (``<file>.optcache``), or
    under ``$POSBT_HOME/cache`` when that folder cannot be written; None for a store with no
    file (in-memory, or a server), which then reads every bar from the store."""
    path = getattr(store, "path", None)
    if not isinstance(path, str) or path == ":memory:" or not Path(path).is_file():
        return None
    beside = Path(path + ".optcache")
    try:
        beside.mkdir(exist_ok=True)
        probe = beside / f".probe-{os.getpid()}-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
        return beside
    except OSError:
        digest = hashlib.sha1(str(Path(path).resolve()).encode()).hexdigest()[:16]
        home = posbt_home() / "cache" / f"optcache-{digest}"
        try:
            home.mkdir(parents=True, exist_ok=True)
        except OSError:
            return None
        return home


def _fingerprint(store: Store) -> str:
    """The data version, the file's size and the data fingerprint: changes with every
    committed load, and tells a store rebuilt at the same path from other sources (the
    same version and, by chance, the same size) from the one the cache was built from."""
    return f"v{store.data_version()}-s{_file_size(store)}-d{store.fingerprint()}"


def _file_size(store: Store) -> int:
    """Bytes of the store's file (0 for a store without one)."""
    path = getattr(store, "path", "")
    return os.stat(path).st_size if isinstance(path, str) and os.path.isfile(path) else 0


def _float_column(table: pa.Table, name: str) -> np.ndarray:
    """A column as float64 with NaN for NULL (the values the market blocks hold)."""
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=float)


PATH_COLUMNS: tuple[str, ...] = tuple(f for f in BLOCK_FIELDS if f in PATH_FIELDS)
CHAIN_COLUMNS: tuple[str, ...] = ("close", *CHAIN_FIELDS)


@dataclass(frozen=True)
class ExpiryBars:
    """One expiry's option bars, twice: in contract order for paths (contract ``c`` owns rows
    ``start[c]:start[c + 1]``, sorted by stamp; contracts sorted by (strike, right)) and in
    time order for chains (rows sorted by (stamp, contract): a chain at a stamp is one
    contiguous range). Only the fields each read needs are kept in each order."""

    strike: np.ndarray                 # float64, one per contract
    right: np.ndarray                  # str, one per contract
    start: np.ndarray                  # int64, n_contracts + 1 offsets
    ts: np.ndarray                     # int64 microseconds, contract order
    values: dict[str, np.ndarray | None]   # PATH_COLUMNS, contract order (None: all NULL)
    t_ts: np.ndarray                   # int64 microseconds, time order
    t_contract: np.ndarray             # int32 contract of each time-ordered row
    chain: dict[str, np.ndarray | None]    # CHAIN_COLUMNS, time order (None: all NULL)
    _index: dict[tuple[float, str], int] = field(default_factory=dict, compare=False,
                                                 repr=False)
    _mapping: mmap.mmap | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({(k, r): c for c, (k, r) in enumerate(
            zip(self.strike.tolist(), self.right.tolist(), strict=True))})

    @property
    def rows(self) -> int:
        """Bars held."""
        return int(self.ts.size)

    def contract(self, strike: float, right: str) -> int:
        """Index of the contract, -1 when the expiry has no bar of it."""
        return self._index.get((float(strike), right), -1)

    def release(self) -> None:
        """Unmap the pages this process touched (they stay in the OS page cache, shared,
        and fault back in on the next read): the kernel maps the neighbours of every page
        a read touches, so without this a long run's resident set grows by pages it never
        reads."""
        advice = getattr(mmap, "MADV_DONTNEED", None)
        if self._mapping is not None and advice is not None and hasattr(self._mapping, "madvise"):
            self._mapping.madvise(advice)

    def rows_at(self, ts_us: int) -> tuple[int, int]:
        """The time-ordered rows [lo, hi) stamped exactly ``ts_us``."""
        return (int(np.searchsorted(self.t_ts, ts_us, side="left")),
                int(np.searchsorted(self.t_ts, ts_us, side="right")))

    # -- build and file ---------------------------------------------------------------------
    @classmethod
    def from_table(cls, table: pa.Table) -> ExpiryBars:
        """Sort the rows of ``option_expiry_rows`` into contract order and time order."""
        n = table.num_rows
        strike = _float_column(table, "strike")
        ts = np.asarray(table.column("ts").to_numpy(), dtype="datetime64[us]").astype(np.int64) \
            if n else np.array([], dtype=np.int64)
        # rights as codes in string order (a dictionary: 1.8M str conversions cost a second)
        enc = pc.dictionary_encode(table.column("right").combine_chunks())
        seen = [str(x) for x in enc.dictionary.to_pylist()]
        names = np.array(sorted(seen), dtype=str)
        rank = np.array([sorted(seen).index(x) for x in seen], dtype=np.int64)
        rcode = rank[np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)] \
            if n else np.array([], dtype=np.int64)
        order = np.lexsort((ts, rcode, strike))
        k_s, r_s, ts_c = strike[order], rcode[order], ts[order]
        new = np.ones(n, dtype=bool)
        if n:
            new[1:] = (k_s[1:] != k_s[:-1]) | (r_s[1:] != r_s[:-1])
        first = np.flatnonzero(new)
        cid = (np.cumsum(new) - 1).astype(np.int32)
        perm = np.lexsort((cid, ts_c))     # (stamp, contract) order of the contract-ordered rows
        t_order = order[perm]              # the same rows as indices into the input
        t_cid = np.ascontiguousarray(cid[perm])

        def kept(name: str, rows: np.ndarray) -> np.ndarray | None:
            col = _float_column(table, name)
            if not (np.isfinite(col).any() or np.isinf(col).any()):
                return None
            return np.ascontiguousarray(col[rows])

        return cls(k_s[first], names[r_s[first]] if n else np.array([], dtype=str),
                   np.r_[first, n].astype(np.int64), np.ascontiguousarray(ts_c),
                   {name: kept(name, order) for name in PATH_COLUMNS},
                   np.ascontiguousarray(ts_c[perm]), t_cid,
                   {name: kept(name, t_order) for name in CHAIN_COLUMNS})

    def write(self, path: Path) -> None:
        """Write to ``path`` atomically (a unique temporary file renamed into place)."""
        cols: dict[str, pa.Array] = {"ts": pa.array(self.ts, type=pa.int64()),
                                     "t_ts": pa.array(self.t_ts, type=pa.int64()),
                                     "t_contract": pa.array(self.t_contract, type=pa.int32())}
        cols.update({name: pa.array(arr, type=pa.float64())
                     for name, arr in self.values.items() if arr is not None})
        cols.update({f"t_{name}": pa.array(arr, type=pa.float64())
                     for name, arr in self.chain.items() if arr is not None})
        meta = json.dumps({"format": FORMAT, "strike": self.strike.tolist(),
                           "right": self.right.tolist(), "start": self.start.tolist()})
        batch = pa.RecordBatch.from_pydict(cols).replace_schema_metadata(
            {b"posbt.contracts": meta.encode()})
        _write_atomic(path, batch)

    @classmethod
    def read(cls, path: Path) -> ExpiryBars:
        """Memory-map a file written by ``write``: the arrays are read-only views of its
        pages, not copies."""
        mapping = _map_readonly(path)
        reader = pa.ipc.open_file(pa.py_buffer(mapping))
        meta = json.loads((reader.schema.metadata or {})[b"posbt.contracts"])
        if meta.get("format") != FORMAT:
            raise ValueError(f"{path}: cache format {meta.get('format')}, expected {FORMAT}")
        batch = reader.get_batch(0)
        names = set(batch.schema.names)

        def view(name: str) -> np.ndarray | None:
            if name not in names:
                return None
            return np.asarray(batch.column(name).to_numpy(zero_copy_only=True))

        def need(name: str) -> np.ndarray:
            got = view(name)
            if got is None:
                raise ValueError(f"{path}: no column {name!r}")
            return got

        return cls(np.array(meta["strike"], dtype=float), np.array(meta["right"], dtype=str),
                   np.array(meta["start"], dtype=np.int64), need("ts"),
                   {n: view(n) for n in PATH_COLUMNS}, need("t_ts"), need("t_contract"),
                   {n: view(f"t_{n}") for n in CHAIN_COLUMNS}, _mapping=mapping)


@dataclass
class CacheStats:
    """What the cache did in this process: expiries built (store queries) and mapped, and the
    seconds spent building."""

    built: int = 0
    mapped: int = 0
    build_seconds: float = 0.0
    mapped_bytes: int = 0


class OptionCache:
    """The contract-ordered option bars of one symbol and interval of one store version."""

    def __init__(self, store: Store, symbol: str, bar_minutes: int, root: Path,
                 budget_bytes: int | None = None) -> None:
        self.store = store
        self.budget_bytes = budget_bytes
        self.symbol = symbol
        self.bar_minutes = bar_minutes
        self.prefix = f"{symbol}-{bar_minutes}m-f{FORMAT}-"
        self.dir = root / (self.prefix + _fingerprint(store))
        self.stats = CacheStats()
        self._expiries: dict[dt.date, ExpiryBars] = {}
        self._stamps: np.ndarray | None = None
        self._resident = 0
        self._too_large: dict[dt.date, CacheTooLargeError] = {}
        self.release_bytes = RELEASE_BYTES

    @classmethod
    def open(cls, store: Store, symbol: str, bar_minutes: int,
             budget_bytes: int | None = None) -> OptionCache | None:
        """The store's cache for ``symbol`` at ``bar_minutes``; None when the store has no
        place for one (then every read goes to the store). A build holds at most about
        ``budget_bytes`` (an expiry that needs more raises ``CacheTooLargeError``)."""
        root = cache_root(store)
        return None if root is None else cls(store, symbol, bar_minutes, root, budget_bytes)

    # -- files ----------------------------------------------------------------------------
    def _ensure_dir(self) -> None:
        if self.dir.is_dir():
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        for old in self.dir.parent.glob(f"{self.symbol}-{self.bar_minutes}m-f*"):
            # older data versions or file formats
            if old != self.dir:
                shutil.rmtree(old, ignore_errors=True)

    def _map(self, path: Path) -> Any:
        self.stats.mapped += 1
        self.stats.mapped_bytes += path.stat().st_size
        return ExpiryBars.read(path)

    def expiry(self, expiry: dt.date) -> ExpiryBars:
        """The expiry's bars, built from the store on first use."""
        got = self._expiries.get(expiry)
        if got is not None:
            return got
        path = self.dir / f"{expiry.isoformat()}.arrow"
        bars: ExpiryBars | None = None
        if path.is_file():
            try:
                bars = self._map(path)
            except (OSError, ValueError, KeyError, pa.ArrowException):
                bars = None          # a file of another format or damaged: build it again
        if bars is None:
            t0 = time.perf_counter()
            key = {"symbol": self.symbol, "bar_minutes": self.bar_minutes, "expiry": expiry}
            if expiry in self._too_large:
                raise self._too_large[expiry]
            if self.budget_bytes is not None:
                n = int(self.store.query("option_expiry_count", key).column("n_rows")[0].as_py())
                if n * BUILD_ROW_BYTES > self.budget_bytes:
                    self._too_large[expiry] = CacheTooLargeError(
                        f"{self.symbol} {expiry} has {n:,} {self.bar_minutes}-minute option bars: "
                        f"sorting them into the option cache needs about "
                        f"{n * BUILD_ROW_BYTES / 2**20:,.0f} MiB, above the budget of "
                        f"{self.budget_bytes / 2**20:,.0f} MiB; its reads go to the store",
                        place="option cache")
                    raise self._too_large[expiry]
            self._ensure_dir()
            table = self.store.query("option_expiry_rows", key)
            ExpiryBars.from_table(table).write(path)
            del table
            self.stats.built += 1
            self.stats.build_seconds += time.perf_counter() - t0
            bars = self._map(path)
        self._expiries[expiry] = bars
        return bars

    def stamps(self) -> np.ndarray:
        """Distinct option stamps of the symbol at the interval (int64 microseconds)."""
        if self._stamps is None:
            path = self.dir / "stamps.arrow"
            if not path.is_file():
                t0 = time.perf_counter()
                self._ensure_dir()
                t = self.store.query("option_stamps", {"symbol": self.symbol,
                                                       "bar_minutes": self.bar_minutes})
                ts = np.asarray(t.column("ts").to_numpy(), dtype="datetime64[us]") \
                    .astype(np.int64) if t.num_rows else np.array([], dtype=np.int64)
                _write_stamps(path, ts)
                self.stats.built += 1
                self.stats.build_seconds += time.perf_counter() - t0
            reader = pa.ipc.open_file(pa.py_buffer(_map_readonly(path)))
            self._stamps = np.asarray(reader.get_batch(0).column("ts").to_numpy())
        return self._stamps

    def build(self, expiries: Sequence[dt.date]) -> None:
        """Build (or map) the stamps and every expiry in ``expiries`` now."""
        self.stamps()
        for e in expiries:
            self.expiry(e)

    def _touched(self, used: Sequence[ExpiryBars], nbytes: int) -> None:
        """Count the mapped bytes a read may have made resident; past ``release_bytes``
        unmap every expiry's pages (``ExpiryBars.release``), so the resident set stays
        bounded however long the run."""
        self._resident += nbytes
        if self._resident > self.release_bytes:
            for bars in self._expiries.values():
                bars.release()
            self._resident = 0

    # -- reads ----------------------------------------------------------------------------
    def last_stamp(self, at: dt.datetime) -> int | None:
        """The latest option stamp at or before ``at`` on ``at``'s day (``chain_at``'s
        ``last_ts``), microseconds; None when the day has none yet."""
        grid = self.stamps()
        at_us = int(np.datetime64(at, "us").astype(np.int64))
        g = int(np.searchsorted(grid, at_us, side="right")) - 1
        day_us = int(np.datetime64(at.date(), "us").astype(np.int64))
        if g < 0 or int(grid[g]) < day_us:
            return None
        return int(grid[g])

    def chain(self, at: dt.datetime, expiries: Sequence[dt.date], strike_lo: float,
              strike_hi: float, touched: list[tuple[Any, ...]] | None = None
              ) -> dict[dt.date, ChainSlice]:
        """The chain at ``at`` per expiry as ``chain_at`` gives it; the (expiry, strike, right,
        ts, ts) of every row read is appended to ``touched`` when given."""
        ts_us = self.last_stamp(at)
        if ts_us is None:
            return {e: _empty_slice() for e in expiries}
        when = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=ts_us)
        out: dict[dt.date, ChainSlice] = {}
        used: list[ExpiryBars] = []
        for e in expiries:
            bars = self.expiry(e)
            used.append(bars)
            lo, hi = bars.rows_at(ts_us)
            cs = np.asarray(bars.t_contract[lo:hi], dtype=np.int64)
            k = bars.strike[cs]
            keep = (k >= strike_lo) & (k <= strike_hi)
            rows = lo + np.flatnonzero(keep)
            cols: dict[str, np.ndarray] = {}
            for name in CHAIN_COLUMNS:
                src = bars.chain[name]
                cols[name] = np.full(rows.size, np.nan) if src is None else src[rows]
            strikes, rights = k[keep], bars.right[cs[keep]]
            out[e] = ChainSlice(strikes, rights if rights.size else np.array([], dtype=str),
                                cols["close"], cols["delta"], volume=cols["volume"],
                                oi=cols["oi"], bid=cols["bid"], ask=cols["ask"])
            if touched is not None:
                touched.extend((e, float(kk), str(r), when, when) for kk, r in
                               zip(strikes.tolist(), rights.tolist(), strict=True))
        self._touched(used, len(used) * (len(CHAIN_COLUMNS) + 4) * FAULT_BYTES)
        return out

    def path_columns(self, legs: Sequence[Leg], ts: np.ndarray
                     ) -> tuple[dict[str, np.ndarray], np.ndarray, int]:
        """Unfilled (bars, legs) matrices of the path fields at stamps ``ts`` (the legs' traded
        bars: the ``leg_paths`` rows), the mask of cells with such a bar, and the rows read."""
        n, m = ts.size, len(legs)
        want = np.asarray(ts, dtype="datetime64[us]").astype(np.int64)
        have = np.zeros((n, m), dtype=bool)
        cols = {c: np.full((n, m), np.nan) for c in PATH_FIELDS}
        read = 0
        used: dict[dt.date, ExpiryBars] = {}
        for j, leg in enumerate(legs):
            bars = used.setdefault(leg.expiry, self.expiry(leg.expiry))
            c = bars.contract(leg.strike, leg.right.value)
            if c < 0 or n == 0:
                continue
            s, e = int(bars.start[c]), int(bars.start[c + 1])
            lo = s + int(np.searchsorted(bars.ts[s:e], want[0]))
            hi = s + int(np.searchsorted(bars.ts[s:e], want[-1], side="right"))
            if hi <= lo:
                continue
            cts = bars.ts[lo:hi]
            pos = np.searchsorted(cts, want)
            clipped = np.minimum(pos, cts.size - 1)
            hit = (pos < cts.size) & (cts[clipped] == want)
            r = np.flatnonzero(hit)
            rows = lo + clipped[r]
            close = bars.values["close"]
            if close is None:
                continue
            traded = np.isfinite(close[rows])
            r, rows = r[traded], rows[traded]
            read += hi - lo
            have[r, j] = True
            for name, arr in cols.items():
                src = bars.values.get(name)
                if src is not None:
                    arr[r, j] = src[rows]
        self._touched(list(used.values()), read * 8 * len(PATH_FIELDS)
                      + len(legs) * (len(PATH_FIELDS) + 3) * FAULT_BYTES)
        return cols, have, read


def _map_readonly(path: Path) -> mmap.mmap:
    """The file memory-mapped read-only (shared pages: every process reads one copy)."""
    with path.open("rb") as f:
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def _empty_slice() -> ChainSlice:
    empty = np.array([], dtype=float)
    return ChainSlice(empty, np.array([], dtype=str), empty, empty, volume=empty, oi=empty,
                      bid=empty, ask=empty)


def _write_stamps(path: Path, ts: np.ndarray) -> None:
    _write_atomic(path, pa.RecordBatch.from_pydict({"ts": pa.array(ts, type=pa.int64())}))


def _write_atomic(path: Path, batch: pa.RecordBatch) -> None:
    """Write ``batch`` as an Arrow IPC file under a unique temporary name, then rename it to
    ``path`` (atomic: a reader sees the old file or the whole new one, never a part)."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}-{uuid.uuid4().hex}.tmp")
    try:
        with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, batch.schema) as w:
            w.write_batch(batch)
        try:
            os.replace(tmp, path)
        except OSError:
            if not path.is_file():   # Windows: a mapped file cannot be replaced; keep it
                raise
    finally:
        tmp.unlink(missing_ok=True)
