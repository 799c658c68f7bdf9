"""India option costs against hand arithmetic, per date range."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.errors import PosbtError
from engine.execution.costs import (
    CustomCosts,
    IndiaOptionsCosts,
    NoCosts,
    load_india_rates,
)

AFTER_OCT24 = dt.date(2025, 1, 10)


def test_round_trip_costs_by_hand() -> None:
    costs = IndiaOptionsCosts()
    # sell 75 units at 200 pts: turnover = 15,000
    sell = costs.for_fill(False, 200.0, 75, AFTER_OCT24)
    assert sell.brokerage_inr == pytest.approx(20.0)
    assert sell.stt_inr == pytest.approx(15_000 * 0.001)          # 15.00
    assert sell.exchange_inr == pytest.approx(15_000 * 0.0003503)  # 5.2545
    assert sell.sebi_inr == pytest.approx(15_000 * 1e-6)          # 0.015
    assert sell.gst_inr == pytest.approx((20 + 5.2545 + 0.015) * 0.18)  # 4.54851
    assert sell.stamp_inr == 0.0
    # buy back at 120: turnover = 9,000; no STT on the buy, stamp 0.003%
    buy = costs.for_fill(True, 120.0, 75, AFTER_OCT24)
    assert buy.stt_inr == 0.0
    assert buy.stamp_inr == pytest.approx(9_000 * 0.00003)        # 0.27
    total = (sell + buy).total_inr
    # 20+15+5.2545+0.015+4.54851 + 20+3.1527+0.009+(20+3.1527+0.009)*0.18+0.27
    expected = (20 + 15 + 5.2545 + 0.015 + 4.54851
                + 20 + 3.1527 + 0.009 + (20 + 3.1527 + 0.009) * 0.18 + 0.27)
    assert total == pytest.approx(expected)


def test_stt_rate_depends_on_date() -> None:
    costs = IndiaOptionsCosts()
    # turnover 10,000 -> STT 5.00 (0.05%), 6.25 (0.0625%), 10.00 (0.1%)
    assert costs.for_fill(False, 100.0, 100, dt.date(2022, 6, 1)).stt_inr == pytest.approx(5.0)
    assert costs.for_fill(False, 100.0, 100, dt.date(2023, 6, 1)).stt_inr == pytest.approx(6.25)
    assert costs.for_fill(False, 100.0, 100, dt.date(2024, 10, 1)).stt_inr == pytest.approx(10.0)


def test_exercise_stt_only_on_itm_long() -> None:
    costs = IndiaOptionsCosts()
    # long 75 units finishing 40 pts ITM: 0.125% x 40 x 75 = 3.75
    assert costs.for_exercise(True, 40.0, 75, AFTER_OCT24).stt_inr == pytest.approx(3.75)
    assert costs.for_exercise(False, 40.0, 75, AFTER_OCT24).total_inr == 0.0
    assert costs.for_exercise(True, 0.0, 75, AFTER_OCT24).total_inr == 0.0


def test_brokerage_override_and_custom_and_none() -> None:
    assert IndiaOptionsCosts(brokerage_per_order_inr=0.0).for_fill(
        True, 1.0, 1, AFTER_OCT24).brokerage_inr == 0.0
    c = CustomCosts(per_order_inr=10.0, turnover_frac=0.001).for_fill(True, 100.0, 50, AFTER_OCT24)
    assert c.total_inr == pytest.approx(10.0 + 5_000 * 0.001)
    assert CustomCosts().for_exercise(True, 10.0, 1, AFTER_OCT24).total_inr == 0.0
    assert NoCosts().for_fill(False, 100.0, 50, AFTER_OCT24).total_inr == 0.0
    assert NoCosts().for_exercise(True, 100.0, 50, AFTER_OCT24).total_inr == 0.0


def test_dates_outside_the_table_and_bad_rows(tmp_path: Path) -> None:
    with pytest.raises(PosbtError, match="no India cost rates for 2010-01-01"):
        IndiaOptionsCosts().rates_on(dt.date(2010, 1, 1))
    bad = tmp_path / "rates.csv"
    bad.write_text("valid_from,valid_to,brokerage_per_order_inr,stt_sell_premium_frac,"
                   "stt_exercise_intrinsic_frac,exchange_txn_frac,sebi_fee_frac,gst_frac,"
                   "stamp_buy_frac\n2020-01-01,,x,0,0,0,0,0,0\n")
    with pytest.raises(PosbtError, match=r"rates.csv:2"):
        load_india_rates(bad)
