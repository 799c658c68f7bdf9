"""Parameter sweeps (analytics stage): specs -> variants -> backtests, resumable.

A sweep names parameters of the PositionalParameter sheet by Excel name (``WingWidthPts``) or
by YAML path (``wing_width_pts``, ``exit_rules.stop_loss``) and gives each a list of values
(``200,400``) or an inclusive range ``start:stop:step`` (``200:600:100`` is 200, 300, 400, 500,
600). The variants are the Cartesian product of the values (the last parameter changes
fastest), or ``samples`` of them drawn without replacement with a seeded generator.

Everything about the specs is checked before anything runs: an unknown name, an empty range, a
value outside the parameter's bounds, or a grid larger than :data:`MAX_VARIANTS` without
``samples`` is a :class:`~engine.errors.PosbtError` naming the parameter. A variant that the
config validation rejects (a combination no single value shows) is listed and skipped.

The backtests run in a process pool (:func:`run_plans`); each worker opens the market store
read-only once. Where the sweep's results are kept and how a resumed sweep skips finished
variants is the caller's business (``engine.api.sweep_file`` and the results store).
"""

from __future__ import annotations

import copy
import difflib
import itertools
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from enum import StrEnum
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from engine.config.merge import nest
from engine.config.registry import ParamInfo, Sheet, by_excel_name, by_path
from engine.data.store import Store
from engine.errors import PosbtError
from engine.results.result import BacktestResult
from engine.strategy.plan import StrategyPlan

MAX_VARIANTS = 10_000
_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


ITEM_LISTS = {Sheet.LEG: "legs", Sheet.ADJUSTMENT: "adjustment_rules"}
_ITEM_NAME = re.compile(r"^(leg|rule)\s*(\d+)\s*\.\s*(.+)$", re.IGNORECASE)
_ITEM_PATH = re.compile(r"^(legs|adjustment_rules)\.(\d+)\.(.+)$")


@dataclass(frozen=True)
class SweepParam:
    """One swept parameter: its name (``WingWidthPts``, ``Leg2.StrikeValue``), field path
    and the values to try. ``item`` is ``("legs", i)`` or ``("adjustment_rules", i)`` (0-based)
    for a LegParameter or AdjustmentRules field of the strategy's i-th leg or rule."""

    excel_name: str
    path: tuple[str, ...]
    values: tuple[Any, ...]
    spec: str
    item: tuple[str, int] | None = None
    place: str = ""


@dataclass(frozen=True)
class Variant:
    """One combination of values, numbered from 0 in grid order."""

    index: int
    values: tuple[Any, ...]

    def overrides(self, params: Sequence[SweepParam],
                  items: Mapping[str, Sequence[Mapping[str, Any]]] | None = None
                  ) -> dict[str, Any]:
        """The runtime-override layer (nested mapping) this variant applies. ``items`` are
        the strategy's own ``legs`` and ``adjustment_rules`` lists (needed when a leg or rule
        field is swept): the layer then holds a copy of the list with the field set, since a
        list in a later layer replaces the whole list."""
        flat: dict[tuple[str, ...], Any] = {}
        lists: dict[str, list[dict[str, Any]]] = {}
        for p, v in zip(params, self.values, strict=True):
            if p.item is None:
                flat[p.path] = v
                continue
            key, i = p.item
            if key not in lists:
                lists[key] = copy.deepcopy([dict(x) for x in (items or {}).get(key, [])])
            if i >= len(lists[key]):
                what = "legs" if key == "legs" else "adjustment rules"
                hint = (" (a subtype's generated legs are swept by its own parameters, such "
                        "as WingWidthPts; LegN names rows of LegParameter or the legs: list)"
                        if not lists[key] and key == "legs" else "")
                raise PosbtError(f"{p.excel_name}: the strategy has {len(lists[key])} "
                                 f"{what}{hint}", place=p.place)
            node = lists[key][i]
            for part in p.path[:-1]:
                node = node.setdefault(part, {})
            node[p.path[-1]] = v
        out = nest(flat)
        out.update(lists)
        return out


