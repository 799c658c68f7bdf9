"""Pricing stage: Black-76 and Black-Scholes-Merton prices, greeks, implied volatility,
the synthetic forward, time to expiry and the OTM-side chain IVs, vectorised over NumPy
arrays.

Inputs come from the store (option and futures bars); outputs feed enrichment
(``posbt data enrich``), volatility analytics, strike selection, greek limits and the
simulator. Units: points, years (365-day, to 15:30 IST on expiry day), vols and rates as
fractions; vega per 1 vol point, theta per calendar day.
"""

from engine.pricing.black76 import black76
from engine.pricing.bsm import bsm
from engine.pricing.chain import TICK_PTS, chain_ivs, otm_is_call
from engine.pricing.forward import synthetic_forward, synthetic_forwards
from engine.pricing.greeks import Greeks, PricingModel, greeks
from engine.pricing.iv import IVReason, implied_vol, implied_vol_with_reason
from engine.pricing.time import t_years

__all__ = [
    "TICK_PTS",
    "Greeks",
    "IVReason",
    "PricingModel",
    "black76",
    "bsm",
    "chain_ivs",
    "greeks",
    "implied_vol",
    "implied_vol_with_reason",
    "otm_is_call",
    "synthetic_forward",
    "synthetic_forwards",
    "t_years",
]
