"""A new adjustment type is one module: a toy type registered from the test runs end to end.

The toy ``TOY_CLOSE_SHORTS`` buys back every short leg after a move up (its own PRICE_MOVE
direction) and opens nothing. It is defined and registered here, and runs through the
unchanged engine: trigger mask, constraints, plan, fills, the adjustment record and the
BT_Adjustments table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

import numpy as np
import pytest

from engine.data.duckdb_store import DuckDBStore
from engine.domain.structures import Leg, Side
from engine.errors import PosbtError
from engine.results.tables import adjustments_table
from engine.strategy.adjustments.base import (
    ADJUSTMENTS,
    AdjustmentPlan,
    AdjustmentType,
    Market,
    Mask,
    adjustment_for,
    register,
    unregister,
)
from engine.strategy.adjustments.rules import AdjAction, AdjRule, TriggerSpec
from engine.strategy.adjustments.state import RuleState
from tests.unit.simulation.builder import load_market
from tests.unit.simulation.test_adjustments import D1, STAMPS, applied, at, cal_legs, run
from tests.unit.simulation.test_golden import M1, W1

TOY = "TOY_CLOSE_SHORTS"


class CloseShorts(AdjustmentType):
    """Buy back the short legs after a move up; keep the longs."""

    kind = TOY
    moves_reference = False

    def price_move_mask(self, move_pts: np.ndarray, threshold_pts: float, state: RuleState) -> Mask:
        return np.asarray(move_pts >= threshold_pts)

    def plan(self, rule: AdjRule, legs: Sequence[Leg], m: Market, state: RuleState) -> AdjustmentPlan:
        shorts = tuple(i for i, leg in enumerate(legs) if leg.side is Side.SELL)
        return AdjustmentPlan(shorts, (), f"closed {len(shorts)} short leg(s)")


@pytest.fixture
def toy() -> Iterator[None]:
    register(CloseShorts)
    yield
    unregister(TOY)


def test_every_builtin_type_is_registered() -> None:
    assert set(AdjAction) <= set(ADJUSTMENTS)
    with pytest.raises(PosbtError, match="unknown adjustment type 'NOPE'"):
        adjustment_for("NOPE")


@pytest.mark.usefixtures("toy")
def test_toy_type_runs_end_to_end(mem_store: DuckDBStore) -> None:
    q = {(W1, 22000.0, "CE"): [100, 150, 280, 290], (M1, 22000.0, "CE"): [250, 300, 420, 430]}
    load_market(mem_store, STAMPS, [22010, 22100, 22250, 22260], q,
                [(W1, "WEEKLY"), (M1, "MONTHLY")])
    rule = AdjRule("T1", TOY, TriggerSpec(price_move_frac=0.01))
    res = run(mem_store, cal_legs(), (rule,))
    # 1% of 22,010 = 220.1 pts: 10:00 is +90 (no), 11:00 is +240 -> buy back the short at 280
    assert applied(res) == [("T1", TOY)]
    adj = next(a for a in res.adjustments if a.status == "APPLIED")
    assert adj.ts == at(D1, 11) and adj.closed == ("short",) and adj.opened == ()
    assert adj.reason == "closed 1 short leg(s)"
    # short: sold 75 at 100, bought back at 280 -> -180 x 75 = -13,500
    # long: bought 75 at 250, sold at the last bar's 430 -> +180 x 75 = +13,500 -> P&L 0
    buyback = [f for f in res.fills if f.leg_id == "short" and f.qty_units > 0]
    assert [(f.ts, f.price_pts) for f in buyback] == [(at(D1, 11), 280.0)]
    assert res.trades[0].pnl_gross_inr == pytest.approx(-180 * 75 + 180 * 75)
    headers, table = adjustments_table([res])  # the BT_Adjustments sheet's rows
    rows = [dict(zip(headers, r, strict=True)) for r in table]
    assert [(r["rule_id"], r["action"], r["status"], r["legs_closed"]) for r in rows] == [
        ("T1", TOY, "APPLIED", "short")]


@pytest.mark.usefixtures("toy")
def test_toy_direction_is_its_own(mem_store: DuckDBStore) -> None:
    # the same move, but down: the toy counts up moves only, so it never fires
    q = {(W1, 22000.0, "CE"): [100, 80, 40, 30], (M1, 22000.0, "CE"): [250, 230, 180, 170]}
    load_market(mem_store, STAMPS, [22010, 21920, 21770, 21760], q,
                [(W1, "WEEKLY"), (M1, "MONTHLY")])
    res = run(mem_store, cal_legs(), (AdjRule("T1", TOY, TriggerSpec(price_move_frac=0.01)),))
    assert applied(res) == [] and dt.date(2025, 1, 6) == res.trades[0].entry_ts.date()
