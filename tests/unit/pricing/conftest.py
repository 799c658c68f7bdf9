"""Shared random cases for the pricing tests, with QuantLib's values as the reference."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest

ql = pytest.importorskip("QuantLib")

N_CASES = 10_000
MINUTE_YEARS = 1.0 / (365 * 24 * 60)


@dataclass(frozen=True)
class Cases:
    """Random Black-76 cases and QuantLib's price and greeks for each."""

    F: np.ndarray
    K: np.ndarray
    T: np.ndarray
    r: np.ndarray
    vol: np.ndarray
    right: np.ndarray
    price: np.ndarray
    delta: np.ndarray
    gamma: np.ndarray
    vega_per_1: np.ndarray
    theta_per_year: np.ndarray


@pytest.fixture(scope="session")
def ql_cases() -> Cases:
    """10,000 seeded cases: calls and puts, T 1 minute..1 year, vol 5%..150%, K/F 0.5..1.5."""
    rng = np.random.default_rng(20240601)
    F = rng.uniform(1_000.0, 60_000.0, N_CASES)
    K = F * rng.uniform(0.5, 1.5, N_CASES)
    # log-uniform T so that short expiries (minutes, hours) are well represented
    T = np.exp(rng.uniform(math.log(MINUTE_YEARS), 0.0, N_CASES))
    r = rng.uniform(0.0, 0.10, N_CASES)
    vol = rng.uniform(0.05, 1.50, N_CASES)
    right = np.where(rng.random(N_CASES) < 0.5, "CE", "PE")
    out = np.empty((5, N_CASES))
    for i in range(N_CASES):
        kind = ql.Option.Call if right[i] == "CE" else ql.Option.Put
        calc = ql.BlackCalculator(ql.PlainVanillaPayoff(kind, K[i]), F[i],
                                  vol[i] * math.sqrt(T[i]), math.exp(-r[i] * T[i]))
        out[:, i] = (calc.value(), calc.deltaForward(), calc.gammaForward(),
                     calc.vega(T[i]), calc.theta(F[i], T[i]))
    return Cases(F, K, T, r, vol, right, *out)
