"""Model-implied variance over a horizon, and the VIX-like index built from it.

Data stage, after ``paths.py``; ``chain.py`` uses the same expected variance for the ATM
total variance of every expiry, so the VIX, the term structure and the option prices
all come from one volatility state. For the log-OU variance of ``paths.py``,
``E[v_s | x_0] = exp(theta + (x_0 - theta) e^{-kappa s} + xi^2 (1 - e^{-2 kappa s}) / (4 kappa))``;
the expected integrated variance over ``tau`` trading years is its integral (8-point
Gauss-Legendre, exact to ~1e-10 here) plus the jump variance ``lambda E[J^2] tau``.
The market prices that variance times ``vrp_variance_mult`` (the variance risk premium),
so the VIX sits above the realised volatility that follows on most days.

VIX = 100 * sqrt(priced variance over 30 calendar days / (30 / 365)); 30 calendar days
are taken as 30/365 trading years (252 trading days ~ one calendar year).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from engine.data.synthetic.spec import SymbolSpec

FloatArray = npt.NDArray[np.float64]

VIX_TENOR_YEARS: Final = 30.0 / 365.0
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(8)


def expected_integrated_variance(log_var: FloatArray, tau_years: FloatArray | float,
                                 spec: SymbolSpec) -> FloatArray:
    """E[integral_0^tau v_s ds | ln v_0 = log_var] + jump variance, broadcast over inputs."""
    x = np.asarray(log_var, dtype=np.float64)[..., None]
    tau = np.asarray(tau_years, dtype=np.float64)[..., None]
    s = 0.5 * tau * (_GL_NODES + 1.0)
    kappa = spec.kappa_per_year
    theta = spec.theta_logvar
    mean = theta + (x - theta) * np.exp(-kappa * s)
    var = spec.vol_of_logvar**2 * (1.0 - np.exp(-2.0 * kappa * s)) / (2.0 * kappa)
    diffusive = 0.5 * tau[..., 0] * np.sum(_GL_WEIGHTS * np.exp(mean + 0.5 * var), axis=-1)
    return np.asarray(diffusive + spec.jump_variance_per_year * tau[..., 0], dtype=np.float64)


def priced_total_variance(log_var: FloatArray, tau_years: FloatArray | float,
                          spec: SymbolSpec) -> FloatArray:
    """The variance options price over ``tau``: expected variance times the risk premium."""
    return spec.vrp_variance_mult * expected_integrated_variance(log_var, tau_years, spec)


def vix_from_log_var(log_var: FloatArray, spec: SymbolSpec) -> FloatArray:
    """VIX-like level (volatility points, 13.5 = 13.5%) for each variance state."""
    total = priced_total_variance(log_var, VIX_TENOR_YEARS, spec)
    return np.asarray(100.0 * np.sqrt(total / VIX_TENOR_YEARS), dtype=np.float64)
