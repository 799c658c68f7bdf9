"""Index paths of the synthetic market: stochastic volatility, leverage and jumps.

Data stage, first piece of generation (``spec.py`` -> here -> ``bars.py``, ``vix.py``,
``chain.py``). The log-variance ``x = ln v`` is an Ornstein-Uhlenbeck process, stepped
exactly on the trading clock of ``clock.py``; the log-index moves by
``(mu - v/2 - lambda m) dt + sqrt(v dt) eps_s + J`` with ``corr(eps_s, eps_v) = rho < 0``
(leverage) and compound-Poisson jumps ``J`` that also lift the variance. Shocks are
partly common to every symbol (a market factor drawn from the seed alone), so NIFTY and
BANKNIFTY move together. Each one-minute bar's high and low come from the exact
distribution of a Brownian bridge's maximum and minimum between its open and close.

Everything is vectorised over the whole path; a year of one-minute steps takes
milliseconds. Same seed -> identical path.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine.data.synthetic.clock import SESSION_MINUTES, STEPS_PER_DAY, step_years
from engine.data.synthetic.spec import SymbolSpec

FloatArray = npt.NDArray[np.float64]

_AR1_BLOCK = 4096
_MAX_DECAY = 200.0
_MARKET_STREAM = 1
_SYMBOL_STREAM = 2


@dataclass(frozen=True)
class IndexPath:
    """A simulated index over ``n_days`` trading days on the 376-point daily grid.

    ``log_spot[d, 0]`` is day d's open (after the overnight gap), ``log_spot[d, m]`` the
    close of session minute m; ``log_var`` is ln(variance per trading year) at the same
    points; ``log_high`` / ``log_low`` (shape ``(n_days, 375)``) are each minute's extremes.
    """

    symbol: str
    log_spot: FloatArray
    log_var: FloatArray
    log_high: FloatArray
    log_low: FloatArray
    prev_close: float

    @property
    def n_days(self) -> int:
        """Trading days in the path."""
        return int(self.log_spot.shape[0])


def ar1(y0: float, a: FloatArray, u: FloatArray) -> FloatArray:
    """Solve ``y[t] = a[t] * y[t-1] + u[t]`` (``y[-1] = y0``) without a Python loop.

    Within a block, ``y[t] = A[t] (y0 + sum_{i<=t} u[i] / A[i])`` with ``A = cumprod(a)``;
    blocks keep ``A`` far from underflow.
    """
    out = np.empty_like(u)
    carry = float(y0)
    lo, n = 0, u.shape[0]
    while lo < n:
        log_a = np.cumsum(np.log(a[lo:min(lo + _AR1_BLOCK, n)]))
        deep = np.flatnonzero(log_a < -_MAX_DECAY)
        if deep.size:  # cut the block before A underflows
            log_a = log_a[: max(int(deep[0]), 1)]
        hi = lo + log_a.size
        big_a = np.exp(log_a)
        out[lo:hi] = big_a * (carry + np.cumsum(u[lo:hi] / big_a))
        carry = float(out[hi - 1])
        lo = hi
    return out


def _rngs(spec: SymbolSpec, seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    market = np.random.default_rng([seed, _MARKET_STREAM])
    own = np.random.default_rng([seed, _SYMBOL_STREAM, zlib.crc32(spec.symbol.encode())])
    return market, own


def simulate_index(spec: SymbolSpec, n_days: int, seed: int, rate: float) -> IndexPath:
    """Simulate ``n_days`` trading days of ``spec`` from ``spec.spot0`` (the previous close).

    ``rate`` (per year) minus the dividend yield is the drift of the index.
    """
    if n_days <= 0:
        raise ValueError(f"n_days must be > 0, got {n_days}")
    n = n_days * STEPS_PER_DAY
    dt_years = np.tile(step_years(), n_days)
    market, own = _rngs(spec, seed)
    z_market = market.standard_normal((3, n))
    u_jump = market.random(n)
    z_own = own.standard_normal((2, n))
    e_bridge = own.standard_exponential((2, n_days, SESSION_MINUTES))

    c = spec.market_corr
    idio = np.sqrt(1.0 - c * c)
    eps_v = c * z_market[0] + idio * z_own[0]
    eps_perp = c * z_market[1] + idio * z_own[1]
    rho = spec.leverage_rho
    eps_s = rho * eps_v + np.sqrt(1.0 - rho * rho) * eps_perp

    jumps = np.where(
        u_jump < spec.jump_per_year * dt_years,
        spec.jump_scale * (spec.jump_mean + spec.jump_std * z_market[2]),
        0.0,
    )
    kappa = spec.kappa_per_year
    a = np.exp(-kappa * dt_years)
    shock_sd = spec.vol_of_logvar * np.sqrt((1.0 - a * a) / (2.0 * kappa))
    u = shock_sd * eps_v + spec.jump_vol_feedback * np.maximum(-jumps, 0.0)
    theta = spec.theta_logvar
    log_var = theta + ar1(0.0, a, u)  # starts at the median variance
    var_before = np.exp(np.concatenate(([theta], log_var[:-1])))

    s = spec.jump_scale
    compensator = spec.jump_per_year * (
        np.exp(s * spec.jump_mean + 0.5 * (s * spec.jump_std) ** 2) - 1.0
    )
    drift = (rate - spec.dividend_yield - compensator - 0.5 * var_before) * dt_years
    returns = drift + np.sqrt(var_before * dt_years) * eps_s + jumps
    log_spot = np.log(spec.spot0) + np.cumsum(returns)

    grid_spot = log_spot.reshape(n_days, STEPS_PER_DAY)
    grid_var = log_var.reshape(n_days, STEPS_PER_DAY)
    minute_var = (var_before * dt_years).reshape(n_days, STEPS_PER_DAY)[:, 1:]
    start = grid_spot[:, :-1]
    end = grid_spot[:, 1:]
    gap = end - start
    mid = start + end
    high = 0.5 * (mid + np.sqrt(gap * gap + 2.0 * minute_var * e_bridge[0]))
    low = 0.5 * (mid - np.sqrt(gap * gap + 2.0 * minute_var * e_bridge[1]))
    return IndexPath(
        symbol=spec.symbol,
        log_spot=grid_spot,
        log_var=grid_var,
        log_high=high,
        log_low=low,
        prev_close=float(spec.spot0),
    )


def rebased(path: IndexPath, day: int, level: float) -> IndexPath:
    """``path`` scaled so that the close before path day ``day`` equals ``level``.

    The generator anchors the index at ``spot0`` when its intraday window opens (the
    history before it wanders freely); returns are unchanged.
    """
    before = path.prev_close if day == 0 else float(np.exp(path.log_spot[day - 1, -1]))
    shift = float(np.log(level / before))
    return IndexPath(
        symbol=path.symbol,
        log_spot=path.log_spot + shift,
        log_var=path.log_var,
        log_high=path.log_high + shift,
        log_low=path.log_low + shift,
        prev_close=path.prev_close * float(np.exp(shift)),
    )
