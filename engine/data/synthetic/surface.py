"""The synthetic market's implied-volatility surface: SSVI (Gatheral and Jacquier, 2014).

Data stage, between the volatility state (``vix.py`` gives the ATM total variance
``theta`` of each expiry) and the chain prices (``chain.py``). Total implied variance at
log-moneyness ``k = ln(K / F)``:

    w(k, theta) = theta / 2 * (1 + rho phi k + sqrt((phi k + rho)^2 + 1 - rho^2)),
    phi(theta) = eta / (theta^gamma (1 + theta)^(1 - gamma))     (power law).

No static arbitrage (their Theorem 4.1 and Remark 4.4): ``theta`` non-decreasing in
expiry (it is an integral of expected variance, so it is), ``0 < gamma <= 1/2`` and
``eta (1 + |rho|) <= 2``; ``SymbolSpec`` refuses parameters outside these bounds.
``rho < 0`` gives the index put skew.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def ssvi_phi(theta: FloatArray, eta: float, gamma: float) -> FloatArray:
    """The power-law curvature ``phi(theta)``; ``theta`` must be > 0."""
    return np.asarray(eta / (theta**gamma * (1.0 + theta) ** (1.0 - gamma)), dtype=np.float64)


def ssvi_total_variance(k: FloatArray, theta: FloatArray, rho: float, eta: float,
                        gamma: float) -> FloatArray:
    """SSVI total implied variance ``w(k, theta)`` (broadcast); 0 where ``theta`` is 0."""
    theta_arr = np.asarray(theta, dtype=np.float64)
    safe = np.where(theta_arr > 0.0, theta_arr, 1.0)
    pk = ssvi_phi(safe, eta, gamma) * np.asarray(k, dtype=np.float64)
    w = 0.5 * safe * (1.0 + rho * pk + np.sqrt((pk + rho) ** 2 + 1.0 - rho * rho))
    return np.asarray(np.where(theta_arr > 0.0, w, 0.0), dtype=np.float64)


def implied_vol(k: FloatArray, theta: FloatArray, t_years: FloatArray, rho: float, eta: float,
                gamma: float) -> FloatArray:
    """Implied volatility ``sqrt(w / T)`` (per calendar year); 0 where ``T`` is 0."""
    w = ssvi_total_variance(k, theta, rho, eta, gamma)
    t = np.asarray(t_years, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        vol = np.sqrt(w / np.where(t > 0.0, t, 1.0))
    return np.asarray(np.where(t > 0.0, vol, 0.0), dtype=np.float64)
