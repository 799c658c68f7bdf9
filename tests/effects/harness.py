"""Scenarios of the effect table: a small constructed market and a base strategy each.

The market is the seeded synthetic generator's (engine/data/synthetic): NIFTY and BANKNIFTY,
15-minute bars over 30 trading days from 2025-01-01 (six weekly cycles), a year of daily
history before them (IVP/IVR lookbacks) and daily_features computed, built in ~4 s. Each
scenario is a strategy as a YAML config would write it; a row sets its parameter (and the
row's setup) on a copy, and the run goes through what ``posbt run`` does: the YAML file is
loaded and validated, disabled strategies are left out, the plan is checked against the store
and the backtest runs. Runs are cached by the config's canonical JSON, so rows share baselines.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from engine.api import _pick, plan_for, with_regime_plans
from engine.config.effects import Effect, Scenario
from engine.config.examples import DEMO_STRATEGIES
from engine.config.loader import load_config
from engine.data.duckdb_store import DuckDBStore
from engine.data.synthetic.generate import generate_market
from engine.data.synthetic.spec import market_spec
from engine.domain.contracts import load_contracts
from engine.errors import PosbtError
from engine.results.result import BacktestResult
from engine.simulation.loop import ContractInfo, run_backtest
from engine.volatility.features import compute_daily_features

SYMBOLS = ("NIFTY", "BANKNIFTY")
DAYS = 30
# Events for the blackout rows: the iron fly enters on Fridays 10 Jan, 17 Jan, ... and holds
# through Wednesday 8 Jan; an event on Monday 20 Jan blocks the Friday before it (1 day
# before), one on 13 Feb (after the data) blocks 7 Feb only at 5 days before.
EVENTS = ((dt.date(2025, 1, 8), "Policy"), (dt.date(2025, 1, 20), "Data release"),
          (dt.date(2025, 2, 13), "Budget"))


def build_market(path: Path) -> None:
    """The scenarios' market (seeded) with its daily_features, into ``path``."""
    store = DuckDBStore(path)
    try:
        # each day quotes only its own ATM +/- 20 strikes (keep_listed_strikes off), as thin
        # real data does: legs the index leaves behind lose their quotes, which is what
        # exit_rules.max_quote_age_minutes acts on (with every listed strike quoted for its
        # life, as the demo market now does, no quote ever ages)
        spec = market_spec(list(SYMBOLS), interval_minutes=15, days=DAYS, history_days=300,
                           seed=7, horizon_days=60, keep_listed_strikes=False)
        generate_market(spec, store)
        compute_daily_features(store, list(SYMBOLS))
        with store.load() as tx:
            tx.append("events", pa.table({
                "date": [d for d, _ in EVENTS], "symbol": ["*"] * len(EVENTS),
                "name": [n for _, n in EVENTS], "blackout_entry": [True] * len(EVENTS),
                "blackout_adjustment": [False] * len(EVENTS)}))
        store.checkpoint()
    finally:
        store.close()


def _demo(name: str, **extra: Any) -> dict[str, Any]:
    cfg = copy.deepcopy(DEMO_STRATEGIES[name])
    cfg["strategy_name"] = "Effect"
    cfg["backtest"] = {"bar_interval": "15m"}
    cfg.update(copy.deepcopy(extra))
    return cfg


_ROLL_UP = {"rule_id": "R", "rule_type": "ROLL_UP", "trigger_conditions": ["PRICE_MOVE"],
            "price_move_threshold": 0.004, "max_times_per_position": 2}
_FLY_LEGS = [
    {"leg_id": "SC", "right": "CE", "side": "SELL", "strike_method": "ATM"},
    {"leg_id": "SP", "right": "PE", "side": "SELL", "strike_method": "ATM"},
    {"leg_id": "LC", "right": "CE", "side": "BUY", "strike_method": "ATM_OFFSET_PTS",
     "strike_value": 300, "position_role": "HEDGE"},
    {"leg_id": "LP", "right": "PE", "side": "BUY", "strike_method": "ATM_OFFSET_PTS",
     "strike_value": -300, "position_role": "HEDGE"},
]


