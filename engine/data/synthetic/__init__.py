"""The synthetic market generator (data stage): a believable, seeded market when no data is at hand.

``generate_market(spec, store)`` writes index, VIX and option-chain bars into a store;
the pure pieces (``simulate_index``, ``vix_from_log_var``, ``ssvi_total_variance``,
``price_chain``, ``quote_chain``) work on small arrays without a store.
"""

from engine.data.synthetic.chain import ChainInputs, ChainPrices, ChainQuotes, price_chain, quote_chain
from engine.data.synthetic.generate import generate_market
from engine.data.synthetic.paths import IndexPath, simulate_index
from engine.data.synthetic.spec import (
    DEFAULT_SYMBOLS,
    GenerationReport,
    MarketSpec,
    SymbolSpec,
    default_symbol_spec,
    market_spec,
)
from engine.data.synthetic.surface import implied_vol, ssvi_total_variance
from engine.data.synthetic.vix import expected_integrated_variance, vix_from_log_var

__all__ = [
    "DEFAULT_SYMBOLS",
    "ChainInputs",
    "ChainPrices",
    "ChainQuotes",
    "GenerationReport",
    "IndexPath",
    "MarketSpec",
    "SymbolSpec",
    "default_symbol_spec",
    "expected_integrated_variance",
    "generate_market",
    "implied_vol",
    "market_spec",
    "price_chain",
    "quote_chain",
    "simulate_index",
    "ssvi_total_variance",
    "vix_from_log_var",
]
