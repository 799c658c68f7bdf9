"""``posbt demo`` end to end on a small demo market, and the template's strategies.

The market is the ``posbt data demo`` generator cut down to 40 trading days of 15-minute bars
with 60 days of daily history (seconds with NUMBA_DISABLE_JIT=1); the strategies are the
template's own, moved to 15-minute bars by ``posbt demo --interval 15m``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from engine.cli.main import cli
from engine.config.examples import (
    DEMO_STRATEGIES,
    EXAMPLE_FITS,
    EXAMPLE_LEGS,
    EXAMPLES,
    template_strategies,
)
from engine.config.templates import example_configs
from engine.errors import PosbtError
from engine.results.store import ResultsStore
from engine.strategy.from_config import plan_from_config

SMALL = ["demo", "--days", "40", "--interval", "15m", "--history-days", "60"]
_LINE = re.compile(r"^(\w+): (\d+) trades, net P&L (-?[\d,]+) INR", re.MULTILINE)


def test_template_strategies_keep_the_plan_examples_and_add_runnable_ones() -> None:
    strategies = template_strategies()
    # order: the plan's three examples, then the demo strategies
    assert list(strategies) == [*EXAMPLES, *DEMO_STRATEGIES]
    custom = strategies["Dynamic_Complete_Vol_Suite"]
    assert custom["legs"] == EXAMPLE_LEGS["Dynamic_Complete_Vol_Suite"]
    assert "legs" not in EXAMPLES["Dynamic_Complete_Vol_Suite"]  # the plan's dict is untouched
    # the conservative calendar's premium band is the one fitted change (EXAMPLE_FITS): the
    # plan's 25-35 points is kept in EXAMPLES, its other entry rules are kept in the template
    plan_entry = EXAMPLES["Conservative_Weekly_Calendar_IVP"]["entry_rules"]
    fitted_entry = strategies["Conservative_Weekly_Calendar_IVP"]["entry_rules"]
    assert (plan_entry["min_premium"], plan_entry["max_premium"]) == (25, 35)
    assert fitted_entry == {**plan_entry, "min_premium": 150, "max_premium": 250}
    assert EXAMPLE_FITS == {"Conservative_Weekly_Calendar_IVP": {
        "entry_rules": {"min_premium": 150, "max_premium": 250}}}
    day = dt.date(2025, 1, 1)
    legs = {c.strategy_name: plan_from_config(c, day, day).legs for c in example_configs()}
    # a calendar has 2 legs, an iron fly 4 (short CE/PE ATM, long wings), the CUSTOM example
    # its 4 LegParameter rows (a double calendar)
    assert {n: len(v) for n, v in legs.items()} == {
        "Conservative_Weekly_Calendar_IVP": 2, "Aggressive_Iron_Fly_Vol_Aware": 4,
        "Dynamic_Complete_Vol_Suite": 4, "Demo_Weekly_IronFly": 4, "Demo_Weekly_Calendar": 2,
        "Demo_Calendar_Adjusted": 2, "Demo_IronFly_Adjusted": 4}
    # the double calendar: each short leg at 7 DTE has a long leg on the same strike offset at 30
    dc = {leg.leg_id: leg for leg in legs["Dynamic_Complete_Vol_Suite"]}
    assert (dc["SC"].strike, dc["SC"].expiry.value) == (dc["LC"].strike, 7.0) and \
        dc["LC"].expiry.value == 30.0
    # the demo iron fly's wings are 300 points either side
    wings = sorted(leg.strike.value for leg in legs["Demo_Weekly_IronFly"])
    assert wings == [-300.0, 0.0, 0.0, 300.0]


def test_unknown_example_names_the_choices() -> None:
    with pytest.raises(PosbtError, match=r"choose from .*Demo_Weekly_IronFly"):
        example_configs(["Nope"])


def test_posbt_demo_end_to_end(home: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, SMALL)
    assert result.exit_code == 0, result.output
    assert "generated NIFTY: 60 history + 40 window trading days" in result.output
    results = home / "demo" / "posbt_demo_results.xlsx"
    assert f"results: {results}" in result.output.replace("\n", "")
    assert (home / "demo" / "posbt_demo.xlsx").exists()
    summary = {m[1]: (int(m[2]), float(m[3].replace(",", ""))) for m in _LINE.finditer(
        result.output)}
    assert list(summary) == list(template_strategies())  # every strategy ran, none failed
    # the demo strategies trade about weekly: 40 trading days hold 8 weekly expiries
    assert summary["Demo_Weekly_IronFly"][0] >= 5
    assert summary["Demo_Weekly_Calendar"][0] >= 5

    wb = load_workbook(results)
    assert {"BT_Summary", "BT_Trades", "BT_Equity"} <= set(wb.sheetnames)
    rows = list(wb["BT_Trades"].iter_rows(values_only=True))
    head, trades = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(head)}
    for name, (n, net) in summary.items():
        mine = [r for r in trades if r[col["Strategy"]] == name]
        assert len(mine) == n
        # net P&L printed = sum of the trades' net P&L (rounded to the rupee when printed)
        assert sum(r[col["Net P&L (INR)"]] for r in mine) == pytest.approx(net, abs=1.0)
        for r in mine:
            # each trade's net = gross - costs, and it is inside the strategy's window
            assert r[col["Net P&L (INR)"]] == pytest.approx(
                r[col["Gross P&L (INR)"]] - r[col["Costs (INR)"]], abs=1e-6)
            assert r[col["Entry time"]] <= r[col["Exit time"]]
    # the adjustment demos exercise every rule type on the demo market
    arows = list(wb["BT_Adjustments"].iter_rows(values_only=True))
    acol = {name: i for i, name in enumerate(arows[0])}
    applied = {r[acol["action"]] for r in arows[1:] if r[acol["status"]] == "APPLIED"}
    assert {"ROLL_UP", "ROLL_DOWN", "DOUBLE_CALENDAR", "DYNAMIC_HEDGE"} <= applied, applied
    # every rule was evaluated (applied, or recorded as blocked with its reason); on the full
    # one-year demo REVERSE_BUY and its scalps are applied too (docs/demo.md)
    seen = {r[acol["rule_id"]] for r in arows[1:]}
    assert {"UP", "DOWN_DIAG", "DC", "RB", "DOWN", "HEDGE"} <= seen, seen
    # every run is kept in the results store
    store = ResultsStore(home / "results.duckdb")
    try:
        assert {r["strategy"] for r in store.runs()} == set(summary)
    finally:
        store.close()

    # a second run finds the market already built and writes beside --out
    out = home / "elsewhere" / "mine.xlsx"
    again = runner.invoke(cli, [*SMALL, "--out", str(out)])
    assert again.exit_code == 0, again.output
    assert "NIFTY: already in the store" in again.output
    assert out.exists() and (out.parent / "posbt_demo.xlsx").exists()
    assert _LINE.findall(again.output) == _LINE.findall(result.output)  # deterministic


def test_posbt_demo_reports_a_bad_option_without_traceback(home: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--interval", "3m"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output and "3m" in result.output


def test_adjustment_examples_yaml_matches_the_demo_strategies() -> None:
    from engine.config.loader import load_config

    path = Path(__file__).resolve().parents[2] / "workbook_templates" / "adjustment_examples.yaml"
    loaded = load_config(path)
    assert set(loaded.strategies) == {"Demo_Calendar_Adjusted", "Demo_IronFly_Adjusted"}
    for name, resolved in loaded.strategies.items():
        rules = {r.rule_type.value for r in resolved.config.adjustment_rules}
        expected = {r["rule_type"] for r in DEMO_STRATEGIES[name]["adjustment_rules"]}
        assert rules == expected
    every = {r.rule_type.value for s in loaded.strategies.values()
             for r in s.config.adjustment_rules}
    assert every == {"ROLL_UP", "ROLL_DOWN", "ROLL_DIAGONAL", "DOUBLE_CALENDAR", "DYNAMIC_HEDGE",
                     "REVERSE_BUY"}
