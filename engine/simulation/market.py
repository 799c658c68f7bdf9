"""Compatibility names: the market a run sees lives in ``engine.market`` now."""

from engine.market import LegPaths, MarketView, Timeline, to_datetime
from engine.market.paths import ffill_inplace as _ffill_inplace

__all__ = ["LegPaths", "MarketView", "Timeline", "_ffill_inplace", "to_datetime"]
