"""Option bars loaded in one scan, as NumPy arrays indexed by (contract, bar) (market stage).

An ``OptionBlock`` holds every option bar of the store inside its ``BlockSpec``: a time window,
a set of expiries and either a strike band with rights or an explicit contract list. Contracts
are sorted by (expiry, strike, right), the order the chain query returns, and bars are the
block's distinct stamps; each field is a (contract, bar) float64 matrix (NaN where the store
has no value), or ``None`` when the whole field is NaN (unenriched greeks cost no memory).
``have`` says which (contract, bar) cells had a row. Chains and leg paths read from it give
exactly what the store's ``chain_at`` and ``leg_paths`` queries give for requests inside the
spec (``covers_*``); the market view falls back to the store outside it.

Blocks save to and load from an Arrow IPC file; loading memory-maps it, so several processes
(analytics sweeps) share one copy of the pages read-only.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from engine.domain.structures import Leg
from engine.market.chain import ChainSlice
from engine.market.paths import PATH_FIELDS

BLOCK_FIELDS: tuple[str, ...] = ("open", "high", "low", "close", "bid", "ask", "volume", "oi",
                                 "iv", "delta", "gamma", "vega", "theta")
CHAIN_FIELDS: tuple[str, ...] = ("delta", "volume", "oi", "bid", "ask")
Contract = tuple[dt.date, float, str]


@dataclass(frozen=True)
class BlockSpec:
    """What a block holds: bars stamped in [ts_from, ts_to] of ``expiries`` with a strike in
    [strike_lo, strike_hi] of ``rights``, or (when ``contracts`` is set) of those contracts only."""

    ts_from: dt.datetime
    ts_to: dt.datetime
    expiries: tuple[dt.date, ...]
    strike_lo: float = -np.inf
    strike_hi: float = np.inf
    rights: tuple[str, ...] = ("CE", "PE")
    contracts: tuple[Contract, ...] | None = None

    def holds(self, expiry: dt.date, strike: float, right: str) -> bool:
        """Whether the contract's bars in the window are all in the block."""
        if self.contracts is not None:
            return (expiry, float(strike), right) in self.contracts
        return expiry in self.expiries and self.strike_lo <= strike <= self.strike_hi and \
            right in self.rights

    def covers_window(self, ts_from: dt.datetime, ts_to: dt.datetime) -> bool:
        """Whether [ts_from, ts_to] lies inside the block's window."""
        return self.ts_from <= ts_from and ts_to <= self.ts_to

    def covers_chain(self, at: dt.datetime, expiries: Sequence[dt.date], strike_lo: float,
                     strike_hi: float) -> bool:
        """Whether a chain request at ``at`` is answered in full by the block."""
        return self.contracts is None and self.covers_window(at, at) and \
            set(expiries) <= set(self.expiries) and self.strike_lo <= strike_lo and \
            strike_hi <= self.strike_hi and set(self.rights) >= {"CE", "PE"}

    def to_json(self) -> str:
        """The spec as JSON text (IPC metadata)."""
        return json.dumps({
            "ts_from": self.ts_from.isoformat(), "ts_to": self.ts_to.isoformat(),
            "expiries": [e.isoformat() for e in self.expiries],
            "strike_lo": self.strike_lo, "strike_hi": self.strike_hi, "rights": list(self.rights),
            "contracts": None if self.contracts is None else
            [[e.isoformat(), k, r] for e, k, r in self.contracts]})

    @classmethod
    def from_json(cls, text: str) -> BlockSpec:
        """The spec written by ``to_json``."""
        d = json.loads(text)
        return cls(dt.datetime.fromisoformat(d["ts_from"]), dt.datetime.fromisoformat(d["ts_to"]),
                   tuple(dt.date.fromisoformat(e) for e in d["expiries"]),
                   float(d["strike_lo"]), float(d["strike_hi"]), tuple(d["rights"]),
                   None if d["contracts"] is None else
                   tuple((dt.date.fromisoformat(e), float(k), str(r)) for e, k, r in d["contracts"]))


