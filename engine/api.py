"""The engine's front door: run a config file's strategies end to end.

Used by ``posbt run``, the local server's backtest jobs and the Excel macros (through the server
or in-process). Reads market data read-only, validates the config once (every problem with its
place), checks that the store covers each strategy's window before anything runs, runs each
strategy, writes the results workbook atomically and keeps every run in the results store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from dataclasses import replace as replace_raw
from pathlib import Path
from typing import TYPE_CHECKING

from engine.config.loader import LoadedConfig, load_config
from engine.config.models.strategy import StrategyConfig
from engine.data.factory import open_market_store
from engine.data.store import Store
from engine.domain.contracts import load_contracts
from engine.errors import DataMissingError, PosbtError
from engine.home import results_db_path
from engine.results.excel import check_out_path, write_in_place, write_results
from engine.results.result import BacktestResult
from engine.results.store import ResultsStore, canonical_json, config_hash
from engine.simulation.loop import ContractInfo, run_backtest
from engine.strategy.from_config import BAR_MINUTES, plan_from_config
from engine.strategy.plan import StrategyPlan
from engine.volatility import Regime

if TYPE_CHECKING:
    from engine.analytics.abtest import ABTest, Cycle, SideDetail
    from engine.analytics.attribution import Attribution
    from engine.analytics.portfolio import Portfolio
    from engine.analytics.sensitivity import SensitivityMetric
    from engine.analytics.sweep import Executor, SweepParam, Variant
    from engine.analytics.walkforward import WalkSpec
    from engine.analytics.window_metrics import ClosedTrade
    from engine.domain.contracts import ContractMaster
    from engine.results.excel import SheetWriter

Progress = Callable[[str, float], None]


@dataclass
class RunOutcome:
    """What a run of a config file produced."""

    results: list[BacktestResult] = field(default_factory=list)
    out_path: Path | None = None
    backup_path: Path | None = None
    run_ids: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def default_out_path(config_path: Path) -> Path:
    """``book.xlsx`` -> ``book_results.xlsx`` beside it (YAML too)."""
    return config_path.with_name(f"{config_path.stem}_results.xlsx")


def store_window(store: Store, symbol: str, bar_minutes: int) -> tuple[dt.date, dt.date]:
    """First and last day of spot bars at ``bar_minutes``; DataMissingError when none."""
    row = store.query("spot_range", {"symbol": symbol, "bar_minutes": bar_minutes}).to_pylist()[0]
    if row["first_ts"] is None:
        held = _held_intervals(store, symbol, bar_minutes)
        advice = (f"it holds {symbol} spot bars at {', '.join(held)}: set BarInterval "
                  f"(backtest.bar_interval) to {held[0]}" if held else
                  "build them with `posbt data demo` or import data")
        raise DataMissingError(f"the store has no {_interval_words(bar_minutes)} {symbol} "
                               f"bars; {advice}",
                               place="spot_bars")
    return row["first_ts"].date(), row["last_ts"].date()


def _interval_words(bar_minutes: int) -> str:
    """``daily`` or ``5-minute``: a bar interval as messages name it."""
    return "daily" if bar_minutes == 1440 else f"{bar_minutes}-minute"


def _held_intervals(store: Store, symbol: str, bar_minutes: int) -> list[str]:
    """The bar intervals (``"5m"``, ``"1d"``) at which the store holds spot bars of ``symbol``,
    other than ``bar_minutes``: what a run asking for a missing interval can use instead."""
    return [name for name, minutes in BAR_MINUTES.items() if minutes != bar_minutes
            and store.query("spot_range", {"symbol": symbol, "bar_minutes": minutes}
                            ).to_pylist()[0]["first_ts"] is not None]


def derived_spot_note(store: Store, plan: StrategyPlan) -> str | None:
    """How many of the spot bars in ``plan``'s window are estimates (spot derived from the
    bhavcopy's futures or put-call parity, ``source`` DERIVED_*), or None when none is."""
    rows = store.query("spot_sources", {
        "symbol": plan.symbol, "bar_minutes": plan.bar_minutes,
        "ts_from": dt.datetime.combine(plan.start, dt.time.min),
        "ts_to": dt.datetime.combine(plan.end, dt.time.max)}).to_pylist()
    derived = [(str(r["source"]), int(r["n"])) for r in rows
               if str(r["source"] or "").startswith("DERIVED")]
    if not derived:
        return None
    total = sum(int(r["n"]) for r in rows)
    label = _interval_words(plan.bar_minutes)
    kinds = ", ".join(f"{source} {n}" for source, n in derived)
    return (f"{plan.name}: {sum(n for _, n in derived)} of its {total} {label} {plan.symbol} "
            f"spot bars are estimates ({kinds}), not index closes: `posbt data import spot` "
            "with the index close files makes them exact (`posbt data check` lists them)")


