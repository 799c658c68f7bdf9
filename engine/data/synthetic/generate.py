"""Build a synthetic market into a store: ``generate_market(spec, store) -> GenerationReport``.

Data stage, the last step of the generator (``spec`` -> ``paths`` -> ``vix``/``surface``
-> ``chain`` -> ``bars``/``days`` -> here -> the store). Per symbol, in symbol order:
instruments and holidays (``engine.data.seed``), the index path over history + window
(scaled so the window opens from ``spot0``),
its listed expiries (source GENERATED), option bars streamed day by day in (symbol, ts)
order in batches of about ``BATCH_ROWS`` rows, then the daily and intraday index bars.
The VIX-like index (``INDIAVIX``) comes from the NIFTY model's volatility state, daily
and at the intraday interval, whichever symbols are asked.

Memory stays bounded because each batch is its own transaction (DuckDB keeps a
transaction's uncommitted rows in memory: one transaction for 100M rows needs tens of
GB). The index bars go in last and mark a symbol complete. Idempotent: a symbol whose
index bars are already stored is skipped and named in the report (nothing is mixed into
existing data), the same for INDIAVIX. Resumable: before a symbol's first batch the
store records ``demo_build = <symbol>`` (``store_meta``) and clears it after the index
bars; a run killed in between leaves option bars without index bars *and* that mark, so
the next run removes that symbol's partial rows (back to the last complete symbol) and
builds it again, and ``posbt data check`` reports the incomplete build meanwhile. Option
bars without index bars and without the mark (imported data) are refused with a message
saying what to do. Stores that offer
``bulk_load()`` (DuckDB) take the rows without the anti-join de-duplication of a normal
load, since a new symbol's rows are new by construction. Pricing and inserting overlap
on two threads (NumPy and DuckDB release the GIL).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Final, Protocol, runtime_checkable

import pyarrow as pa

from engine import __version__
from engine.data.build_state import BUILD_KEY, BookkeepingStore, series_state
from engine.data.fingerprint import source_digest
from engine.data.seed import seed_reference_tables
from engine.data.store import LoadSession, Store
from engine.data.synthetic.bars import (
    bar_stamps,
    index_table,
    point_bar_arrays,
    spot_bar_arrays,
)
from engine.data.synthetic.clock import DAILY_BAR_MINUTES
from engine.data.synthetic.days import DayContext, DayPlan, day_option_rows, plan_days
from engine.data.synthetic.paths import IndexPath, rebased, simulate_index
from engine.data.synthetic.spec import (
    VIX_SOURCE_SYMBOL,
    VIX_SYMBOL,
    GenerationReport,
    MarketSpec,
    SymbolSpec,
    default_symbol_spec,
)
from engine.data.synthetic.vix import vix_from_log_var
from engine.domain.calendar import TradingCalendar, load_calendar
from engine.domain.contracts import ContractMaster, load_contracts
from engine.domain.expiries import Expiry, ExpirySource, expiry_rows
from engine.errors import StoreError

BATCH_ROWS: Final = 1_000_000
Progress = Callable[[int], None]


@runtime_checkable
class BulkLoadingStore(Protocol):
    """A store that can append rows known to be new without de-duplicating them."""

    def bulk_load(self) -> LoadSession:
        """Open a load transaction without the anti-join."""


def _open_bulk(store: Store) -> LoadSession:
    if isinstance(store, BulkLoadingStore):
        return store.bulk_load()
    return store.load()


def vix_present(store: Store) -> bool:
    """True when the store already has daily INDIAVIX bars."""
    rows = store.query("vix_path", {"symbol": VIX_SYMBOL, "bar_minutes": DAILY_BAR_MINUTES,
                                    "ts_from": dt.datetime(1900, 1, 1),
                                    "ts_to": dt.datetime(2999, 12, 31)})
    return bool(rows.num_rows > 0)


def _index_tables(symbol: str, path: IndexPath, plan: DayPlan, interval: int) -> list[pa.Table]:
    tables = [index_table(symbol, DAILY_BAR_MINUTES, bar_stamps(plan.days, DAILY_BAR_MINUTES),
                          spot_bar_arrays(path.log_spot, path.log_high, path.log_low,
                                          DAILY_BAR_MINUTES))]
    if interval != DAILY_BAR_MINUTES:
        h = plan.history_days
        tables.append(index_table(symbol, interval, bar_stamps(plan.window, interval),
                                  spot_bar_arrays(path.log_spot[h:], path.log_high[h:],
                                                  path.log_low[h:], interval)))
    return tables


def vix_tables(path: IndexPath, spec: SymbolSpec, plan: DayPlan, interval: int) -> list[pa.Table]:
    """INDIAVIX bars (daily for every day, intraday over the window) from ``path``."""
    vix = vix_from_log_var(path.log_var, spec)
    tables = [index_table(VIX_SYMBOL, DAILY_BAR_MINUTES, bar_stamps(plan.days, DAILY_BAR_MINUTES),
                          point_bar_arrays(vix, DAILY_BAR_MINUTES))]
    if interval != DAILY_BAR_MINUTES:
        h = plan.history_days
        tables.append(index_table(VIX_SYMBOL, interval, bar_stamps(plan.window, interval),
                                  point_bar_arrays(vix[h:], interval)))
    return tables


class _BackgroundWriter:
    """Writes option batches, one transaction each, on a worker thread while the next
    batch is generated. At most one write is in flight; ``drain`` waits for it and
    re-raises its error."""

    def __init__(self, store: Store, report: GenerationReport) -> None:
        self._store = store
        self._report = report
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="posbt-write")
        self._pending: Future[None] | None = None

    def _write(self, batch: pa.Table) -> None:
        with _open_bulk(self._store) as tx:
            tx.append("option_bars", batch)

    def submit(self, tables: list[pa.Table]) -> None:
        if not tables:
            return
        batch = pa.concat_tables(tables)
        self.drain()
        self._pending = self._pool.submit(self._write, batch)
        self._report.add("option_bars", batch.num_rows)

    def drain(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        try:
            self.drain()
        finally:
            self._pool.shutdown(wait=True)


def demo_digest(spec: MarketSpec, symbol: SymbolSpec, kind: str = "demo") -> str:
    """The source digest of one generated series: the spec with only ``symbol`` (its seed,
    window, interval and model parameters) and the generator's version."""
    one = dataclasses.replace(spec, symbols=(symbol,))
    return source_digest(kind, repr(one), __version__)


