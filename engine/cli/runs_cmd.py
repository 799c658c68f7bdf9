"""``posbt runs``: the runs kept in results.duckdb: list them, show one, compare two."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import click

from engine.cli.common import console, get_ctx, reports_errors

if TYPE_CHECKING:
    from rich.console import Console

    from engine.results.store import ResultsStore

# (label, metric field, format) shown by show and compare
HEADLINES: tuple[tuple[str, str, str], ...] = (
    ("Net P&L", "net_pnl_inr", "inr"), ("Return on capital", "return_on_capital", "pct"),
    ("CAGR", "cagr", "pct"), ("Max drawdown", "max_drawdown_inr", "inr"),
    ("Max drawdown %", "max_drawdown_frac", "pct"),
    ("Max drawdown duration (days)", "max_drawdown_days", "int"),
    ("Sharpe", "sharpe", "ratio"), ("Sortino", "sortino", "ratio"), ("Calmar", "calmar", "ratio"),
    ("Trades", "trades", "int"), ("Win rate", "win_rate", "pct"),
    ("Average win", "avg_win_inr", "inr"), ("Average loss", "avg_loss_inr", "inr"),
    ("Largest win", "largest_win_inr", "inr"), ("Largest loss", "largest_loss_inr", "inr"),
    ("Longest win streak", "max_win_streak", "int"),
    ("Longest loss streak", "max_loss_streak", "int"),
    ("Profit factor", "profit_factor", "ratio"), ("Expectancy per trade", "expectancy_inr", "inr"),
    ("Adjustments per trade", "adjustments_per_trade", "ratio"),
    ("Costs", "costs_paid_inr", "inr"))


def fmt(v: Any, kind: str) -> str:
    """A metric as a trader reads it; n/a when undefined or not stored."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    if kind == "inr":
        return f"{v:,.0f}"
    if kind == "pct":
        return f"{v:.2%}"
    if kind == "ratio":
        return f"{v:.2f}"
    return f"{int(v):,}"


def _out() -> Console:
    """The console; piped (not a terminal), wide enough for every column."""
    out = console()
    if not out.is_terminal:
        out.width = 220
    return out


def _store() -> ResultsStore:
    from engine.home import results_db_path
    from engine.results.store import ResultsStore

    return ResultsStore(results_db_path(get_ctx().home))


@click.group("runs")
def runs() -> None:
    """List, show and compare the runs kept in results.duckdb."""


@runs.command("list")
@click.option("--limit", type=int, default=50, show_default=True, help="Newest runs shown.")
@reports_errors
def list_runs(limit: int) -> None:
    """Every run, newest first: id, strategy, window, config hash, data fingerprint and
    headline metrics."""
    from rich.table import Table

    store = _store()
    try:
        rows = store.runs()[:limit]
        metrics = {str(r["run_id"]): store.metrics(str(r["run_id"])) for r in rows}
    finally:
        store.close()
    if not rows:
        console().print("no runs yet: `posbt run CONFIG` keeps each run here")
        return
    table = Table("run", "started", "strategy", "symbol", "config hash", "data", "trades",
                  "net P&L", "max DD", "win rate", "Sharpe")
    for r in rows:
        m = metrics[str(r["run_id"])]
        table.add_row(str(r["run_id"]), f"{r['started_at']:%Y-%m-%d %H:%M}", str(r["strategy"]),
                      str(r["symbol"]), str(r["config_hash"]), str(r["data_fingerprint"]),
                      fmt(r["trades"], "int"), fmt(r["net_pnl_inr"], "inr"),
                      fmt(m.get("max_drawdown_inr"), "inr"), fmt(m.get("win_rate"), "pct"),
                      fmt(m.get("sharpe"), "ratio"))
    _out().print(table)


def _card(run_id: str) -> tuple[dict[str, object], dict[str, Any]]:
    store = _store()
    try:
        return store.run(run_id), store.metrics(run_id)
    finally:
        store.close()


_FACTS = (("Strategy", "strategy"), ("Symbol", "symbol"), ("Start", "start_date"),
          ("End", "end_date"), ("Started", "started_at"), ("Config hash", "config_hash"),
          ("Data fingerprint", "data_fingerprint"), ("Engine", "engine_version"),
          ("Config file", "source_file"), ("Results workbook", "out_path"))


@runs.command("show")
@click.argument("run_id")
@reports_errors
def show(run_id: str) -> None:
    """One run: what produced it and its headline metrics."""
    _print([run_id], [_card(run_id)])


@runs.command("compare")
@click.argument("first")
@click.argument("second")
@reports_errors
def compare(first: str, second: str) -> None:
    """Two runs side by side, with the difference of each metric (second - first)."""
    _print([first, second], [_card(first), _card(second)])


def _print(ids: list[str], cards: list[tuple[dict[str, object], dict[str, Any]]]) -> None:
    from rich.table import Table

    table = Table("", *ids, *(["second - first"] if len(ids) == 2 else []))
    for label, key in _FACTS:
        facts = [str(run.get(key) if run.get(key) is not None else "n/a") for run, _ in cards]
        same = ["same" if facts[0] == facts[1] else "differs"] if len(facts) == 2 else []
        table.add_row(label, *facts, *same)
    for label, key, kind in HEADLINES:
        values: list[Any] = [m.get(key) for _, m in cards]
        if key in ("net_pnl_inr", "trades"):  # stored with every run, old ones too
            values = [m.get(key, run.get(key)) for run, m in cards]
        diff = []
        if len(values) == 2:
            a, b = values
            ok = all(isinstance(v, int | float) and math.isfinite(v) for v in (a, b))
            diff = [fmt(b - a, kind) if ok else "n/a"]
        table.add_row(label, *(fmt(v, kind) for v in values), *diff)
    _out().print(table)
