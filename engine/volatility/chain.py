"""One option chain as arrays, its parity forwards and ATM IVs per listed expiry (volatility stage).

Input: the rows of the store's ``chain_at`` query (one bar per contract, all stamped at the
same time, ``at`` or the latest bar before it that day). Output: ``ExpiryATM`` per listed
expiry, which ``term.py`` interpolates to constant maturities and ``skew.py`` reads for
the forward. IVs come from the chain's ``iv`` column when enrichment filled it; where it
is NULL they are solved with ``engine.pricing.implied_vol`` from the out-of-the-money side
(calls at K >= F, puts at K <= F) plus both rights at the ATM strike.

Conventions:
    * time to expiry: ``engine.pricing.t_years`` (minutes to 15:30 IST on expiry / 525600);
    * forward: ``engine.pricing.synthetic_forward`` (F = K + e^{rT} (C - P) at the strike
      where |C - P| is smallest); with no quoted pair, the bar's ``underlying`` grown at
      ``rate``;
    * ATM strike: the listed strike nearest the forward; ATM IV: the mean of the call and
      put IVs at that strike (whichever exist).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, datetime

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from engine.pricing import implied_vol, synthetic_forward, t_years
from engine.volatility.percentile import FloatArray


@dataclass(frozen=True)
class ExpiryATM:
    """ATM figures of one listed expiry at one time."""

    expiry: date
    t_years: float
    forward: float
    atm_strike: float
    atm_iv: float  # annualised fraction; NaN when no IV could be found


@dataclass(frozen=True)
class Chain:
    """A chain at one bar time: parallel arrays, one element per (expiry, strike, right)."""

    ts: datetime
    expiry: npt.NDArray[np.object_]
    strike: FloatArray
    is_call: npt.NDArray[np.bool_]
    close: FloatArray
    iv: FloatArray
    delta: FloatArray
    underlying: FloatArray

    @classmethod
    def from_arrow(cls, table: pa.Table) -> Chain:
        """Build from ``chain_at`` rows (columns expiry, strike, right, ts, close, iv, ...)."""
        def col(name: str) -> FloatArray:
            if name not in table.column_names:
                return np.full(table.num_rows, np.nan)
            return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)

        ts_values = table.column("ts").to_pylist() if table.num_rows else []
        return cls(
            ts=ts_values[0] if ts_values else datetime.min,
            expiry=np.asarray(table.column("expiry").to_pylist(), dtype=object),
            strike=col("strike"),
            is_call=np.asarray([r == "CE" for r in table.column("right").to_pylist()], dtype=bool),
            close=col("close"),
            iv=col("iv"),
            delta=col("delta"),
            underlying=col("underlying"),
        )

    @property
    def empty(self) -> bool:
        """True when the chain has no rows."""
        return self.strike.size == 0

    def expiries(self) -> list[date]:
        """Listed expiries in the chain, ascending."""
        return sorted(set(self.expiry.tolist()))

    def rows(self, expiry: date) -> npt.NDArray[np.bool_]:
        """Mask of the rows of ``expiry``."""
        return np.asarray(self.expiry == expiry, dtype=bool)


def _pairs(chain: Chain, mask: npt.NDArray[np.bool_]) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(strikes, call closes, put closes) of the masked rows, aligned by strike."""
    strikes = np.unique(chain.strike[mask])
    ce = np.full(strikes.size, np.nan)
    pe = np.full(strikes.size, np.nan)
    for is_call, out in ((True, ce), (False, pe)):
        sel = mask & (chain.is_call == is_call)
        out[np.searchsorted(strikes, chain.strike[sel])] = chain.close[sel]
    return strikes, ce, pe


def expiry_forward(chain: Chain, expiry: date, rate: float) -> tuple[float, float]:
    """(t_years, forward) of ``expiry`` in ``chain``."""
    t = t_years(chain.ts, expiry)
    mask = chain.rows(expiry)
    fwd = synthetic_forward(*_pairs(chain, mask), t, rate)
    if not math.isfinite(fwd):
        spot = chain.underlying[mask]
        spot = spot[np.isfinite(spot) & (spot > 0)]
        fwd = float(np.median(spot)) * math.exp(rate * t) if spot.size else float("nan")
    return t, fwd


def fill_iv(chain: Chain, rate: float) -> Chain:
    """The chain with NULL IVs solved on the OTM side (and both rights at the ATM strike)."""
    need = ~np.isfinite(chain.iv)
    if chain.empty or not need.any():
        return chain
    iv = chain.iv.copy()
    for expiry in chain.expiries():
        t, fwd = expiry_forward(chain, expiry, rate)
        mask = chain.rows(expiry) & need
        if not math.isfinite(fwd) or t <= 0 or not mask.any():
            continue
        atm = _nearest(np.unique(chain.strike[chain.rows(expiry)]), fwd)
        k = chain.strike
        otm = np.where(chain.is_call, k >= fwd, k <= fwd) | (k == atm)
        solve = mask & otm
        if solve.any():
            rights = np.where(chain.is_call[solve], "CE", "PE")
            iv[solve] = implied_vol(chain.close[solve], fwd, k[solve], t, rate, rights)
    return replace(chain, iv=iv)


def _nearest(strikes: FloatArray, fwd: float) -> float:
    return float(strikes[int(np.argmin(np.abs(strikes - fwd)))])


def atm_by_expiry(chain: Chain, rate: float) -> list[ExpiryATM]:
    """ATM strike and IV of every listed expiry not yet expired at the chain's time.

    The chain's IVs are used as they are: call ``fill_iv`` first when some are NULL.
    """
    out: list[ExpiryATM] = []
    for expiry in chain.expiries():
        t, fwd = expiry_forward(chain, expiry, rate)
        if t <= 0 or not math.isfinite(fwd):
            continue
        mask = chain.rows(expiry)
        atm = _nearest(np.unique(chain.strike[mask]), fwd)
        ivs = chain.iv[mask & (chain.strike == atm)]
        ivs = ivs[np.isfinite(ivs) & (ivs > 0)]
        out.append(ExpiryATM(expiry, t, fwd, atm, float(ivs.mean()) if ivs.size else math.nan))
    return out