def plan_for(cfg: StrategyConfig, store: Store, date_from: dt.date | None,
             date_to: dt.date | None) -> StrategyPlan:
    """The strategy's plan with its window checked against the store (before anything runs)."""
    bar_minutes = BAR_MINUTES[cfg.backtest.bar_interval.value]
    first, last = store_window(store, cfg.backtest.symbol.value, bar_minutes)
    plan = plan_from_config(cfg, first, last)
    start = date_from or plan.start
    end = date_to or plan.end
    if start < first or end > last:
        raise DataMissingError(
            f"strategy {cfg.strategy_name} asks for {cfg.backtest.symbol.value} "
            f"{cfg.backtest.bar_interval.value} bars from {start} to {end}, but the store holds "
            f"{first} to {last}", place=f"strategy {cfg.strategy_name} (StartDate/EndDate)")
    if end < start:
        raise PosbtError(f"--to {end} is before --from {start}")
    return replace(plan, start=start, end=end)


def with_regime_plans(plan: StrategyPlan, loaded: LoadedConfig, cfg: StrategyConfig
                      ) -> StrategyPlan:
    """``plan`` carrying the plan of each of the strategy's volatility-regime override configs
    (VolatilityOverrides), over the same window; at each entry the regime of that moment picks
    one (``engine.strategy.regimes``). An override may not change the symbol or bar interval."""
    resolved = loaded.strategies.get(cfg.strategy_name)
    if resolved is None or not resolved.by_regime:
        return plan
    out: list[tuple[Regime, StrategyPlan]] = []
    for regime, rcfg in resolved.by_regime.items():
        rplan = replace(plan_from_config(rcfg, plan.start, plan.end), start=plan.start,
                        end=plan.end)
        if (rplan.symbol, rplan.bar_minutes) != (plan.symbol, plan.bar_minutes):
            raise PosbtError(f"the {regime.value} volatility override of {cfg.strategy_name} "
                             "changes the symbol or bar interval; overrides may change what an "
                             "entry opens and how it is managed, not the market it runs on",
                             place=f"strategy {cfg.strategy_name} (VolatilityOverrides)")
        out.append((Regime(regime.value), rplan))
    return replace(plan, regime_plans=tuple(out))


def run_file(config_path: Path, home: Path, *, strategies: Sequence[str] | None = None,
             date_from: dt.date | None = None, date_to: dt.date | None = None,
             out: Path | None = None, in_place: bool = False,
             progress: Progress | None = None, replace: bool = False) -> RunOutcome:
    """Validate, run and write results for the strategies of ``config_path``; an existing
    ``out`` that is not a posbt results workbook is refused unless ``replace``."""
    if not in_place:
        check_out_path(out or default_out_path(config_path), config_path, replace=replace)
    store = open_market_store(home, read_only=True)
    try:
        loaded: LoadedConfig = load_config(config_path, store=store)
        outcome = RunOutcome(warnings=[str(w) for w in loaded.report.warnings])
        plans: list[tuple[StrategyConfig, StrategyPlan]] = []
        problems: list[PosbtError] = []
        for cfg in _pick(loaded, strategies, config_path):
            try:
                plans.append((cfg, with_regime_plans(plan_for(cfg, store, date_from, date_to),
                                                     loaded, cfg)))
            except PosbtError as exc:  # one strategy that cannot run does not stop the others
                problems.append(exc)
                outcome.warnings.append(f"strategy {cfg.strategy_name} not run: {exc}")
        if not plans:
            raise problems[0]
        configs = [cfg for cfg, _ in plans]
        master = load_contracts()
        fingerprint = store.fingerprint()
        for _cfg, plan in plans:
            def step(frac: float, name: str = plan.name) -> None:
                if progress is not None:
                    progress(name, frac)
            spot_note = derived_spot_note(store, plan)  # how much of its spot is estimated
            result = run_backtest(plan, store, ContractInfo.from_master(master, plan.symbol),
                                  on_progress=step)
            if spot_note:  # the command's output and BT_RunLog both say it
                outcome.warnings.append(spot_note)
                result.log.insert(0, spot_note)
            outcome.results.append(result)
            step(1.0)
    finally:
        store.close()
    results_store = ResultsStore(results_db_path(home))
    try:
        for cfg, result in zip(configs, outcome.results, strict=True):
            config_json = canonical_json(cfg.model_dump(mode="json"))
            run_id = results_store.save(result, config_json, fingerprint,
                                        source_file=str(config_path))
            outcome.run_ids.append(run_id)
            result.run_id, result.config_hash = run_id, config_hash(config_json)
            result.data_fingerprint = fingerprint
    finally:
        results_store.close()
    if in_place:
        if config_path.suffix.lower() not in (".xlsx", ".xlsm"):
            raise PosbtError("--in-place needs a workbook input", place=str(config_path))
        outcome.backup_path = write_in_place(outcome.results, config_path)
        outcome.out_path = config_path
    else:
        outcome.out_path = write_results(outcome.results, out or default_out_path(config_path),
                                         source_workbook=config_path)
    results_store = ResultsStore(results_db_path(home))
    try:
        results_store.record_output(outcome.run_ids, outcome.out_path.resolve())
    finally:
        results_store.close()
    return outcome


