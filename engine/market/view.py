"""The market a run sees (market stage): one object the loop, entries, exits and adjustment
rules read chains and leg paths from; only this module talks to the ``Store``.

The spot timeline, VIX, listed expiries and events are read once per run. Option bars come in
``OptionBlock``s, each loaded by one scan: in ``run`` mode one block holds every bar the run
can touch (all listed expiries, a strike band of ``MarketNeeds.chain_band_steps`` around the
run's spot range, both rights); in ``cycle`` mode a block is loaded per expiry cycle of a
position (from its entry or last adjustment to its front expiry): its legs' contracts or, for a
plan with adjustment rules, a strike band around them over its expiries, so the adjustments of
that cycle read their chains and new legs from memory instead of the store. ``auto`` picks run
mode when the run's block fits ``budget_bytes`` and cycle mode otherwise; asking for run mode
with a budget too small says so and suggests cycle mode. A request outside every loaded block
(a chain wider than the band, an expiry nobody predicted) is answered from the store with the
same query as before, so results never depend on the mode: only speed does.

Every read is stamped: nothing after the decision time is returned by ``chain`` or ``vix_at``;
leg paths are loaded for a window ahead of the decision but the loop only looks at bar i when
deciding at bar i.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import numpy as np
import pyarrow as pa

from engine.data.store import Store
from engine.domain.structures import Leg
from engine.errors import DataMissingError, PosbtError, StoreError
from engine.market.block import BLOCK_FIELDS, BlockSpec, OptionBlock
from engine.market.cache import CacheTooLargeError, OptionCache
from engine.market.chain import ChainSlice
from engine.market.context import ArrayMemo, MarketContext
from engine.market.contracts import ContractInfo
from engine.market.paths import LegPaths, ffill_inplace
from engine.market.timeline import Timeline, to_datetime

MarketMode = Literal["auto", "run", "cycle"]
DEFAULT_BUDGET_BYTES = 768 * 2**20
CELL_BYTES = 8 * len(BLOCK_FIELDS) + 1   # a (contract, bar) cell with every field present
MAX_CYCLE_BLOCKS = 3
_T = TypeVar("_T")


class MarketTooLargeError(PosbtError):
    """The market a run asked to load at once does not fit its memory budget."""


@dataclass(frozen=True)
class MarketNeeds:
    """What a run can read besides its legs' own paths (from the plan, by the simulation)."""

    band_steps: int = 0          # cycle blocks: strikes either side of the legs (adjustments)
    all_rights: bool = False     # cycle blocks: both rights, not only the legs'
    extra_expiries: int = 0      # cycle blocks: the first N listed expiries from the cycle's day
    chain_band_steps: int = 40   # run block: strikes either side of the run's spot range

    @property
    def adjusting(self) -> bool:
        """Whether cycle blocks hold a band (the plan adjusts), not just the legs."""
        return self.band_steps > 0 or self.all_rights or self.extra_expiries > 0


@dataclass
class MarketStats:
    """What the view loaded: scans (one per block), rows, peak bytes held, store chain reads
    outside every block, and seconds spent in the store (block loads and chain reads)."""

    mode: str = "cycle"
    scans: int = 0               # block scans; in cache mode, expiry files mapped
    rows: int = 0
    peak_bytes: int = 0
    chain_reads: int = 0
    seconds: float = 0.0
    cache_builds: int = 0        # cache mode: expiry copies built from the store in this run
    cache_build_seconds: float = 0.0
    touched: list[tuple[Any, ...]] = field(default_factory=list, repr=False)
    # (expiry, strike, right, ts_from, ts_to) of every contract window loaded (the floor query);
    # kept only when the view is asked to (``record_touched``: the benchmark), as a chain read
    # would otherwise add a tuple per row to every run