def find_param(name: str, place: str | None = None, sheet: Sheet = Sheet.POSITIONAL
               ) -> ParamInfo:
    """The ``sheet`` parameter called ``name`` (Excel name, any case, or dotted YAML path)."""
    key = name.strip()
    excel = by_excel_name(sheet)
    if key in excel:
        return excel[key]
    folded = {k.lower(): v for k, v in excel.items()}
    if key.lower() in folded:
        return folded[key.lower()]
    paths = by_path(sheet)
    path = tuple(part.strip() for part in key.split("."))
    if path in paths:
        return paths[path]
    candidates = list(excel) + [".".join(p) for p in paths]
    close = difflib.get_close_matches(key, candidates, n=3)
    what = "PositionalParameter names or YAML paths, LegN.Name, RuleN.Name" \
        if sheet is Sheet.POSITIONAL else f"{sheet.value} names"
    hint = f"; did you mean {', '.join(close)}?" if close else f" (sweeps take {what})"
    raise PosbtError(f"unknown parameter {name!r}{hint}", place=place or f"--param {name}")


def lookup(name: str, place: str | None = None
           ) -> tuple[ParamInfo, tuple[str, int] | None, str]:
    """``name`` -> (parameter, item, display name). ``Leg2.StrikeValue`` (the strategy's
    second leg: LegParameter rows, or the YAML ``legs:`` list, in order) and ``Rule1.
    PriceMoveThreshold`` (its first adjustment rule) name LegParameter and AdjustmentRules
    fields, as do the YAML paths ``legs.1.strike_value`` and ``adjustment_rules.0.
    price_move_threshold`` (0-based list indices); anything else is a PositionalParameter
    name or path."""
    key = name.strip()
    by_name, by_index = _ITEM_NAME.match(key), _ITEM_PATH.match(key)
    if by_name is None and by_index is None:
        info = find_param(key, place)
        return info, None, info.excel_name
    if by_name is not None:
        sheet = Sheet.LEG if by_name.group(1).lower() == "leg" else Sheet.ADJUSTMENT
        index, field_name = int(by_name.group(2)) - 1, by_name.group(3)
        if index < 0:
            raise PosbtError(f"{key}: legs and rules count from 1", place=place or
                             f"--param {name}")
    else:
        assert by_index is not None
        sheet = Sheet.LEG if by_index.group(1) == "legs" else Sheet.ADJUSTMENT
        index, field_name = int(by_index.group(2)), by_index.group(3)
    info = find_param(field_name, place or f"--param {name}", sheet)
    if info.path in (("leg_id",), ("rule_id",)):
        raise PosbtError(f"{key}: {info.excel_name} names the row; it cannot be swept",
                         place=place or f"--param {name}")
    label = "Leg" if sheet is Sheet.LEG else "Rule"
    return info, (ITEM_LISTS[sheet], index), f"{label}{index + 1}.{info.excel_name}"


def parse_spec(text: str) -> tuple[str, str]:
    """``"Lots=1:3:1"`` -> ``("Lots", "1:3:1")``; a clear error without ``=``."""
    name, sep, spec = text.partition("=")
    if not sep or not name.strip() or not spec.strip():
        raise PosbtError(f"a swept parameter is NAME=VALUES (a list 200,400 or a range "
                         f"200:600:100), got {text!r}", place="--param")
    return name.strip(), spec.strip()


def sweep_param(name: str, spec: str, name_place: str | None = None,
                spec_place: str | None = None) -> SweepParam:
    """Resolve ``name`` and parse ``spec`` into checked values; errors name ``name_place``
    and ``spec_place`` (default ``--param NAME``)."""
    info, item, display = lookup(name, name_place)
    place = spec_place or f"--param {name}"
    if ":" in spec and info.kind in ("int", "float", "float_or_dynamic"):
        values = _range(info, spec, place)
    else:
        items = [s.strip() for s in spec.split(",")]
        if any(not s for s in items):
            raise PosbtError(f"{info.excel_name}: empty value in the list {spec!r}", place=place)
        values = [_value(info, s, place) for s in items]
    for v in values:
        _check_bounds(info, v, place)
    if len(set(map(repr, values))) != len(values):
        raise PosbtError(f"{info.excel_name}: a value is listed twice in {spec!r}", place=place)
    return SweepParam(display, info.path, tuple(values), spec, item, place)


