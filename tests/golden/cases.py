"""The golden oracle: what today's engine trades on a short seeded synthetic market.

Every strategy of the template workbook (workbook_templates/posbt_template.xlsx), of
workbook_templates/adjustment_examples.yaml and the four benchmarks/backtest.py cases runs on
a market of ``DAYS`` trading days from the seeded synthetic generator (engine/data/synthetic);
their trades, fills, adjustments, skipped entries and daily equity are written as text rows
(floats by ``repr``, so equality is exact) to ``tests/golden/data/<table>.csv``, one row per
record with the case name first. ``scripts/regen_golden.py`` rewrites the files;
``tests/golden/test_golden.py`` reruns every case and asserts the same rows.

The benchmark cases run on the 5-minute market (their own 1-minute grid would need a market
five times the size); everything else about them is as in benchmarks/backtest.py.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import enum
import io
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from engine.api import plan_for
from engine.config.enums import BarInterval
from engine.config.loader import load_config
from engine.config.models.strategy import StrategyConfig
from engine.data.duckdb_store import DuckDBStore
from engine.data.synthetic.generate import generate_market
from engine.data.synthetic.spec import market_spec
from engine.domain.contracts import load_contracts
from engine.results.result import BacktestResult
from engine.simulation.loop import ContractInfo, run_backtest
from engine.volatility.features import compute_daily_features

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
TEMPLATE = ROOT / "workbook_templates" / "posbt_template.xlsx"
ADJUSTMENT_EXAMPLES = ROOT / "workbook_templates" / "adjustment_examples.yaml"

DAYS = 40            # trading days of 5-minute bars
HISTORY_DAYS = 300   # daily bars before the window: a year of IVP/IVR lookback
INTERVAL_MINUTES = 5
SEED = 7
TABLES = ("trades", "fills", "adjustments", "skips", "equity")


def build_market(path: Path) -> None:
    """Generate the golden market (NIFTY, seeded) and its daily_features into ``path``."""
    store = DuckDBStore(path)
    try:
        spec = market_spec(["NIFTY"], interval_minutes=INTERVAL_MINUTES, days=DAYS,
                           history_days=HISTORY_DAYS, seed=SEED)
        generate_market(spec, store)
        compute_daily_features(store, ["NIFTY"])
        store.checkpoint()
    finally:
        store.close()


def _bench_cases() -> dict[str, dict[str, Any]]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import backtest as bench
    finally:
        sys.path.pop(0)
    return {f"bench_{key}": dict(raw) for key, raw in bench.CASES.items()}


_GATES = ("use_ivp", "use_ivr", "use_atr_percentile", "use_iv_hv_ratio")


def _gated(cfg: StrategyConfig) -> bool:
    return any(getattr(cfg.volatility_filter, g) for g in _GATES)


def case_configs() -> dict[str, StrategyConfig]:
    """Every golden case by name: template:<strategy>, yaml:<strategy>, gates_off:<strategy>
    (a template strategy with a volatility gate, its gates off) and bench_<a..d>."""
    bar = BarInterval(f"{INTERVAL_MINUTES}m")
    out: dict[str, StrategyConfig] = {}
    for prefix, path in (("template", TEMPLATE), ("yaml", ADJUSTMENT_EXAMPLES)):
        for cfg in load_config(path).configs():
            out[f"{prefix}:{cfg.strategy_name}"] = cfg
    for name, cfg in list(out.items()):  # the gated examples again, gates off, so they trade
        if name.startswith("template:") and _gated(cfg):
            raw = cfg.model_dump(mode="json")
            raw["volatility_filter"].update({**dict.fromkeys(_GATES, False),
                                             "analyze_term_structure": False,
                                             "term_structure_type": "ANY",
                                             "volatility_regime": "ANY"})
            out[f"gates_off:{cfg.strategy_name}"] = StrategyConfig.model_validate(raw)
    for name, raw in _bench_cases().items():
        out[name] = StrategyConfig.model_validate(raw)
    return {name: cfg.model_copy(update={"backtest": cfg.backtest.model_copy(
        update={"bar_interval": bar})}) for name, cfg in out.items()}


def run_case(cfg: StrategyConfig, store: DuckDBStore, **market: Any) -> BacktestResult:
    """One case over the whole store window, as ``posbt run`` would run it (``market``: the
    market loading options of ``run_backtest``)."""
    plan = plan_for(cfg, store, None, None)
    return run_backtest(plan, store, ContractInfo.from_master(load_contracts(), plan.symbol),
                        **market)


def fmt(value: Any) -> str:
    """Exact text of a record field: floats by repr, dates ISO, enums by value."""
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(float(value))
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return ";".join(f"{k}={fmt(value[k])}" for k in sorted(value))
    if isinstance(value, tuple | list):
        return "|".join(fmt(v) for v in value)
    if hasattr(value, "item"):  # a numpy scalar
        return fmt(value.item())
    return str(value)


def _records(items: list[Any]) -> Iterator[list[str]]:
    for item in items:
        yield [fmt(getattr(item, f.name)) for f in dataclasses.fields(item)]


def result_rows(result: BacktestResult) -> dict[str, list[list[str]]]:
    """The result as text rows per golden table (without the case column)."""
    return {
        "trades": list(_records(result.trades)),
        "fills": list(_records(result.fills)),
        "adjustments": list(_records(result.adjustments)),
        "skips": list(_records(result.skips)),
        "equity": [[fmt(d), fmt(v)] for d, v in zip(result.equity_dates, result.equity_inr,
                                                     strict=True)],
    }


def header(table: str) -> list[str]:
    """Column names of a golden table."""
    from engine.results.records import AdjustmentRecord, FillRecord, SkipRecord, TradeRecord

    kinds = {"trades": TradeRecord, "fills": FillRecord, "adjustments": AdjustmentRecord,
             "skips": SkipRecord}
    cols = ["date", "equity_inr"] if table == "equity" else \
        [f.name for f in dataclasses.fields(kinds[table])]
    return ["case", *cols]


def to_csv(table: str, rows_by_case: dict[str, list[list[str]]]) -> str:
    """The CSV text of one table over every case (cases in the given order)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header(table))
    for case, rows in rows_by_case.items():
        for row in rows:
            w.writerow([case, *row])
    return buf.getvalue()


def read_golden(table: str) -> dict[str, list[list[str]]]:
    """The stored rows of one golden table by case."""
    out: dict[str, list[list[str]]] = {}
    with (DATA / f"{table}.csv").open(newline="") as f:
        reader = csv.reader(f)
        next(reader)
        for row in reader:
            out.setdefault(row[0], []).append(row[1:])
    return out


def read_cases() -> list[str]:
    """The case names the golden data was written for."""
    return (DATA / "cases.txt").read_text().split()