class MarketView:
    """Reads market data for one symbol and bar interval; the run's only door to the store."""

    def __init__(self, store: Store, symbol: str, bar_minutes: int, vix_symbol: str = "INDIAVIX",
                 *, needs: MarketNeeds | None = None, contracts: ContractInfo | None = None,
                 mode: MarketMode = "auto", budget_bytes: int = DEFAULT_BUDGET_BYTES,
                 record_touched: bool = False, option_cache: bool = True,
                 context: MarketContext | None = None) -> None:
        # ``context``: what the runs of one worker share (its option caches, once-a-run
        # queries and greeks memo); None reads everything afresh
        self.store: Store = context.store if context is not None else store
        self.context = context
        self.memo: ArrayMemo | None = context.greeks if context is not None else None
        self.record_touched = record_touched
        self.symbol = symbol
        self.bar_minutes = bar_minutes
        self.vix_symbol = vix_symbol
        self.needs = needs or MarketNeeds()
        self.contracts = contracts
        self.mode: MarketMode = mode
        self.budget_bytes = budget_bytes
        self.stats = MarketStats()
        self._expiries: list[tuple[dt.date, str]] | None = None
        self._listed_from: dict[dt.date, dt.date | None] = {}
        self._vix: tuple[np.ndarray, np.ndarray] | None = None
        self._run_block: OptionBlock | None = None
        self._blocks: list[OptionBlock] = []
        # auto mode reads option bars from the contract-ordered cache when the store has one
        self._cache: OptionCache | None = None
        if mode == "auto" and option_cache:
            self._cache = OptionCache.open(store, symbol, bar_minutes, budget_bytes) \
                if context is None else context.option_cache(symbol, bar_minutes, budget_bytes)

    # -- once per run ---------------------------------------------------------------------
    def timeline(self, start: dt.date, end: dt.date) -> Timeline:
        """Spot bars from ``start`` 00:00 to ``end`` 23:59 at the run's interval."""
        t = self.store.query("spot_path", {
            "symbol": self.symbol, "bar_minutes": self.bar_minutes,
            "ts_from": dt.datetime.combine(start, dt.time(0, 0)),
            "ts_to": dt.datetime.combine(end, dt.time(23, 59, 59))})
        if t.num_rows == 0:
            raise DataMissingError(
                f"no {self.bar_minutes}-minute {self.symbol} spot bars between {start} and {end}",
                place="spot_bars")
        ts = t.column("ts").to_numpy().astype("datetime64[us]")
        return Timeline(ts=ts, close=t.column("close").to_numpy().astype(float),
                        open=t.column("open").to_numpy().astype(float),
                        days=ts.astype("datetime64[D]"))

    def listed_expiries(self, on: dt.date | None = None) -> list[tuple[dt.date, str]]:
        """The symbol's expiries (date, kind), earliest first: all of them, or with ``on``
        those the exchange lists on that day (expiring on or after it, listed from it or
        earlier: an expiry not yet listed on ``on`` is never offered then). An expiry whose
        listing day the store does not know counts as listed on every day before it."""
        if self._expiries is None:
            t = self.store.query("expiries_from", {"symbol": self.symbol,
                                                   "on_date": dt.date(1900, 1, 1)})
            self._expiries = list(zip(t.column("expiry").to_pylist(), t.column("kind").to_pylist(),
                                      strict=True))
            self._listed_from = self._listing()
        if on is None:
            return self._expiries
        first = self._listed_from
        return [(e, k) for e, k in self._expiries
                if e >= on and ((f := first.get(e)) is None or f <= on)]

    def _listing(self) -> dict[dt.date, dt.date | None]:
        """Each expiry's first listed day from the store (empty for a store written before
        expiries had one: every expiry then counts as always listed)."""
        try:
            t = self.store.query("expiry_listing", {"symbol": self.symbol})
        except StoreError as exc:  # an older store opened read-only: no listed_from column
            if "listed_from" not in str(exc):
                raise
            return {}
        return dict(zip(t.column("expiry").to_pylist(), t.column("listed_from").to_pylist(),
                        strict=True))

    def vix_series(self, start: dt.date, end: dt.date) -> tuple[np.ndarray, np.ndarray]:
        """VIX stamps and closes over the window (intraday interval if stored, else daily)."""
        if self._vix is None:
            span = {"symbol": self.vix_symbol,
                    "ts_from": dt.datetime.combine(start - dt.timedelta(days=10), dt.time(0)),
                    "ts_to": dt.datetime.combine(end, dt.time(23, 59, 59))}
            t = self.store.query("vix_path", {**span, "bar_minutes": self.bar_minutes})
            if t.num_rows == 0:
                t = self.store.query("vix_path", {**span, "bar_minutes": 1440})
            self._vix = (t.column("ts").to_numpy().astype("datetime64[us]"),
                         t.column("close").to_numpy().astype(float))
        return self._vix

    def vix_at(self, ts: np.ndarray, start: dt.date, end: dt.date) -> np.ndarray:
        """VIX close of the latest VIX bar stamped at or before each ``ts`` (NaN if none)."""
        vts, vclose = self.vix_series(start, end)
        idx = np.searchsorted(vts, ts, side="right") - 1
        out = np.full(ts.shape, np.nan)
        ok = idx >= 0
        out[ok] = vclose[idx[ok]]
        return out

    def events(self, start: dt.date, end: dt.date) -> list[tuple[dt.date, str, bool]]:
        """(date, name, blackout_entry) of the symbol's events (and '*' events) in the window."""
        t = self.store.query("events_between", {"symbol": self.symbol, "date_from": start,
                                                "date_to": end})
        return list(zip(t.column("date").to_pylist(), t.column("name").to_pylist(),
                        t.column("blackout_entry").to_pylist(), strict=True))

    def check_options(self, tl: Timeline, expiries: Sequence[dt.date] = (),
                      strikes: tuple[float, float] | None = None) -> None:
        """Raise ``DataMissingError`` naming the missing range when the store has no option bars
        on the run's first day, lacks an expiry the strategy opens that day, or its strikes do
        not hold the strike nearest the centre of the band ``strikes`` (lo, hi) the strategy needs
        (a cheap one-day read)."""
        day = to_datetime(tl.ts[0]).date()
        t = self.store.query("market_day_range", {"symbol": self.symbol,
                                                  "bar_minutes": self.bar_minutes, "day": day})
        label = f"{self.bar_minutes}-minute {self.symbol} option bars"
        if t.num_rows == 0:
            raise DataMissingError(f"no {label} on {day}, the first day of the run; import or "
                                   "generate option chains for the window", place="option_bars")
        have = dict(zip(t.column("expiry").to_pylist(),
                        zip(t.column("strike_lo").to_pylist(), t.column("strike_hi").to_pylist(),
                            strict=True), strict=True))
        missing = [e for e in expiries if e not in have]
        if missing:
            raise DataMissingError(
                f"no {label} of expiry {', '.join(str(e) for e in missing)} on {day}; the store "
                f"holds expiries {', '.join(str(e) for e in sorted(have))}", place="option_bars")
        if strikes is not None:
            # real chains end somewhere: a wing past the listed strikes skips that entry with
            # its reason; only a chain that does not reach the spot at all stops the run
            # real chains end somewhere: a wing past the listed strikes skips that entry with
            # its reason; the run stops only when the chain does not hold the strike nearest
            # the spot (the band's centre)
            centre = 0.5 * (strikes[0] + strikes[1])
            half = 0.5 * self.contracts.strike_step(day) if self.contracts is not None else 0.0
            for e in expiries:
                lo, hi = have[e]
                if not lo - half <= centre <= hi + half:
                    raise DataMissingError(
                        f"the strategy needs {self.symbol} {e} strikes {strikes[0]:g} to "
                        f"{strikes[1]:g} on {day}; the store holds {lo:g} to {hi:g}",
                        place="option_bars")

    def prepare(self, tl: Timeline) -> None:
        """Choose run or cycle mode and, in run mode, load the run's block (one scan); in
        auto mode with an option cache, nothing is loaded: chains and paths are slices."""
        if self._cache is not None:
            self.stats.mode = "cache"
            return
        if self.mode == "cycle":
            self.stats.mode = "cycle"
            return
        spec = self._run_spec(tl)
        estimate = self._estimate_bytes(spec, tl.ts.size) if spec is not None else None
        fits = estimate is not None and estimate <= self.budget_bytes
        if self.mode == "run" and not fits:
            need = "an unknown size (no contract facts)" if estimate is None else \
                f"about {estimate / 2**20:,.0f} MiB"
            raise MarketTooLargeError(
                f"loading the whole run at once needs {need}, above the budget of "
                f"{self.budget_bytes / 2**20:,.0f} MiB; use the per-cycle mode (mode='cycle', "
                "one load per expiry cycle) or raise the budget", place="market")
        if not fits or spec is None:
            self.stats.mode = "cycle"
            return
        self.stats.mode = "run"
        self._run_block = self._load(spec, "market_block")

    # -- chains and leg paths -------------------------------------------------------------
    def chain(self, at: dt.datetime, expiries: Sequence[dt.date], strike_lo: float,
              strike_hi: float) -> dict[dt.date, ChainSlice]:
        """The chain at ``at`` (latest bar at or before it) per expiry."""
        if self._cache is not None:
            got = self._cached(lambda c: c.chain(
                at, expiries, strike_lo, strike_hi,
                self.stats.touched if self.record_touched else None))
            if got is not None:
                return got
        for block in self._loaded():
            if block.spec.covers_chain(at, expiries, strike_lo, strike_hi):
                got = block.chain(at, expiries, strike_lo, strike_hi)
                if got is not None:
                    return got
        self.stats.chain_reads += 1
        t0 = time.perf_counter()
        t = self.store.query("chain_at", {
            "symbol": self.symbol, "bar_minutes": self.bar_minutes, "ts": at,
            "expiries": list(expiries), "strike_lo": strike_lo, "strike_hi": strike_hi})
        self.stats.seconds += time.perf_counter() - t0
        exp = np.array(t.column("expiry").to_pylist(), dtype=object)
        strikes = t.column("strike").to_numpy().astype(float)
        rights = np.array(t.column("right").to_pylist(), dtype=str)
        if self.record_touched:
            self.stats.touched.extend((e, float(k), str(r), ts, ts) for e, k, r, ts in zip(
                exp.tolist(), strikes.tolist(), rights.tolist(), t.column("ts").to_pylist(),
                strict=True))
        closes = t.column("close").to_numpy(zero_copy_only=False).astype(float)
        cols = {c: np.asarray(t.column(c).to_numpy(zero_copy_only=False), dtype=float)
                for c in ("delta", "volume", "oi", "bid", "ask")}
        out: dict[dt.date, ChainSlice] = {}
        for e in expiries:
            m = exp == e
            out[e] = ChainSlice(strikes[m], rights[m], closes[m], cols["delta"][m],
                                volume=cols["volume"][m], oi=cols["oi"][m], bid=cols["bid"][m],
                                ask=cols["ask"][m])
        return out

    def leg_paths(self, legs: Sequence[Leg], timeline: Timeline, i0: int, i1: int) -> LegPaths:
        """Quotes of ``legs`` on timeline bars i0..i1 (inclusive), previous quote carried forward."""
        ts_from, ts_to = to_datetime(timeline.ts[i0]), to_datetime(timeline.ts[i1])
        if self._cache is not None:
            got = self._cached(lambda c: c.path_columns(legs, timeline.ts[i0:i1 + 1]))
            if got is not None:
                cols, have, rows = got
                self.stats.rows += rows
                held = sum(a.nbytes for a in cols.values()) + have.nbytes
                self.stats.peak_bytes = max(self.stats.peak_bytes, held)
                if self.record_touched:
                    self.stats.touched.extend(
                        (leg.expiry, float(leg.strike), leg.right.value, ts_from, ts_to)
                        for leg in legs)
                for arr in cols.values():
                    ffill_inplace(arr)
                return LegPaths(i0=i0, stale=~have, **cols)
        block = next((b for b in self._loaded() if b.spec.covers_window(ts_from, ts_to) and all(
            b.spec.holds(leg.expiry, leg.strike, leg.right.value) for leg in legs)), None)
        if block is None:
            block = self._load_cycle(legs, ts_from, ts_to)
        cols, have = block.path_columns(legs, timeline.ts[i0:i1 + 1])
        for arr in cols.values():
            ffill_inplace(arr)
        return LegPaths(i0=i0, stale=~have, **cols)

    # -- the option cache -----------------------------------------------------------------
    def _cached(self, read: Callable[[OptionCache], _T]) -> _T | None:
        """``read`` on the option cache, with the time and builds counted; None (and the
        cache dropped for the rest of the run, every read going to the store) when the cache
        cannot be written or read (a full disk, a folder gone)."""
        cache = self._cache
        if cache is None:
            return None
        t0 = time.perf_counter()
        before = cache.stats.built, cache.stats.build_seconds, cache.stats.mapped
        try:
            got = read(cache)
        except CacheTooLargeError:
            return None        # this read from the store; the cache keeps serving the rest
        except OSError:
            self._cache = None
            if self.context is not None:
                self.context.drop_cache(self.symbol, self.bar_minutes, self.budget_bytes)
            self.stats.mode = "cycle"
            return None
        self.stats.seconds += time.perf_counter() - t0
        self.stats.cache_builds += cache.stats.built - before[0]
        self.stats.cache_build_seconds += cache.stats.build_seconds - before[1]
        self.stats.scans += cache.stats.mapped - before[2]
        return got

    # -- blocks ---------------------------------------------------------------------------
    def _loaded(self) -> list[OptionBlock]:
        return ([self._run_block] if self._run_block is not None else []) + self._blocks

    def _run_spec(self, tl: Timeline) -> BlockSpec | None:
        if self.contracts is None:
            return None
        first, last = to_datetime(tl.ts[0]), to_datetime(tl.ts[-1])
        step = max(self.contracts.strike_step(first.date()), self.contracts.strike_step(last.date()))
        width = self.needs.chain_band_steps * step
        expiries = tuple(e for e, _ in self.listed_expiries() if e >= first.date())
        return BlockSpec(first, last, expiries, float(np.min(tl.close)) - width,
                         float(np.max(tl.close)) + width)

    def _estimate_bytes(self, spec: BlockSpec, n_bars: int) -> int | None:
        """An upper bound of the block's bytes: bars x contracts the spec can hold."""
        if self.contracts is None:
            return None
        step = self.contracts.strike_step(spec.ts_from.date())
        if spec.contracts is not None:
            n_contracts = len(spec.contracts)
        else:
            live = [e for e in spec.expiries if e >= spec.ts_from.date()]
            strikes = (spec.strike_hi - spec.strike_lo) / step + 1
            n_contracts = int(len(live) * strikes * len(spec.rights))
        return n_bars * n_contracts * CELL_BYTES

    def _load_cycle(self, legs: Sequence[Leg], ts_from: dt.datetime,
                    ts_to: dt.datetime) -> OptionBlock:
        needs = self.needs
        expiries = sorted({leg.expiry for leg in legs})
        if not needs.adjusting or self.contracts is None:
            contracts = tuple(dict.fromkeys((leg.expiry, float(leg.strike), leg.right.value)
                                            for leg in legs))
            spec = BlockSpec(ts_from, ts_to, tuple(expiries), contracts=contracts)
            return self._keep(self._load(spec, "leg_paths"))
        day = ts_from.date()
        if needs.extra_expiries:
            listed = sorted({e for e, _ in self.listed_expiries(day)})
            expiries = sorted(set(expiries) | set(listed[:needs.extra_expiries]))
        width = needs.band_steps * self.contracts.strike_step(day)
        strikes = [float(leg.strike) for leg in legs]
        rights = ("CE", "PE") if needs.all_rights else \
            tuple(sorted({leg.right.value for leg in legs}))
        spec = BlockSpec(ts_from, ts_to, tuple(expiries), min(strikes) - width,
                         max(strikes) + width, rights)
        return self._keep(self._load(spec, "market_block"))

    def _keep(self, block: OptionBlock) -> OptionBlock:
        """Hold the newest cycle blocks only (positions move forward in time)."""
        self._blocks = [b for b in self._blocks if b.spec.ts_to >= block.spec.ts_from]
        self._blocks = [*self._blocks[-(MAX_CYCLE_BLOCKS - 1):], block]
        return block

    def _load(self, spec: BlockSpec, query: str) -> OptionBlock:
        t0 = time.perf_counter()
        params: dict[str, object] = {"symbol": self.symbol, "bar_minutes": self.bar_minutes,
                                     "ts_from": spec.ts_from, "ts_to": spec.ts_to}
        if spec.contracts is not None:
            params.update(expiries=[c[0] for c in spec.contracts],
                          strikes=[c[1] for c in spec.contracts],
                          rights=[c[2] for c in spec.contracts])
        else:
            params.update(expiries=list(spec.expiries), strike_lo=spec.strike_lo,
                          strike_hi=spec.strike_hi, rights=list(spec.rights))
        table: pa.Table = self.store.query(query, params)
        block = OptionBlock.from_table(spec, table)
        held = sum(b.nbytes for b in self._loaded()) + block.nbytes
        self.stats.scans += 1
        self.stats.rows += table.num_rows
        if self.record_touched:
            self.stats.touched.extend((e, k, r, spec.ts_from, spec.ts_to) for e, k, r in zip(
                block.expiry.astype("datetime64[D]").tolist(), block.strike.tolist(),
                block.right.tolist(), strict=True))
        self.stats.peak_bytes = max(self.stats.peak_bytes, held)
        self.stats.seconds += time.perf_counter() - t0
        return block