def _pick(loaded: LoadedConfig, names: Sequence[str] | None, path: Path) -> list[StrategyConfig]:
    configs = [c for c in loaded.configs() if c.enabled]
    if names:
        known = {c.strategy_name: c for c in loaded.configs()}
        missing = [n for n in names if n not in known]
        if missing:
            raise PosbtError(f"no strategy named {', '.join(missing)}; the file has "
                             f"{', '.join(sorted(known)) or 'none'}", place=str(path))
        configs = [known[n] for n in names]
    if not configs:
        raise PosbtError("no enabled strategy to run", place=str(path))
    return configs


# ---- sweeps (posbt sweep) -----------------------------------------------------------------

SweepProgress = Callable[[int, int], None]
SWEEP_METRICS = ("net_pnl_inr", "trades", "win_rate", "sharpe", "sortino", "max_drawdown_inr",
                 "max_drawdown_frac", "profit_factor", "expectancy_inr", "return_on_capital",
                 "costs_paid_inr")


@dataclass
class SweepOutcome:
    """What a sweep produced: one row per variant (BT_Sweep), the variants skipped as invalid,
    how many ran now and how many were found already finished in the results store."""

    table: tuple[list[str], list[list[object]]]
    invalid: list[tuple[int, str]] = field(default_factory=list)
    ran: int = 0
    reused: int = 0
    out_path: Path | None = None
    warnings: list[str] = field(default_factory=list)


def default_sweep_out_path(config_path: Path) -> Path:
    """``book.xlsx`` -> ``book_sweep.xlsx`` beside it (YAML too)."""
    return config_path.with_name(f"{config_path.stem}_sweep.xlsx")


