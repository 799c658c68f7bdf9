"""DYNAMIC_HEDGE holds one synthetic future and resizes it (issue 15 item 8).

NIFTY, lot 75, a 4-lot iron fly (300 units per leg) entered Mon 6 Jan 2025 09:20 at spot
22010: short 22000 CE/PE, long 22300 CE / 21700 PE, weekly W1 = Thu 9 Jan. Costs off, fills
at bar closes. Rule H: delta band 0 +/- 50, rebalance 60 min, up to 3 times.
Position delta = 300 x (-dCE - dPE + dCE300 + dPE300) + hedge units x (dCE400 - dPE400).
"""

from __future__ import annotations

import datetime as dt

import pytest

from engine.data.duckdb_store import DuckDBStore
from engine.strategy.adjustments.dynamic_hedge import HedgeParams
from engine.strategy.adjustments.rules import AdjAction, AdjRule
from tests.unit.simulation.builder import load_market
from tests.unit.simulation.test_adjustments import at, run
from tests.unit.simulation.test_golden import W1, fly_legs

D1 = dt.date(2025, 1, 6)
STAMPS = [at(D1, 9, 20), at(D1, 10), at(D1, 11), at(D1, 12), at(D1, 13), at(D1, 14)]
SPOT = [22010, 22150, 22380, 22480, 22390, 22390]
K, H = 22000.0, 22400.0
Q = {(W1, K, "CE"): [180, 260, 400, 480, 400, 400], (W1, K, "PE"): [175, 60, 10, 3, 10, 10],
     (W1, 22300.0, "CE"): [60, 80, 115, 190, 120, 120], (W1, 21700.0, "PE"): [55, 20, 5, 2, 5, 5],
     (W1, H, "CE"): [30, 40, 70, 120, 72, 72], (W1, H, "PE"): [400, 300, 50, 40, 60, 60]}
DELTAS = {(W1, K, "CE"): [0.5, 0.55, 0.8, 0.9, 0.5, 0.5],
          (W1, K, "PE"): [-0.5, -0.45, -0.2, -0.1, -0.5, -0.5],
          (W1, 22300.0, "CE"): [0.1, 0.12, 0.3, 0.35, 0.1, 0.1],
          (W1, 21700.0, "PE"): [-0.1, -0.08, -0.05, -0.02, -0.1, -0.1],
          (W1, H, "CE"): [0.2, 0.3, 0.45, 0.6, 0.5, 0.5],
          (W1, H, "PE"): [-0.8, -0.7, -0.55, -0.4, -0.5, -0.5]}


def test_hedge_resizes_the_one_synthetic_it_holds(mem_store: DuckDBStore) -> None:
    load_market(mem_store, STAMPS, SPOT, Q, [(W1, "WEEKLY")], deltas=DELTAS)
    rule = AdjRule("H", AdjAction.DYNAMIC_HEDGE, max_times=3,
                   params=HedgeParams(target_delta_inr=0.0, delta_band_inr=50.0))
    res = run(mem_store, fly_legs(), (rule,), lots=4)
    applied = [a for a in res.adjustments if a.status == "APPLIED"]
    assert [a.ts for a in applied] == [at(D1, 11), at(D1, 12), at(D1, 13)]
    first, second, third = applied
    # 11:00: fly delta 300 x (-0.8 + 0.2 + 0.3 - 0.05) = -105 -> buy round(105 / 75) = 1 lot
    # of the synthetic at ATM 22400 (buy CE, sell PE): -105 + 75 x (0.45 + 0.55) = -30
    assert first.opened == ("hedge_CE", "hedge_PE")
    assert first.greeks_before["delta"] == pytest.approx(-105)
    assert first.greeks_after["delta"] == pytest.approx(-30)
    # 12:00: fly 300 x (-0.9 + 0.1 + 0.35 - 0.02) = -141, hedge +75 x (0.6 + 0.4) = +75 -> -66;
    # |-66| > 50 -> buy round(66 / 75) = 1 more lot of the HELD 22400 synthetic (ATM is now
    # 22500: nothing new is opened) -> +2 lots; delta -66 + 75 = +9
    assert second.opened == ("hedge_CE:+1", "hedge_PE:-1") and second.closed == ()
    assert second.greeks_before["delta"] == pytest.approx(-66)
    assert second.greeks_after["delta"] == pytest.approx(9)
    assert "+1 -> +2 lots (+1 traded)" in second.reason
    # cash of the resize: buy 75 CE at 120, sell 75 PE at 40 -> -75 x 120 + 75 x 40 = -6,000
    assert second.cash_inr == pytest.approx(-6000)
    # 13:00: fly 300 x (-0.5 + 0.5 + 0.1 - 0.1) = 0, hedge +150 x (0.5 + 0.5) = +150 -> sell
    # round(150 / 75) = 2 lots: +2 -> 0, both hedge legs closed
    assert third.closed == ("hedge_CE", "hedge_PE") and third.opened == ()
    assert third.greeks_after["delta"] == pytest.approx(0)
    hedge_fills = [(f.ts, f.leg_id, f.strike, f.qty_units, f.price_pts) for f in res.fills
                   if f.leg_id.startswith("hedge")]
    assert hedge_fills == [
        (at(D1, 11), "hedge_CE", H, 75, 70.0), (at(D1, 11), "hedge_PE", H, -75, 50.0),
        (at(D1, 12), "hedge_CE", H, 75, 120.0), (at(D1, 12), "hedge_PE", H, -75, 40.0),
        (at(D1, 13), "hedge_CE", H, -150, 72.0), (at(D1, 13), "hedge_PE", H, 150, 60.0)]
    # the hedge's P&L: CE -75 x 70 - 75 x 120 + 150 x 72 = -3,450; PE 75 x 50 + 75 x 40
    # - 150 x 60 = -2,250 -> -5,700, and the fly's four legs are all that is left open
    assert sum(-f[3] * f[4] for f in hedge_fills) == pytest.approx(-5700)
    assert sum(f.qty_units for f in res.fills if f.leg_id.startswith("hedge")) == 0
