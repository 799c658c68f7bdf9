"""The execution models a plan names (execution stage), chosen by enum, never by a name string.

A plan carries a ``FillSpec`` and a ``CostSpec`` (plain data, so plans stay hashable and can
be swept); ``fill_model`` and ``cost_model`` build the small model objects of ``fills``,
``slippage`` and ``costs`` from them. Both are memoised on the (frozen) spec, so the
simulation can ask per fill.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from engine.config.enums import CostPreset, FillModel, SlippageKind
from engine.execution.costs import CostModel, CustomCosts, IndiaOptionsCosts, NoCosts
from engine.execution.fills import BidAskFill, CloseFill, Fill, MidFill, NextOpenFill, PriceModel
from engine.execution.slippage import PercentSlippage, PointsSlippage, SlippageModel, TicksSlippage
from engine.strategy.plan import CostSpec, FillSpec

PRICE_MODELS: dict[FillModel, Callable[[], PriceModel]] = {
    FillModel.CLOSE: CloseFill,
    FillModel.MID: MidFill,
    FillModel.BID_ASK: BidAskFill,
    FillModel.NEXT_OPEN: NextOpenFill,
}


def _slippage(spec: FillSpec) -> SlippageModel:
    if spec.slippage_kind is SlippageKind.PERCENT:
        return PercentSlippage(frac=spec.slippage)
    if spec.slippage_kind is SlippageKind.TICKS:
        return TicksSlippage(ticks=spec.slippage, tick_pts=spec.tick_pts)
    return PointsSlippage(amount_pts=spec.slippage)


@functools.lru_cache(maxsize=256)
def fill_model(spec: FillSpec) -> Fill:
    """The fill model of ``spec``: its price model, slippage model and tick."""
    return Fill(price=PRICE_MODELS[spec.model](), slippage=_slippage(spec), tick_pts=spec.tick_pts)


@functools.lru_cache(maxsize=256)
def cost_model(spec: CostSpec) -> CostModel:
    """The cost model of ``spec``."""
    if spec.preset is CostPreset.INDIA:
        return IndiaOptionsCosts(brokerage_per_order_inr=spec.brokerage_per_order_inr,
                                 exchange=spec.exchange)
    if spec.preset is CostPreset.CUSTOM:
        return CustomCosts(per_order_inr=spec.brokerage_per_order_inr or 0.0,
                           turnover_frac=spec.turnover_frac, stt_sell_frac=spec.stt_sell_frac,
                           gst_frac=spec.gst_frac, stamp_buy_frac=spec.stamp_buy_frac)
    return NoCosts()