def scenario_config(scenario: Scenario) -> dict[str, Any]:
    """The base strategy of ``scenario`` (a fresh dict, as YAML would hold it)."""
    fly, no_be = "Demo_Weekly_IronFly", {"breakeven_config": {"maintain_be_in_adjustments": False}}
    if scenario is Scenario.IRON_FLY:
        return _demo(fly)
    if scenario is Scenario.CALENDAR:
        return _demo("Demo_Weekly_Calendar")
    if scenario is Scenario.IRON_FLY_ADJUSTED:
        return _demo(fly, adjustment_rules=[_ROLL_UP], **no_be)
    if scenario is Scenario.CALENDAR_ADJUSTED:
        return _demo("Demo_Weekly_Calendar", adjustment_rules=[_ROLL_UP], **no_be)
    if scenario is Scenario.LEGS:
        cfg = _demo(fly, strategy_subtype="CUSTOM", legs=_FLY_LEGS)
        del cfg["wing_width_pts"]
        return cfg
    if scenario is Scenario.GATED:
        return _demo(fly, volatility_filter={"use_ivp": True, "ivp_min_entry": 0.0,
                                             "ivp_max_entry": 1.0, "use_ivr": False,
                                             "use_atr_percentile": False,
                                             "use_iv_hv_ratio": False})
    if scenario is Scenario.STRUCTURE:
        return _demo(fly, market_structure={"use_for_entry": True, "proximity_pts": 50},
                     entry_rules={**DEMO_STRATEGIES[fly]["entry_rules"],
                                  "sr_proximity_required": True})
    raise AssertionError(scenario)


def set_path(cfg: dict[str, Any], path: str, value: Any, item: int = 0) -> None:
    """Set the dotted ``path`` in ``cfg`` (``legs.*`` / ``adjustment_rules.*``: row ``item``)."""
    keys = path.split(".")
    target: dict[str, Any] = cfg
    if keys[0] in ("legs", "adjustment_rules") and len(keys) > 1:
        target = cfg[keys[0]][item]
        keys = keys[1:]
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target[keys[-1]] = copy.deepcopy(value)


def row_config(row: Effect, value: Any) -> dict[str, Any]:
    """The scenario's strategy with the row's setup and ``value`` at its path."""
    cfg = scenario_config(row.scenario)
    for path, v in row.setup:
        set_path(cfg, path, v, row.item)
    set_path(cfg, row.path, value, row.item)
    return cfg


@dataclass(frozen=True)
class Run:
    """One run of a config: the strategies `posbt run` ran and the backtest result (None
    when nothing ran, with the refusal)."""

    ran: tuple[str, ...]
    result: BacktestResult | None
    refused: str = ""


class Runner:
    """Runs configs on the scenarios' market, caching each by its canonical JSON."""

    def __init__(self, store: DuckDBStore, workdir: Path) -> None:
        self.store = store
        self.workdir = workdir
        self.contracts = load_contracts()
        self.cache: dict[str, Run] = {}

    def run(self, cfg: dict[str, Any]) -> Run:
        key = json.dumps(cfg, sort_keys=True, default=str)
        if key not in self.cache:
            self.cache[key] = self._run(cfg)
        return self.cache[key]

    def _run(self, cfg: dict[str, Any]) -> Run:
        path = self.workdir / f"cfg{len(self.cache)}.yaml"
        path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
        loaded = load_config(path)
        try:
            picked = _pick(loaded, None, path)
        except PosbtError as exc:
            return Run((), None, str(exc))
        (config,) = picked
        plan = with_regime_plans(plan_for(config, self.store, None, None), loaded, config)
        result = run_backtest(plan, self.store,
                              ContractInfo.from_master(self.contracts, plan.symbol))
        return Run((config.strategy_name,), result)
