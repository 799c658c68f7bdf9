"""The observables of the effect table (engine.config.effects.Observable), from a run.

Each returns a plain, comparable value (tuples of numbers and text; NaN as None), so a row
asserts ``observe(kind, run_a) != observe(kind, run_b)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from engine.config.effects import Observable
from engine.results.result import BacktestResult

from .harness import Run


def _num(x: float | None) -> float | None:
    return None if x is None or math.isnan(x) else round(float(x), 6)


def _col(r: BacktestResult, name: str) -> tuple[float | None, ...]:
    return tuple(_num(float(v)) for v in r.series.column(name))


def _fills(r: BacktestResult) -> tuple[object, ...]:
    return tuple((f.ts, f.leg_id, f.expiry, f.strike, f.right, f.qty_units, _num(f.price_pts),
                  f.kind) for f in r.fills)


def _be(r: BacktestResult) -> tuple[object, ...]:
    adj = tuple((a.ts, tuple(_num(x) for x in a.be_before), tuple(_num(x) for x in a.be_after))
                for a in r.adjustments)
    return (_col(r, "be_lower"), _col(r, "be_upper"), adj)


def _greeks(r: BacktestResult) -> tuple[object, ...]:
    return tuple(_col(r, c) for c in ("delta", "gamma", "vega_inr", "theta_inr", "vega_tw_inr"))


_OF: dict[Observable, Callable[[BacktestResult], object]] = {
    Observable.STRATEGY: lambda r: (r.plan.name, *(t.strategy for t in r.trades)),
    Observable.SYMBOL: lambda r: (r.plan.symbol, *(t.symbol for t in r.trades)),
    Observable.TRADE_COUNT: lambda r: len(r.trades),
    Observable.ENTRIES: lambda r: tuple(t.entry_ts for t in r.trades),
    Observable.EXITS: lambda r: tuple((t.exit_ts, t.exit_reason.value) for t in r.trades),
    Observable.FILLS: _fills,
    Observable.COSTS: lambda r: tuple(_num(f.costs_inr) for f in r.fills),
    Observable.PNL: lambda r: tuple(_num(t.pnl_gross_inr) for t in r.trades),
    Observable.MARGIN: lambda r: tuple(_num(t.margin_inr) for t in r.trades),
    Observable.LOTS: lambda r: tuple((t.lots, t.lot_size) for t in r.trades),
    Observable.SKIPS: lambda r: tuple((s.ts, s.reason) for s in r.skips),
    Observable.ADJUSTMENTS: lambda r: tuple((a.ts, a.rule_id, a.action, a.status, a.reason,
                                             a.closed, a.opened) for a in r.adjustments),
    Observable.BREAKEVENS: _be,
    Observable.GREEKS: _greeks,
    Observable.LOG: lambda r: tuple(r.log),
    Observable.BE_STATS: lambda r: tuple(r.be_stats),
    Observable.EQUITY: lambda r: tuple(_num(v) for v in r.equity_inr),
}


def observe(kind: Observable, run: Run) -> object:
    """The ``kind`` observable of ``run`` (RUNS: the names of the strategies that ran)."""
    if kind is Observable.RUNS:
        return run.ran
    if run.result is None:
        raise AssertionError(f"the run did not happen: {run.refused}")
    return _OF[kind](run.result)


def differing(run_a: Run, run_b: Run, kinds: Iterable[Observable] = Observable) -> list[str]:
    """The observables that differ between two runs (for messages and exploration)."""
    if run_a.result is None or run_b.result is None:
        return [Observable.RUNS.value] if run_a.ran != run_b.ran else []
    return [k.value for k in kinds if observe(k, run_a) != observe(k, run_b)]