def sweep_file(config_path: Path, home: Path, *, strategy: str | None,
               param_specs: Sequence[str], samples: int | None = None, seed: int = 0,
               out: Path | None = None, replace: bool = False, workers: int | None = None,
               progress: SweepProgress | None = None,
               should_stop: Callable[[], bool] | None = None,
               executor: Executor | None = None, address: str | None = None,
               metric: str = "net_pnl_inr", grids: Sequence[str] = (),
               walk_forward: str | None = None) -> SweepOutcome:
    """Run every variant of a parameter sweep of one strategy of ``config_path``.

    ``progress(done, total)`` is called in this process after each variant finishes (``done``
    counts the ones reused from the results store; ``total`` is the valid variants), once
    with the reused count before any runs. ``should_stop()`` is polled between variants; when
    it returns True the variants not started are dropped, the running ones finish and are
    kept in the results store, nothing is written, and
    :class:`engine.analytics.sweep.SweepStoppedError` (a PosbtError) is raised: a rerun resumes.
    ``executor`` (default the process pool) and ``address`` (a Ray cluster) say where the
    variants run (:func:`engine.analytics.sweep.run_plans`).

    The specs, the base config and every variant are checked before anything runs; a variant
    the validation rejects is listed and skipped. A variant whose validated config already ran
    on this market data and engine version is taken from the results store, so a killed sweep
    resumes where it stopped. The BT_Sweep sheet goes to ``out`` (default
    ``<input>_sweep.xlsx``), with BT_SweepStats, BT_Sensitivity (by ``metric``; ``grids``
    names the ``ROW:COLUMN`` parameter pairs, default every pair) and, with ``walk_forward``
    (``IS:OOS`` months), BT_WalkForward."""
    from dataclasses import asdict
    from math import isfinite

    from engine.analytics.sweep import (
        Executor,
        daily_pnl,
        default_workers,
        inert_params,
        overfitting_table,
        parse_spec,
        run_plans,
        sweep_param,
        variants,
    )
    from engine.analytics.window_metrics import ClosedTrade
    from engine.config.loader import read_source, resolve
    from engine.results.excel import write_sheet_writers, write_table
    from engine.results.store import config_hash

    out_path = out or default_sweep_out_path(config_path)
    check_out_path(out_path, config_path, replace=replace)
    if executor is Executor.RAY:  # the cluster extra missing: say so before anything runs
        from engine.analytics.ray_executor import import_ray

        import_ray()
    raw = read_source(config_path)
    if param_specs:
        params = [sweep_param(*parse_spec(text)) for text in param_specs]
    else:  # the workbook's Sweep sheet or the YAML sweep: block
        if raw.sweep_problems:
            raise PosbtError(raw.sweep_problems[0].message, place=raw.sweep_problems[0].place)
        params = [sweep_param(r.name, r.spec, r.name_place, r.spec_place) for r in raw.sweep]
        settings = raw.sweep_settings
        if strategy is None and "strategy" in settings:
            strategy = settings["strategy"][0]
        samples = samples if samples is not None else _setting_int(settings, "samples", 1)
        workers = workers if workers is not None else _setting_int(settings, "workers", 1)
        if seed == 0 and "seed" in settings:
            seed = _setting_int(settings, "seed", 0) or 0
    todo = variants(params, samples=samples, seed=seed)
    analysis = _check_sweep_analysis(params, metric, grids, walk_forward)
    names = [s.name for s in raw.strategies]
    if strategy is None:
        if len(names) != 1:
            raise PosbtError(f"the file has {len(names)} strategies ({', '.join(names) or 'none'})"
                             "; name one with --strategy", place=str(config_path))
        strategy = names[0]
    if strategy not in names:
        raise PosbtError(f"no strategy named {strategy}; the file has "
                         f"{', '.join(sorted(names)) or 'none'}", place=str(config_path))
    one = replace_raw(raw, strategies=[s for s in raw.strategies if s.name == strategy])
    outcome = SweepOutcome(table=([], []))
    store = open_market_store(home, read_only=True)
    try:
        base = resolve(one, None, store)
        base.report.raise_if_errors()
        outcome.warnings = [str(w) for w in base.report.warnings]
        fingerprint = store.fingerprint()
        good: dict[int, tuple[str, StrategyPlan]] = {}
        strat = one.strategies[0]
        items = {key: strat.leg_layer.get(key) or strat.layer.get(key) or []
                 for key in ("legs", "adjustment_rules")}
        for v in todo:
            loaded = resolve(one, v.overrides(params, items), store)
            if not loaded.report.ok or strategy not in loaded.strategies:
                outcome.invalid.append((v.index, "; ".join(str(p) for p in loaded.report.errors)))
                continue
            cfg = loaded.strategies[strategy].config
            try:
                plan = plan_for(cfg, store, None, None)
            except PosbtError as exc:
                outcome.invalid.append((v.index, str(exc)))
                continue
            good[v.index] = (canonical_json(cfg.model_dump(mode="json")), plan)
    finally:
        store.close()
    if not good:
        first = outcome.invalid[0][1] if outcome.invalid else "no variant"
        raise PosbtError(f"every one of the {len(todo)} variants is invalid; the first: {first}",
                         place="--param")
    if analysis.walk is not None:  # a walk-forward longer than the backtest: before any run
        from engine.analytics.walkforward import check_span

        check_span(analysis.walk, min(p.start for _, p in good.values()),
                   max(p.end for _, p in good.values()))
    metrics: dict[int, dict[str, object]] = {}
    daily: dict[int, dict[str, float]] = {}
    entries: dict[int, list[tuple[dt.datetime, float]]] = {}  # trades: entry time, net P&L
    closed: dict[int, list[ClosedTrade]] = {}  # the same trades, with exit and margin
    results_store = ResultsStore(results_db_path(home))
    try:
        to_run: dict[int, StrategyPlan] = {}
        first_of: dict[str, int] = {}
        for index, (cfg_json, plan) in good.items():
            h = config_hash(cfg_json)
            found = results_store.sweep_variant(h, fingerprint)
            if found is not None:
                metrics[index] = dict(found["metrics"])  # type: ignore[call-overload]
                if h not in first_of:  # the DSR and PBO compare distinct configs
                    first_of[h] = index
                    daily[index] = dict(found["daily_pnl"])  # type: ignore[call-overload]
                    entries[index] = results_store.trade_entries(str(found["run_id"]))
                    closed[index] = [ClosedTrade(*t) for t in
                                     results_store.trade_outcomes(str(found["run_id"]))]
                outcome.reused += 1
            elif h in first_of:  # two variants that validate to one config run once
                pass
            else:
                first_of[h] = index
                to_run[index] = plan
        done = [outcome.reused]
        total = len(good)
        values_of = {v.index: v.values for v in todo}

        def finished(index: int, result: BacktestResult) -> None:
            m = asdict(result.metrics) if result.metrics is not None else {}
            by_name = dict(zip((p.excel_name for p in params), values_of[index], strict=True))
            day_pnl = daily_pnl(result.equity_dates, result.equity_inr, result.plan.capital_inr)
            results_store.save_sweep_variant(result, good[index][0], fingerprint, by_name, m,
                                             source_file=str(config_path), daily_pnl=day_pnl)
            metrics[index] = m
            daily[index] = day_pnl
            entries[index] = [(t.entry_ts, t.pnl_net_inr) for t in result.trades]
            closed[index] = [ClosedTrade(t.entry_ts, t.exit_ts, t.pnl_net_inr, t.margin_inr)
                             for t in result.trades]
            outcome.ran += 1
            done[0] += 1
            if progress is not None:
                progress(done[0], total)

        if progress is not None:
            progress(done[0], total)
        run_plans(to_run, home, workers=workers or default_workers(), on_done=finished,
                  should_stop=should_stop, executor=executor or Executor.POOL,
                  address=address)
    finally:
        results_store.close()
    invalid = dict(outcome.invalid)
    trades_of = {i: tuple(entries.get(first_of[config_hash(good[i][0])], ())) for i in good}
    for name in inert_params(params, {i: values_of[i] for i in good}, trades_of):
        outcome.warnings.append(
            f"{name}: every value gave the same trades and P&L for {strategy}, so this sweep "
            "measures nothing; check that the strategy uses it (an IRON_FLY with its legs on "
            "LegParameter takes its wings from those rows, not from WingWidthPts)")
    headers = ["variant", "status", *(p.excel_name for p in params), "config_hash",
               *SWEEP_METRICS, "problem"]
    rows: list[list[object]] = []
    for v in todo:
        if v.index in invalid:
            rows.append([v.index, "invalid", *v.values, None, *([None] * len(SWEEP_METRICS)),
                         invalid[v.index]])
            continue
        h = config_hash(good[v.index][0])
        m = metrics.get(v.index) or metrics[first_of[h]]
        cells = [m.get(k) for k in SWEEP_METRICS]
        cells = [None if isinstance(c, float) and not isfinite(c) else c for c in cells]
        rows.append([v.index, "done", *v.values, h, *cells, None])
    outcome.table = (headers, rows)
    extra = _sweep_analysis_sheets(analysis, params, todo, invalid, metrics, daily, closed,
                                   {i: first_of[config_hash(good[i][0])] for i in good},
                                   {i: good[i][1] for i in good}, home)
    outcome.out_path = write_sheet_writers(
        [("BT_Sweep", lambda ws: write_table(ws, outcome.table)),
         ("BT_SweepStats", lambda ws: write_table(ws, overfitting_table(daily))), *extra],
        out_path, source_workbook=config_path)
    return outcome


