"""The engine's front door: run a config file's strategies end to end.

Used by ``posbt run``, the local server's backtest jobs and the Excel macros (through the server
or in-process). Reads market data read-only, validates the config once (every problem with its
place), checks that the store covers each strategy's window before anything runs, runs each
strategy, writes the results workbook atomically and keeps every run in the results store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

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
        label = "daily" if bar_minutes == 1440 else f"{bar_minutes}-minute"
        raise DataMissingError(f"the store has no {label} {symbol} bars; build them with "
                               "`posbt data demo` or import data", place="spot_bars")
    return row["first_ts"].date(), row["last_ts"].date()


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
        fingerprint = f"data_version={store.data_version()}"
        for _cfg, plan in plans:
            def step(frac: float, name: str = plan.name) -> None:
                if progress is not None:
                    progress(name, frac)
            result = run_backtest(plan, store, ContractInfo.from_master(master, plan.symbol),
                                  on_progress=step)
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