def _number(info: ParamInfo, text: str, place: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise PosbtError(f"{info.excel_name} takes numbers, got {text!r}", place=place) from None
    if not math.isfinite(x):
        raise PosbtError(f"{info.excel_name} takes finite numbers, got {text!r}", place=place)
    return x


def _as_kind(info: ParamInfo, x: float, place: str) -> int | float:
    if info.kind == "int":
        if x != int(x):
            raise PosbtError(f"{info.excel_name} takes whole numbers, got {x:g}", place=place)
        return int(x)
    return x


def _range(info: ParamInfo, spec: str, place: str) -> list[Any]:
    parts = spec.split(":")
    if len(parts) != 3:
        raise PosbtError(f"{info.excel_name}: a range is start:stop:step, got {spec!r}",
                         place=place)
    start, stop, step = (_number(info, p.strip(), place) for p in parts)
    if step <= 0 or stop < start:
        raise PosbtError(f"{info.excel_name}: the range {spec!r} is empty (it needs start <= "
                         "stop and a step above 0)", place=place)
    count = math.floor((stop - start) / step + 1e-9) + 1
    if count > MAX_VARIANTS:
        raise PosbtError(f"{info.excel_name}: the range {spec!r} has {count:,} values; the "
                         f"most one parameter can take is {MAX_VARIANTS:,}", place=place)
    # start + i * step (not repeated addition) so 0.1 steps do not drift
    return [_as_kind(info, round(start + i * step, 10), place) for i in range(count)]


def _value(info: ParamInfo, text: str, place: str) -> Any:
    if info.kind in ("int", "float"):
        return _as_kind(info, _number(info, text, place), place)
    if info.kind == "float_or_dynamic":
        try:
            return float(text)
        except ValueError:
            return text
    if info.kind == "bool":
        low = text.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise PosbtError(f"{info.excel_name} takes TRUE or FALSE, got {text!r}", place=place)
    if info.kind == "enum" and info.choices:
        by_fold = {c.lower(): c for c in info.choices}
        if text.lower() not in by_fold:
            raise PosbtError(f"{info.excel_name} takes one of {', '.join(info.choices)}, got "
                             f"{text!r}", place=place)
        return by_fold[text.lower()]
    return text


def _check_bounds(info: ParamInfo, value: Any, place: str) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return
    if info.ge is not None and value < info.ge:
        raise PosbtError(f"{info.excel_name} = {value:g} is below its minimum {info.ge:g} "
                         f"(allowed: {info.range_text})", place=place)
    if info.le is not None and value > info.le:
        raise PosbtError(f"{info.excel_name} = {value:g} is above its maximum {info.le:g} "
                         f"(allowed: {info.range_text})", place=place)


def grid_size(params: Sequence[SweepParam]) -> int:
    """Number of variants in the full grid."""
    return math.prod(len(p.values) for p in params)


def variants(params: Sequence[SweepParam], *, samples: int | None = None,
             seed: int = 0, max_variants: int = MAX_VARIANTS) -> list[Variant]:
    """The variants to run: the whole grid, or ``samples`` distinct ones drawn at random.

    A grid above ``max_variants`` needs ``samples``; the error names each parameter's count.
    """
    if not params:
        raise PosbtError("a sweep needs at least one parameter (--param NAME=VALUES, rows of "
                         "the workbook's Sweep sheet, or the YAML file's sweep: block)",
                         place="--param")
    names = [p.excel_name for p in params]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        twice = [p for p in params if p.excel_name == dup[0]][-1]
        raise PosbtError(f"parameter {', '.join(dup)} is swept twice", place=_place_of(twice))
    total = grid_size(params)
    if samples is not None:
        if samples < 1:
            raise PosbtError(f"--samples must be at least 1, got {samples}", place="--samples")
        if samples > max_variants:
            raise PosbtError(f"--samples {samples:,} is above the most a sweep runs "
                             f"({max_variants:,})", place="--samples")
        if samples < total:
            rng = np.random.default_rng(seed)
            picks = sorted(int(i) for i in rng.choice(total, size=samples, replace=False))
            return [Variant(i, _decode(params, i)) for i in picks]
    elif total > max_variants:
        sizes = " x ".join(f"{p.excel_name} {len(p.values):,}" for p in params)
        raise PosbtError(f"the sweep has {total:,} variants ({sizes}); the most a full grid "
                         f"runs is {max_variants:,}: pass --samples N to draw N of them",
                         place=_place_of(max(params, key=lambda p: len(p.values))))
    return [Variant(i, tuple(vals))
            for i, vals in enumerate(itertools.product(*(p.values for p in params)))]


def _place_of(p: SweepParam) -> str:
    """Where ``p`` was given: its Sweep cell or YAML line, else ``--param NAME``."""
    return p.place or f"--param {p.excel_name}"


def _decode(params: Sequence[SweepParam], index: int) -> tuple[Any, ...]:
    out: list[Any] = []
    for p in reversed(params):
        index, digit = divmod(index, len(p.values))
        out.append(p.values[digit])
    return tuple(reversed(out))


# ---- running ------------------------------------------------------------------------------


class Executor(StrEnum):
    """Where the variants run."""

    POOL = "pool"   # a process pool on this machine (the default)
    RAY = "ray"     # a Ray cluster (the ``cluster`` extra): local, or ``address``


class SweepStoppedError(PosbtError):
    """A sweep stopped because ``should_stop()`` said so; what finished is kept (a rerun
    resumes from it) and nothing else is written."""


OnProgress = Callable[[int, int], None]
"""``on_progress(done, total)``: variants finished (reused ones included) of those to run."""
ShouldStop = Callable[[], bool]
"""``should_stop() -> bool``: polled between variants; True stops the sweep."""
OnDone = Callable[[int, BacktestResult], None]

_WORKER: dict[str, Any] = {}


def _init_worker(home: str) -> None:
    from engine.data.factory import open_market_store
    from engine.domain.contracts import load_contracts
    from engine.market.context import MarketContext

    _WORKER["store"] = open_market_store(Path(home), read_only=True)
    _WORKER["master"] = load_contracts()
    _WORKER["home"] = home
    # what every variant's run shares: option caches, once-a-run queries, the greeks memo
    # (market data only; the store is read-only while the worker lives)
    _WORKER["context"] = MarketContext(_WORKER["store"])


def _run_one(plan: StrategyPlan) -> BacktestResult:
    from engine.simulation.loop import ContractInfo, run_backtest

    store: Store = _WORKER["store"]
    return run_backtest(plan, store, ContractInfo.from_master(_WORKER["master"], plan.symbol),
                        context=_WORKER.get("context"))


def _run_batch(home: str, batch: Sequence[tuple[int, StrategyPlan]]
               ) -> list[tuple[int, BacktestResult]]:
    """Run a batch of variants in a worker, opening the market there on first use (a pool
    worker keeps it open for every later batch)."""
    if _WORKER.get("home") != home:
        _close_worker()
        _init_worker(home)
    return [(index, _run_one(plan)) for index, plan in batch]


def default_workers() -> int:
    """Worker processes by default: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def batches(items: Sequence[tuple[int, StrategyPlan]], workers: int,
            most: int = 4) -> list[list[tuple[int, StrategyPlan]]]:
    """Split the variants into batches of up to ``most``: about eight batches a worker, so
    the last ones still spread over every worker and a stop waits for little."""
    size = max(1, min(most, math.ceil(len(items) / (8 * max(1, workers)))))
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def warm_option_cache(home: Path, plans: Sequence[StrategyPlan]) -> int:
    """Build the option cache's files the plans will read (their symbol and interval, the
    expiries from the first start to 45 days past the last end) here, once, before workers
    start: otherwise each worker of a new market's first sweep builds the same expiries.
    Returns the expiries built now (0 when the cache had them, or the store has none)."""
    import datetime as dt

    from engine.data.factory import open_market_store
    from engine.market.cache import OptionCache

    built = 0
    store = open_market_store(home, read_only=True)
    try:
        for symbol, minutes in sorted({(p.symbol, p.bar_minutes) for p in plans}):
            mine = [p for p in plans if (p.symbol, p.bar_minutes) == (symbol, minutes)]
            cache = OptionCache.open(store, symbol, minutes)
            if cache is None:
                continue
            first = min(p.start for p in mine)
            last = max(p.end for p in mine) + dt.timedelta(days=45)
            listed = store.query("expiries_from", {"symbol": symbol, "on_date": first})
            for expiry in listed.column("expiry").to_pylist():
                if expiry > last:
                    break
                try:
                    cache.expiry(expiry)
                except (PosbtError, ValueError, KeyError):  # left to the run, as without
                    continue
            built += cache.stats.built
    finally:
        store.close()
    return built


def _stopped(done: int, total: int) -> SweepStoppedError:
    return SweepStoppedError(f"the sweep was stopped after {done} of {total} variants; run it "
                        "again to resume")


def run_plans(plans: Mapping[int, StrategyPlan], home: Path, *, workers: int,
              on_done: OnDone, should_stop: ShouldStop | None = None,
              executor: Executor = Executor.POOL, address: str | None = None) -> None:
    """Backtest each plan (keyed by variant index); ``on_done`` is called in this process,
    as each finishes, so a sweep killed half way keeps what it finished.

    ``workers <= 1`` (pool) runs here, one after another. Otherwise the variants go in small
    batches to ``min(workers, len(plans))`` long-lived workers, each with the market store
    opened once (and the option cache's memory-mapped files, which the workers share through
    the page cache): a spawned process pool, or Ray actors (``executor=RAY``; ``address`` is
    the cluster, None a local Ray of ``workers`` CPUs, or the one already started with
    ``ray.init``). At most one batch a worker plus one more is in flight at a time.
    ``should_stop`` is polled before each variant (here) or as each batch finishes: when it
    returns True the batches not started are dropped, the running ones finish and reach
    ``on_done``, and :class:`SweepStoppedError` is raised.
    """
    if not plans:
        return
    stop = should_stop or (lambda: False)
    items = list(plans.items())
    if executor is Executor.POOL and (workers <= 1 or len(plans) == 1):
        _init_worker(str(home))
        try:
            for n, (index, plan) in enumerate(items):
                if stop():
                    raise _stopped(n, len(items))
                on_done(index, _run_one(plan))
        finally:
            _close_worker()
        return
    n_workers = max(1, min(workers, len(plans)))
    todo = batches(items, n_workers)
    warm_option_cache(home, [plan for _, plan in items])
    if executor is Executor.RAY:
        from engine.analytics.ray_executor import run_batches_on_ray

        run_batches_on_ray(todo, str(home), n_workers, address, on_done, stop, len(items))
        return
    with ProcessPoolExecutor(max_workers=n_workers, mp_context=get_context("spawn"),
                             initializer=_init_worker, initargs=(str(home),)) as pool:
        _drive(todo, lambda b: pool.submit(_run_batch, str(home), b), n_workers + 1,
               on_done, stop, len(items))


def _drive(todo: Sequence[list[tuple[int, StrategyPlan]]],
           submit: Callable[[list[tuple[int, StrategyPlan]]], Future[Any]], in_flight: int,
           on_done: OnDone, stop: ShouldStop, total: int) -> None:
    """Keep ``in_flight`` batches submitted; hand results to ``on_done`` in variant order
    within a batch; on ``stop()`` submit no more, wait for the running ones, then raise."""
    queue = list(reversed(todo))
    running: set[Future[Any]] = set()
    finished, stopping = 0, False
    try:
        while queue or running:
            if queue and not stopping and stop():
                stopping = True
                queue.clear()
            while queue and len(running) < in_flight:
                running.add(submit(queue.pop()))
            if not running:
                break
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                for index, result in future.result():
                    on_done(index, result)
                    finished += 1
    except BaseException:
        for future in running:
            future.cancel()
        raise
    if stopping:
        raise _stopped(finished, total)


def _close_worker() -> None:
    store = _WORKER.pop("store", None)
    if store is not None:
        store.close()
    _WORKER.pop("master", None)
    _WORKER.pop("home", None)
    _WORKER.pop("context", None)


# ---- overfitting checks of a finished sweep ----------------------------------------------


def daily_pnl(dates: Sequence[Any], equity_inr: Sequence[float],
              capital_inr: float) -> dict[str, float]:
    """Net P&L per day (INR) by ISO date: each day's equity less the previous day's (the first
    day's less the starting capital)."""
    eq = np.asarray(equity_inr, dtype=np.float64)
    if eq.size == 0:
        return {}
    pnl = np.diff(eq, prepend=capital_inr)
    return {d.isoformat(): float(x) for d, x in zip(dates, pnl, strict=True)}


def _groups_for(rows: int, most: int = 16) -> int:
    """The largest even number of CSCV groups <= ``most`` with at least 2 rows each (0: none)."""
    s = min(most, rows // 2)
    s -= s % 2
    return s if s >= 2 else 0


def overfitting_table(daily: Mapping[int, Mapping[str, float]]) -> tuple[list[str],
                                                                           list[list[Any]]]:
    """BT_SweepStats: the Deflated Sharpe Ratio of the best variant and the PBO of choosing it.

    ``daily`` maps variant number -> {ISO date: net P&L INR}; the matrix has one row per date
    any variant has (0 where a variant has none) and one column per variant. The per-day
    Sharpe, ``SR_0``, DSR and PBO are :func:`engine.analytics.stats.deflated_sharpe_ratio` and
    :func:`engine.analytics.stats.probability_of_backtest_overfitting` (the most groups up to
    16 that leave 2 days in each)."""
    from engine.analytics.stats import (
        deflated_sharpe_ratio,
        probability_of_backtest_overfitting,
    )

    headers = ["measure", "value", "note"]
    keys = sorted(daily)
    dates = sorted({d for k in keys for d in daily[k]})
    rows: list[list[Any]] = [["variants", len(keys), "distinct finished variants compared"],
                             ["days", len(dates), "rows of the daily P&L matrix"]]
    if len(keys) < 2 or len(dates) < 3:
        rows.append(["note", None, "too few variants (2) or days (3) for the DSR and PBO"])
        return headers, rows
    m = np.array([[daily[k].get(d, 0.0) for k in keys] for d in dates])
    dsr = deflated_sharpe_ratio(m)
    rows += [["best_variant", keys[dsr.best_index], "highest per-day Sharpe"],
             ["best_daily_sharpe", dsr.sharpe, "mean / sd of its daily net P&L"],
             ["expected_max_sharpe", dsr.expected_max_sharpe,
              f"SR_0: the best of {len(keys)} noise trials (Bailey & Lopez de Prado 2014)"],
             ["deflated_sharpe_ratio", dsr.dsr, "P(true Sharpe > SR_0); above 0.95: not luck"]]
    groups = _groups_for(len(dates))
    if groups:
        pbo = probability_of_backtest_overfitting(m, n_groups=groups)
        rows += [["pbo", pbo.pbo, "share of CSCV splits whose in-sample best is at or below "
                  "the out-of-sample median (Bailey et al. 2015); noise ~0.5"],
                 ["pbo_splits", pbo.n_splits, f"C({groups}, {groups // 2})"]]
    return headers, rows


def inert_params(params: Sequence[SweepParam], values_of: Mapping[int, Sequence[Any]],
                 outcome_of: Mapping[int, object]) -> list[str]:
    """The swept parameters that changed nothing: with the other parameters held, every value
    gave the same ``outcome_of`` (a variant's trades: entry times and net P&L). A parameter the
    strategy does not use (an IRON_FLY whose wings are fixed LegParameter rows, swept by
    WingWidthPts) makes a sweep of identical variants that looks like a plateau.

    ``values_of`` and ``outcome_of`` cover the variants that ran (invalid ones left out); a
    parameter is named only if at least one group of held values has two or more of them."""
    inert: list[str] = []
    for i, p in enumerate(params):
        groups: dict[tuple[Any, ...], set[object]] = {}
        sizes: dict[tuple[Any, ...], int] = {}
        for index, vals in values_of.items():
            if index not in outcome_of:
                continue
            held = tuple(v for j, v in enumerate(vals) if j != i)
            groups.setdefault(held, set()).add(outcome_of[index])
            sizes[held] = sizes.get(held, 0) + 1
        compared = [held for held, n in sizes.items() if n >= 2]
        if compared and all(len(groups[held]) == 1 for held in compared):
            inert.append(p.excel_name)
    return inert