@dataclass(frozen=True)
class OptionBlock:
    """Option bars of one spec as (contract, bar) matrices."""

    spec: BlockSpec
    expiry: np.ndarray   # datetime64[D], one per contract
    strike: np.ndarray   # float64
    right: np.ndarray    # str
    grid: np.ndarray     # datetime64[us], the block's distinct bar stamps
    have: np.ndarray     # bool (contract, bar): the store has a row there
    values: dict[str, np.ndarray | None]
    _index: dict[Contract, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        exp = self.expiry.astype("datetime64[D]").tolist()
        self._index.update({(e, float(k), str(r)): n for n, (e, k, r) in
                            enumerate(zip(exp, self.strike.tolist(), self.right.tolist(),
                                          strict=True))})

    @property
    def nbytes(self) -> int:
        """Bytes held by the block's arrays."""
        arrays = [self.expiry, self.strike, self.right, self.grid, self.have,
                  *(v for v in self.values.values() if v is not None)]
        return int(sum(a.nbytes for a in arrays))

    @classmethod
    def from_table(cls, spec: BlockSpec, table: pa.Table) -> OptionBlock:
        """Build from query rows (expiry, strike, right, ts and the fields; any row order)."""
        n = table.num_rows
        expiry = np.asarray(table.column("expiry").to_numpy(), dtype="datetime64[D]") if n \
            else np.array([], dtype="datetime64[D]")
        strike = np.asarray(table.column("strike").to_numpy(), dtype=float)
        right = np.asarray(table.column("right").to_numpy(zero_copy_only=False)).astype(str)
        ts = np.asarray(table.column("ts").to_numpy(), dtype="datetime64[us]") if n \
            else np.array([], dtype="datetime64[us]")
        names, rcode = np.unique(right, return_inverse=True)
        order = np.lexsort((rcode, strike, expiry.astype(np.int64)))
        e_s, k_s, r_s = expiry[order], strike[order], rcode[order]
        new = np.ones(n, dtype=bool)
        if n:
            new[1:] = (e_s[1:] != e_s[:-1]) | (k_s[1:] != k_s[:-1]) | (r_s[1:] != r_s[:-1])
        cid = np.empty(n, dtype=np.int64)
        cid[order] = np.cumsum(new) - 1
        grid = np.unique(ts)
        bar = np.searchsorted(grid, ts)
        shape = (int(new.sum()), grid.size)
        have = np.zeros(shape, dtype=bool)
        have[cid, bar] = True
        values: dict[str, np.ndarray | None] = {}
        for name in BLOCK_FIELDS:
            col = np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=float)
            if not np.isfinite(col).any() and not np.isinf(col).any():
                values[name] = None
                continue
            arr = np.full(shape, np.nan)
            arr[cid, bar] = col
            values[name] = arr
        return cls(spec, e_s[new], k_s[new], names[r_s[new]] if n else right, grid, have, values)

    def contract(self, expiry: dt.date, strike: float, right: str) -> int:
        """Row of the contract in the block, -1 when it has no bar there."""
        return self._index.get((expiry, float(strike), right), -1)

    def field_row(self, name: str, c: int, bars: np.ndarray) -> np.ndarray:
        """Values of field ``name`` of contract ``c`` at block bars ``bars`` (NaN if none)."""
        arr = self.values[name]
        if arr is None or c < 0:
            return np.full(bars.shape, np.nan)
        return np.asarray(arr[c, bars])

    def chain(self, at: dt.datetime, expiries: Sequence[dt.date], strike_lo: float,
              strike_hi: float) -> dict[dt.date, ChainSlice] | None:
        """The chain at ``at`` as ``chain_at`` gives it; None when the block has no bar at ``at``
        (the latest stamp at or before it is then not known here)."""
        g = int(np.searchsorted(self.grid, np.datetime64(at, "us")))
        if g >= self.grid.size or self.grid[g] != np.datetime64(at, "us"):
            return None
        live = self.have[:, g] & (self.strike >= strike_lo) & (self.strike <= strike_hi)
        out: dict[dt.date, ChainSlice] = {}
        for e in expiries:
            m = np.flatnonzero(live & (self.expiry == np.datetime64(e, "D")))
            cols: dict[str, np.ndarray] = {}
            for name in ("close", *CHAIN_FIELDS):
                arr = self.values[name]
                cols[name] = np.full(m.size, np.nan) if arr is None else np.asarray(arr[m, g])
            out[e] = ChainSlice(self.strike[m], self.right[m], cols["close"], cols["delta"],
                                volume=cols["volume"], oi=cols["oi"], bid=cols["bid"],
                                ask=cols["ask"])
        return out

    def path_columns(self, legs: Sequence[Leg], ts: np.ndarray
                     ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Unfilled (bars, legs) matrices of the path fields at timeline stamps ``ts`` and the
        mask of cells with a row (the rows ``leg_paths`` would return)."""
        n, m = ts.size, len(legs)
        pos = np.searchsorted(self.grid, ts)
        clipped = np.minimum(pos, max(self.grid.size - 1, 0))
        on_grid = (pos < self.grid.size) & (self.grid[clipped] == ts) if self.grid.size \
            else np.zeros(n, dtype=bool)
        rows = np.flatnonzero(on_grid)
        bars = pos[rows]
        have = np.zeros((n, m), dtype=bool)
        cols = {c: np.full((n, m), np.nan) for c in PATH_FIELDS}
        for j, leg in enumerate(legs):
            c = self.contract(leg.expiry, leg.strike, leg.right.value)
            if c < 0:
                continue
            hit = self.have[c, bars]
            r, b = rows[hit], bars[hit]
            have[r, j] = True
            for name, arr in cols.items():
                src = self.values[name]
                if src is not None:
                    arr[r, j] = src[c, b]
        return cols, have

    # -- Arrow IPC ----------------------------------------------------------------------
    def save_ipc(self, path: Path) -> Path:
        """Write the block to an Arrow IPC file (one row per contract, fields as fixed-size
        lists over the bars); returns the path."""
        nb = self.grid.size
        cols: dict[str, pa.Array] = {
            "expiry": pa.array(self.expiry.astype("datetime64[D]"), type=pa.date32()),
            "strike": pa.array(self.strike, type=pa.float64()),
            "right": pa.array(self.right.tolist(), type=pa.string()),
            "have": pa.FixedSizeListArray.from_arrays(
                pa.array(self.have.reshape(-1).view(np.uint8), type=pa.uint8()), nb)}
        for name, arr in self.values.items():
            if arr is not None:
                cols[name] = pa.FixedSizeListArray.from_arrays(
                    pa.array(arr.reshape(-1), type=pa.float64()), nb)
        grid = base64.b64encode(self.grid.astype(np.int64).tobytes()).decode()
        meta = {b"posbt.spec": self.spec.to_json().encode(), b"posbt.grid": grid.encode(),
                b"posbt.bars": str(nb).encode()}
        table = pa.table(cols).replace_schema_metadata(meta)
        tmp = path.with_name(path.name + ".tmp")
        with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, table.schema) as w:
            w.write_table(table)
        tmp.replace(path)
        return path

    @classmethod
    def load_ipc(cls, path: Path) -> OptionBlock:
        """Memory-map a block written by ``save_ipc``: the matrices are read-only views of the
        file's pages (shared between processes), not copies."""
        source = pa.memory_map(str(path), "r")
        table = pa.ipc.open_file(source).read_all()
        meta = table.schema.metadata or {}
        nb = int(meta[b"posbt.bars"])
        grid = np.frombuffer(base64.b64decode(meta[b"posbt.grid"]), dtype=np.int64)
        nc = table.num_rows

        def matrix(name: str) -> np.ndarray:
            flat = table.column(name).combine_chunks().values.to_numpy(zero_copy_only=True)
            return np.asarray(flat).reshape(nc, nb)

        values = {name: (matrix(name) if name in table.column_names else None)
                  for name in BLOCK_FIELDS}
        return cls(BlockSpec.from_json(meta[b"posbt.spec"].decode()),
                   np.asarray(table.column("expiry").to_numpy(), dtype="datetime64[D]")
                   if nc else np.array([], dtype="datetime64[D]"),
                   np.asarray(table.column("strike").to_numpy(), dtype=float),
                   np.asarray(table.column("right").to_numpy(zero_copy_only=False)).astype(str),
                   grid.astype("datetime64[us]"), matrix("have").view(bool), values)
