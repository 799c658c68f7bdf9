"""The market a run sees (market stage: after domain, data and pricing; before strategy).

``MarketView`` is the run's only reader of option chains and leg paths; ``OptionBlock`` holds
option bars loaded in one scan as (contract, bar) arrays; ``Timeline``, ``ChainSlice``,
``LegPaths`` and ``ContractInfo`` are the values it hands out.
"""

from engine.market.block import BlockSpec, OptionBlock
from engine.market.chain import ChainSlice
from engine.market.contracts import ContractInfo
from engine.market.paths import LegPaths
from engine.market.timeline import Timeline, to_datetime
from engine.market.view import MarketNeeds, MarketStats, MarketTooLargeError, MarketView

__all__ = ["BlockSpec", "ChainSlice", "ContractInfo", "LegPaths", "MarketNeeds", "MarketStats",
           "MarketTooLargeError", "MarketView", "OptionBlock", "Timeline", "to_datetime"]