def _generate_symbol(ctx: DayContext, store: Store, report: GenerationReport,
                     progress: Progress) -> None:
    symbol = ctx.symbol.symbol
    interval = ctx.spec.interval_minutes
    listed: set[Expiry] = set()
    first_listed: dict[dt.date, dt.date] = {}  # expiry -> first day it is listed
    writer = _BackgroundWriter(store, report)
    try:
        pending: list[pa.Table] = []
        pending_rows = 0
        for i in range(len(ctx.plan.days)):
            intraday = i >= ctx.plan.history_days and interval != DAILY_BAR_MINUTES
            tables, expiries = day_option_rows(ctx, i, intraday)
            listed.update(expiries)
            for e in expiries:
                first_listed.setdefault(e.date, ctx.plan.days[i])
            pending.extend(tables)
            pending_rows += sum(t.num_rows for t in tables)
            if pending_rows >= BATCH_ROWS:
                writer.submit(pending)
                pending, pending_rows = [], 0
            progress(1)
        writer.submit(pending)
    finally:
        writer.close()
    with store.load() as etx:
        etx.append("expiries", expiry_rows(symbol, listed, ExpirySource.GENERATED,
                                           first_listed))
    report.add("expiries", etx.result.inserted.get("expiries", 0))
    with _open_bulk(store) as tx:  # last: index bars mark the symbol complete
        for table in _index_tables(symbol, ctx.path, ctx.plan, interval):
            tx.append("spot_bars", table)
            report.add("spot_bars", table.num_rows)
        tx.record_source(demo_digest(ctx.spec, ctx.symbol), "demo", symbol)


def generate_market(spec: MarketSpec, store: Store, progress: Progress | None = None, *,
                    master: ContractMaster | None = None,
                    calendar: TradingCalendar | None = None) -> GenerationReport:
    """Generate ``spec`` into ``store``; ``progress(n)`` is called as days are done
    (``len(symbols) * (history + window days)`` in all). Symbols already present are
    skipped and listed in ``report.skipped_symbols``."""
    started = time.perf_counter()
    master = master if master is not None else load_contracts()
    calendar = calendar if calendar is not None else load_calendar()
    advance: Progress = progress if progress is not None else (lambda n: None)
    for sym_spec in spec.symbols:
        master.specs(sym_spec.symbol)  # unknown symbol -> ContractError before any write
    plan = plan_days(spec, calendar)
    report = GenerationReport(history_days=plan.history_days, window_days=len(plan.window))
    seeded = seed_reference_tables(store)
    for table in ("instruments", "holidays"):
        report.add(table, seeded.inserted.get(table, 0))
    books = store if isinstance(store, BookkeepingStore) else None
    building = books.get_meta(BUILD_KEY) if books is not None else None
    for sym_spec in sorted(spec.symbols, key=lambda s: s.symbol):
        state = series_state(store, sym_spec.symbol)
        if state == "complete":
            report.skipped_symbols.append(sym_spec.symbol)
            advance(len(plan.days))
            continue
        if state == "partial" and books is not None and building == sym_spec.symbol:
            report.resumed[sym_spec.symbol] = books.discard_symbol(sym_spec.symbol)
            state = "absent"
        if state == "partial":
            raise StoreError(
                f"{sym_spec.symbol} has option bars but no index bars (imported options?); "
                "the generator does not mix into them: import the index bars, or pick other "
                "symbols", place=getattr(store, "path", None))
        if books is not None:
            books.set_meta(BUILD_KEY, sym_spec.symbol)
        path = rebased(simulate_index(sym_spec, len(plan.days), spec.seed, spec.rate),
                       plan.history_days, sym_spec.spot0)
        ctx = DayContext(spec=spec, symbol=sym_spec, path=path, plan=plan, master=master,
                         calendar=calendar)
        _generate_symbol(ctx, store, report, advance)
        if books is not None:
            books.set_meta(BUILD_KEY, None)  # complete: its index bars are in
        report.generated_symbols.append(sym_spec.symbol)
    if vix_present(store):
        report.skipped_symbols.append(VIX_SYMBOL)
    else:
        vix_spec = next((s for s in spec.symbols if s.symbol == VIX_SOURCE_SYMBOL),
                        default_symbol_spec(VIX_SOURCE_SYMBOL))
        vix_path = simulate_index(vix_spec, len(plan.days), spec.seed, spec.rate)
        with _open_bulk(store) as tx:
            for table in vix_tables(vix_path, vix_spec, plan, spec.interval_minutes):
                tx.append("vix_bars", table)
                report.add("vix_bars", table.num_rows)
            tx.record_source(demo_digest(spec, vix_spec, "demo:vix"), "demo:vix", VIX_SYMBOL)
    report.seconds = time.perf_counter() - started
    return report
