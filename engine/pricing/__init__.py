"""Pricing stage: Black-76 and Black-Scholes-Merton prices, greeks, implied volatility,
the synthetic forward, time to expiry and chain enrichment, vectorised over NumPy arrays.

Inputs come from the store (option and futures bars); outputs feed volatility analytics,
strike selection, greek limits and the simulator.
"""

from engine.pricing.black76 import black76

__all__ = ["black76"]
