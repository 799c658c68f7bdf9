"""India option costs against hand arithmetic, per date range."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.config.enums import CostPreset
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
    with pytest.raises(PosbtError, match="no NSE cost rates for 2010-01-01"):
        IndiaOptionsCosts().rates_on(dt.date(2010, 1, 1))
    bad = tmp_path / "rates.csv"
    bad.write_text("valid_from,valid_to,brokerage_per_order_inr,stt_sell_premium_frac,"
                   "stt_exercise_intrinsic_frac,exchange_txn_frac,sebi_fee_frac,gst_frac,"
                   "stamp_buy_frac\n2020-01-01,,x,0,0,0,0,0,0\n")
    with pytest.raises(PosbtError, match=r"rates.csv:2"):
        load_india_rates(bad)


def test_custom_preset_charges_stt_gst_and_stamp_when_set() -> None:
    from engine.execution.models import cost_model
    from engine.strategy.plan import CostSpec

    spec = CostSpec(CostPreset.CUSTOM, brokerage_per_order_inr=15.0, turnover_frac=0.0004,
                    stt_sell_frac=0.001, gst_frac=0.18, stamp_buy_frac=0.00003)
    model = cost_model(spec)
    # sell 75 units at 200: turnover 15,000; exchange 15,000 x 0.0004 = 6.00; STT 15.00;
    # GST 18% x (15 + 6) = 3.78; no stamp on a sell -> 15 + 6 + 15 + 3.78 = 39.78
    sell = model.for_fill(False, 200.0, 75, dt.date(2025, 1, 6))
    assert (sell.brokerage_inr, sell.exchange_inr, sell.stt_inr) == pytest.approx((15, 6, 15))
    assert sell.gst_inr == pytest.approx(3.78) and sell.stamp_inr == 0.0
    assert sell.total_inr == pytest.approx(39.78)
    # buy: no STT, stamp 15,000 x 0.00003 = 0.45 -> 15 + 6 + 3.78 + 0.45 = 25.23
    buy = model.for_fill(True, 200.0, 75, dt.date(2025, 1, 6))
    assert buy.stt_inr == 0.0 and buy.stamp_inr == pytest.approx(0.45)
    assert buy.total_inr == pytest.approx(25.23)


def test_bse_contracts_use_bse_charges_by_date() -> None:
    nse = IndiaOptionsCosts(exchange="NSE")
    bse = IndiaOptionsCosts(exchange="BSE")
    # sell 20 SENSEX units at 300 on 6 Jan 2025: turnover 6,000
    # NSE txn 0.03503% = 2.1018; BSE txn 0.0325% = 1.95 (true-to-label, from 1 Oct 2024)
    on = dt.date(2025, 1, 6)
    assert nse.for_fill(False, 300.0, 20, on).exchange_inr == pytest.approx(2.1018)
    b = bse.for_fill(False, 300.0, 20, on)
    assert b.exchange_inr == pytest.approx(1.95)
    # STT 0.1% = 6.00, SEBI 6,000 x 1e-6 = 0.006, GST 18% x (20 + 1.95 + 0.006) = 3.95208
    assert b.stt_inr == pytest.approx(6.0) and b.gst_inr == pytest.approx(3.95208)
    # before October 2024 BSE charged 0.005%: 6,000 x 0.00005 = 0.30 (NSE 0.05%: 3.00)
    early = dt.date(2024, 6, 3)
    assert bse.for_fill(False, 300.0, 20, early).exchange_inr == pytest.approx(0.30)
    assert nse.for_fill(False, 300.0, 20, early).exchange_inr == pytest.approx(3.0)


def test_sensex_plans_get_bse_charges() -> None:
    from engine.strategy.from_config import _exchange_of

    assert _exchange_of("SENSEX") == "BSE" and _exchange_of("NIFTY") == "NSE"
