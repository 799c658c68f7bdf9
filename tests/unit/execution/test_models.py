"""A plan's FillSpec / CostSpec select the execution models by enum."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.config.enums import CostPreset, FillModel, SlippageKind
from engine.execution.costs import CustomCosts, IndiaOptionsCosts, NoCosts
from engine.execution.fills import BidAskFill, CloseFill, MidFill, NextOpenFill
from engine.execution.models import PRICE_MODELS, cost_model, fill_model
from engine.execution.quotes import BarQuote
from engine.execution.slippage import PercentSlippage, PointsSlippage, TicksSlippage
from engine.strategy.plan import CostSpec, FillSpec

ON = dt.date(2025, 1, 10)


def test_every_fill_enum_has_a_model() -> None:
    assert set(PRICE_MODELS) == set(FillModel)
    assert {m: type(PRICE_MODELS[m]()) for m in FillModel} == {
        FillModel.CLOSE: CloseFill, FillModel.MID: MidFill, FillModel.BID_ASK: BidAskFill,
        FillModel.NEXT_OPEN: NextOpenFill}


def test_fill_spec_builds_price_and_slippage_models() -> None:
    got = fill_model(FillSpec(FillModel.MID, 2.0, SlippageKind.TICKS, 0.10))
    assert isinstance(got.price, MidFill) and got.slippage == TicksSlippage(ticks=2.0, tick_pts=0.10)
    assert fill_model(FillSpec(slippage=0.01, slippage_kind=SlippageKind.PERCENT)).slippage == \
        PercentSlippage(frac=0.01)
    assert fill_model(FillSpec(slippage=1.5)).slippage == PointsSlippage(amount_pts=1.5)
    # mid of 101.5/102.5 = 102.0, + 2 ticks of 0.10 = 102.2 on a buy
    q = BarQuote(open=101.0, high=104.0, low=99.0, close=102.0, bid=101.5, ask=102.5)
    assert got.fill(q, True).price_pts == pytest.approx(102.2)


def test_cost_spec_builds_each_preset() -> None:
    india = cost_model(CostSpec(CostPreset.INDIA, brokerage_per_order_inr=5.0))
    assert isinstance(india, IndiaOptionsCosts) and india.for_fill(True, 1.0, 1, ON).brokerage_inr == 5.0
    custom = cost_model(CostSpec(CostPreset.CUSTOM, brokerage_per_order_inr=10.0, turnover_frac=0.001))
    assert isinstance(custom, CustomCosts)
    # 10 per order + 0.1% of (100 pts x 50 units = 5,000) = 15.0
    assert custom.for_fill(False, 100.0, 50, ON).total_inr == pytest.approx(15.0)
    assert isinstance(cost_model(CostSpec(CostPreset.NONE)), NoCosts)
    assert cost_model(CostSpec()) is cost_model(CostSpec())  # memoised per spec