@dataclass(frozen=True)
class _SweepAnalysis:
    """The checked analysis options of a sweep (BT_Sensitivity, BT_WalkForward)."""

    metric: SensitivityMetric
    grids: tuple[str, ...]
    walk: WalkSpec | None


def _setting_int(settings: Mapping[str, tuple[str, str]], key: str, least: int) -> int | None:
    """A whole-number setting row of the Sweep sheet (Samples, Seed, Workers), or None when
    the sheet has none; anything else is an error at its cell."""
    if key not in settings:
        return None
    text, place = settings[key]
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value.is_integer() or value < least:
        raise PosbtError(f"{key.capitalize()} takes a whole number of at least {least}, "
                         f"not {text!r}", place=place)
    return int(value)


def _check_sweep_analysis(params: Sequence[SweepParam], metric: str, grids: Sequence[str],
                          walk_forward: str | None) -> _SweepAnalysis:
    """The sensitivity and walk-forward options, checked before any variant runs."""
    from engine.analytics.sensitivity import grid_pairs, parse_metric
    from engine.analytics.walkforward import parse_walk_spec

    chosen = parse_metric(metric)
    grid_pairs([p.excel_name for p in params], grids)
    walk = parse_walk_spec(walk_forward) if walk_forward is not None else None
    return _SweepAnalysis(chosen, tuple(grids), walk)


