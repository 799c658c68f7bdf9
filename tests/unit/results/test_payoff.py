"""Payoff diagrams: expiry payoff and T+0 at entry and after each adjustment, by hand."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook

from engine.data.duckdb_store import DuckDBStore
from engine.results.excel import write_results
from engine.results.payoff import trade_payoff, zero_crossings
from engine.simulation.loop import run_backtest
from engine.strategy.plan import ExitRules
from tests.unit.results.fakes import Spec, make_result
from tests.unit.simulation.builder import contracts, load_market
from tests.unit.simulation.test_golden import FLY_QUOTES, FLY_SPOT, STAMPS, W1, plan


def test_iron_fly_at_entry_by_hand(mem_store: DuckDBStore) -> None:
    load_market(mem_store, STAMPS, FLY_SPOT, FLY_QUOTES, [(W1, "WEEKLY")])
    res = run_backtest(plan(ExitRules()), mem_store, contracts())
    pay = trade_payoff(res, res.trades[0])
    assert pay is not None and len(pay.stages) == 1
    entry = pay.stages[0]
    # credit 240 points on 75 units: 18,000 at the short strike, breakevens 22,000 -/+ 240
    assert np.interp(22_000, pay.spots, entry.expiry_inr) == pytest.approx(18_000, rel=1e-3)
    assert entry.breakevens == pytest.approx((21_760, 22_240), abs=0.5)
    # valued at the fills' own implied volatility, the T+0 curve starts at zero P&L
    assert np.interp(entry.spot, pay.spots, entry.t0_inr) == pytest.approx(0, abs=150)


def test_after_a_roll_the_payoff_and_breakevens_move(tmp_path: Path) -> None:
    spec = Spec(dt.datetime(2024, 1, 1, 9, 20), dt.datetime(2024, 1, 3, 15, 15), 900.0,
                adjustments=1, costs_inr=100.0)
    res = make_result("Rolled straddle", [spec])
    pay = trade_payoff(res, res.trades[0])
    assert pay is not None
    entry, rolled = pay.stages
    assert rolled.label == "after adjustment 1"
    # entry: 2 x 75 x 150 = 22,500 of credit less 100 of costs; straddle at 22,000
    cash = 22_500 - 100
    assert entry.breakevens == pytest.approx((22_000 - cash / 75, 22_000 + cash / 75), abs=0.5)
    # the call rolled 22,000 -> 22,100 at no net cash: the upper breakeven moves up by 100
    assert rolled.breakevens == pytest.approx((22_000 - cash / 75, 22_100 + cash / 75), abs=0.5)
    s = np.array([21_500.0, 22_050.0, 22_600.0])
    hand = cash - 75 * np.maximum(s - 22_100, 0) - 75 * np.maximum(22_000 - s, 0)
    assert np.interp(s, pay.spots, rolled.expiry_inr) == pytest.approx(hand, abs=75 * 1.0)
    # BT_Payoff: the stage table and a chart with both stages' curves and their breakevens
    out = write_results([res], tmp_path / "r.xlsx")
    ws = load_workbook(out)["BT_Payoff"]
    rows = list(ws.iter_rows(values_only=True))
    stages = {r[0]: r for r in rows if r[0] in ("entry", "after adjustment 1")}
    assert stages["after adjustment 1"][4] == pytest.approx(22_100 + cash / 75, abs=0.5)
    assert "-75 22100 CE" in stages["after adjustment 1"][5]
    with zipfile.ZipFile(out) as z:
        (xml,) = [z.read(n).decode() for n in z.namelist()
                  if n.startswith("xl/charts/") and b"BT_Payoff" in z.read(n)]
    assert xml.count("<ser>") == 4 + 2  # expiry and T+0 per stage, breakeven points per stage


def test_zero_crossings() -> None:
    xs = np.array([0.0, 1.0, 2.0, 3.0])
    assert zero_crossings(xs, np.array([-1.0, 1.0, 1.0, -3.0])) == pytest.approx((0.5, 2.25))