def _sweep_analysis_sheets(analysis: _SweepAnalysis, params: Sequence[SweepParam],
                           todo: Sequence[Variant], invalid: Mapping[int, str],
                           metrics: Mapping[int, Mapping[str, object]],
                           daily: Mapping[int, Mapping[str, float]],
                           closed: Mapping[int, Sequence[ClosedTrade]],
                           run_of: Mapping[int, int], plans: Mapping[int, StrategyPlan],
                           home: Path) -> list[tuple[str, SheetWriter]]:
    """BT_Sensitivity (and BT_WalkForward) of a finished sweep; ``run_of`` maps a variant to
    the variant whose run it shares (the same validated config)."""
    from engine.analytics.sensi_sheets import write_note, write_sensitivity, write_walkforward
    from engine.analytics.sensitivity import entry_regimes, sensitivity, sweep_grid
    from engine.analytics.walkforward import walk_forward as walk

    names = [p.excel_name for p in params]
    done = [(v.index, v.values, metrics.get(v.index) or metrics[run_of[v.index]])
            for v in todo if v.index not in invalid]
    try:
        grid = sweep_grid(names, [p.values for p in params], done, analysis.metric)
    except PosbtError as exc:  # no variant has the metric (none traded): the sheet says so
        note = exc.message
        return [("BT_Sensitivity", lambda ws: write_note(ws, note))]
    # daily and closed hold one variant per distinct config (the DSR's), keyed by its number
    wf = walk(daily, analysis.walk, analysis.metric.value, trades=closed,
              capital_inr={i: float(plans[i].capital_inr) for i in daily}) \
        if analysis.walk else None
    trades: dict[int, list[tuple[str, ClosedTrade]]] = {}
    memo: dict[tuple[object, ...], str] = {}
    store = open_market_store(home, read_only=True)
    try:
        for index, _, _ in done:
            own = closed.get(run_of[index], [])
            regimes = entry_regimes(store, plans[index], [t.entry_ts for t in own], memo)
            trades[index] = list(zip(regimes, own, strict=True))
    finally:
        store.close()
    report = sensitivity(grid, pairs=analysis.grids, trades=trades,
                         capital_inr={i: float(plans[i].capital_inr) for i, _, _ in done})
    out: list[tuple[str, SheetWriter]] = [
        ("BT_Sensitivity", lambda ws: write_sensitivity(ws, report))]
    if wf is not None:
        values_of = {v.index: v.values for v in todo}
        out.append(("BT_WalkForward", lambda ws: write_walkforward(ws, wf, names, values_of)))
    return out



# ---- A/B tests (posbt abtest) -------------------------------------------------------------


@dataclass
class ABOutcome:
    """What an A/B test produced: the statistics, the labels, and where they were written."""

    test: ABTest
    label_a: str
    label_b: str
    run_ids: list[str] = field(default_factory=list)
    out_path: Path | None = None


def default_abtest_out_path(config_path: Path) -> Path:
    """``book.xlsx`` -> ``book_abtest.xlsx`` beside it (YAML too)."""
    return config_path.with_name(f"{config_path.stem}_abtest.xlsx")


def abtest_file(config_path: Path, home: Path, strategy_a: str, strategy_b: str | None = None,
                *, param_specs: Sequence[str] = (), cycle: str = "week",
                n_resamples: int = 9999, seed: int = 0, out: Path | None = None,
                replace: bool = False) -> ABOutcome:
    """A/B test strategy ``a`` against ``b``, or against ``a`` with ``param_specs`` changed
    (one value each), on the trades paired by entry cycle; writes BT_ABTest and
    BT_ABTestPairs."""
    from engine.analytics.abtest import (
        Cycle,
        ab_test,
        abtest_table,
        pairs_table,
        pnl_by_cycle,
    )
    from engine.analytics.sweep import Variant, parse_spec, sweep_param
    from engine.config.loader import read_source, resolve
    from engine.results.excel import write_sheets

    out_path = out or default_abtest_out_path(config_path)
    check_out_path(out_path, config_path, replace=replace)
    try:
        how = Cycle(cycle)
    except ValueError:
        raise PosbtError(f"--cycle takes week or month, got {cycle!r}", place="--cycle") from None
    if strategy_b is None and not param_specs:
        raise PosbtError("name strategy B, or change parameters of A with --param NAME=VALUE",
                         place="abtest")
    changed: list[SweepParam] = []
    labels: list[str] = []
    for text in param_specs:
        p = sweep_param(*parse_spec(text))
        if len(p.values) != 1:
            raise PosbtError(f"{p.excel_name}: an A/B test changes a parameter to one value, "
                             f"got {len(p.values)}", place=f"--param {p.excel_name}")
        changed.append(p)
        labels.append(f"{p.excel_name}={p.values[0]}")
    raw = read_source(config_path)
    names = [s.name for s in raw.strategies]
    for name in (strategy_a, strategy_b):
        if name is not None and name not in names:
            raise PosbtError(f"no strategy named {name}; the file has "
                             f"{', '.join(sorted(names)) or 'none'}", place=str(config_path))
    b_name = strategy_b or strategy_a
    # B's layer as a sweep variant builds it: a leg or rule field (Leg3.StrikeValue,
    # legs.2.strike_value) sets that item of B's own legs / adjustment_rules list
    strat_b = next(s for s in raw.strategies if s.name == b_name)
    items = {key: strat_b.leg_layer.get(key) or strat_b.layer.get(key) or []
             for key in ("legs", "adjustment_rules")}
    overrides = Variant(0, tuple(p.values[0] for p in changed)).overrides(changed, items)
    label_a = strategy_a
    label_b = f"{b_name} ({', '.join(labels)})" if labels else b_name
    if label_a == label_b:
        raise PosbtError("A and B are the same strategy with no change", place="abtest")
    results: list[BacktestResult] = []
    configs: list[str] = []
    details: list[SideDetail] = []
    store = open_market_store(home, read_only=True)
    try:
        fingerprint = store.fingerprint()
        master = load_contracts()
        for name, layer in ((strategy_a, None), (b_name, overrides or None)):
            one = replace_raw(raw, strategies=[s for s in raw.strategies if s.name == name])
            loaded = resolve(one, layer, store)
            loaded.report.raise_if_errors()
            cfg = loaded.strategies[name].config
            # the strategy's VolatilityOverrides apply, as in `posbt run`
            plan = with_regime_plans(plan_for(cfg, store, None, None), loaded, cfg)
            results.append(run_backtest(plan, store, ContractInfo.from_master(master,
                                                                              plan.symbol)))
            configs.append(canonical_json(cfg.model_dump(mode="json")))
            details.append(_side_detail(results[-1], store, master, how))
    finally:
        store.close()
    side_a, side_b = (pnl_by_cycle(((t.entry_ts, t.pnl_net_inr) for t in r.trades), how)
                      for r in results)
    test = ab_test(side_a, side_b, n_resamples=n_resamples, seed=seed, label_a=label_a,
                   label_b=label_b)
    outcome = ABOutcome(test, label_a, label_b)
    results_store = ResultsStore(results_db_path(home))
    try:
        for cfg_json, result in zip(configs, results, strict=True):
            outcome.run_ids.append(results_store.save(result, cfg_json, fingerprint,
                                                      source_file=str(config_path)))
    finally:
        results_store.close()
    outcome.out_path = write_sheets(
        [("BT_ABTest", abtest_table(test, label_a, label_b, (details[0], details[1]))),
         ("BT_ABTestPairs", pairs_table(test))], out_path, source_workbook=config_path)
    return outcome


def _side_detail(result: BacktestResult, store: Store, master: ContractMaster, how: Cycle
                 ) -> SideDetail:
    """One A/B side's trade P&L, P&L by entry regime and, when it has a volatility filter,
    what the filter cost or saved (the same plan run again with the filter off)."""
    from engine.analytics.abtest import (
        SideDetail,
        filter_value,
        pnl_by_cycle,
        regime_buckets,
        volatility_gates,
        without_volatility_filter,
    )
    from engine.analytics.attribution import entry_conditions

    conditions = entry_conditions(result, store)
    gates = volatility_gates(result.plan)
    value = None
    if gates is not None:
        plan = without_volatility_filter(result.plan)
        free = run_backtest(plan, store, ContractInfo.from_master(master, plan.symbol))
        value = filter_value(gates, pnl_by_cycle(((t.entry_ts, t.pnl_net_inr)
                                                  for t in result.trades), how),
                             pnl_by_cycle(((t.entry_ts, t.pnl_net_inr) for t in free.trades),
                                          how))
    return SideDetail([t.pnl_net_inr for t in result.trades],
                      regime_buckets((c.regime, c.pnl_inr) for c in conditions), value)


# ---- attribution and portfolio (posbt attribution, posbt portfolio) -----------------------


@dataclass
class AnalysisRuns:
    """The strategies of a file run for an analysis, with their run ids and warnings."""

    results: list[BacktestResult] = field(default_factory=list)
    run_ids: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _run_for_analysis(config_path: Path, home: Path, names: Sequence[str] | None,
                      after: Callable[[list[BacktestResult], Store], None]) -> AnalysisRuns:
    """Run the named (else every enabled) strategy of ``config_path`` as ``posbt run`` would
    (an unknown name is an error naming the file's strategies), call ``after`` with the
    results while the market store is still open, then keep the runs in the results store."""
    runs = AnalysisRuns()
    configs: list[str] = []
    store = open_market_store(home, read_only=True)
    try:
        loaded: LoadedConfig = load_config(config_path, store=store)
        runs.warnings = [str(w) for w in loaded.report.warnings]
        master = load_contracts()
        fingerprint = store.fingerprint()
        for cfg in _pick(loaded, names, config_path):
            plan = with_regime_plans(plan_for(cfg, store, None, None), loaded, cfg)
            runs.results.append(run_backtest(plan, store, ContractInfo.from_master(
                master, plan.symbol)))
            configs.append(canonical_json(cfg.model_dump(mode="json")))
        after(runs.results, store)
    finally:
        store.close()
    results_store = ResultsStore(results_db_path(home))
    try:
        for cfg_json, result in zip(configs, runs.results, strict=True):
            runs.run_ids.append(results_store.save(result, cfg_json, fingerprint,
                                                   source_file=str(config_path)))
    finally:
        results_store.close()
    return runs


@dataclass
class AttributionOutcome:
    """What ``posbt attribution`` produced: one attribution per strategy, and the workbook."""

    items: list[Attribution]
    runs: AnalysisRuns
    out_path: Path | None = None


def default_analysis_out_path(config_path: Path, what: str) -> Path:
    """``book.xlsx`` -> ``book_<what>.xlsx`` beside it (YAML too)."""
    return config_path.with_name(f"{config_path.stem}_{what}.xlsx")


def attribution_file(config_path: Path, home: Path, strategies: Sequence[str] | None = None,
                     *, out: Path | None = None, replace: bool = False) -> AttributionOutcome:
    """Backtest the strategies of ``config_path`` (or those named) and attribute each one's P&L
    to the conditions at entry; writes BT_Attribution and BT_AttributionTrades."""
    from engine.analytics.attrib_sheets import write_attribution
    from engine.analytics.attribution import attribute, conditions_table, entry_conditions
    from engine.results.excel import write_sheet_writers, write_table

    out_path = out or default_analysis_out_path(config_path, "attribution")
    check_out_path(out_path, config_path, replace=replace)
    items: list[Attribution] = []

    def after(results: list[BacktestResult], store: Store) -> None:
        items.extend(attribute(r.plan.name, entry_conditions(r, store)) for r in results)

    runs = _run_for_analysis(config_path, home, strategies, after)
    outcome = AttributionOutcome(items, runs)
    table = conditions_table(items)
    outcome.out_path = write_sheet_writers(
        [("BT_Attribution", lambda ws: write_attribution(ws, items)),
         ("BT_AttributionTrades", lambda ws: write_table(ws, table))],
        out_path, source_workbook=config_path)
    return outcome


@dataclass
class PortfolioOutcome:
    """What ``posbt portfolio`` produced: the combined book and the workbook."""

    portfolio: Portfolio
    runs: AnalysisRuns
    out_path: Path | None = None


def portfolio_file(config_path: Path, home: Path, strategies: Sequence[str] | None = None,
                   *, out: Path | None = None, replace: bool = False) -> PortfolioOutcome:
    """Backtest the strategies of ``config_path`` (or those named) and combine them into one
    portfolio; writes BT_Portfolio."""
    from engine.analytics.attrib_sheets import write_portfolio
    from engine.analytics.portfolio import portfolio
    from engine.results.excel import write_sheet_writers

    out_path = out or default_analysis_out_path(config_path, "portfolio")
    check_out_path(out_path, config_path, replace=replace)
    runs = _run_for_analysis(config_path, home, strategies, lambda _r, _s: None)
    book = portfolio(runs.results)
    outcome = PortfolioOutcome(book, runs)
    outcome.out_path = write_sheet_writers([("BT_Portfolio", lambda ws: write_portfolio(ws, book))],
                                           out_path, source_workbook=config_path)
    return outcome
