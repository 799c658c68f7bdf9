"""Chain IVs by the out-of-the-money rule (pricing stage).

Deep in-the-money quotes, near expiry especially, carry almost no time value: their
vega is near zero and the IV solved from them is noise. posbt therefore solves each
strike's IV from its out-of-the-money option only — the put below the forward, the call
at or above it — and gives that IV to both rights at the strike. A price below one tick
(0.05 points) is noise too and gives NaN. A strike whose OTM option is absent gets NaN
for both rights (the ITM quote is not used).

Inputs: the rows of one or many chains (strike, right, price) with each row's forward
(``forward.py``), time (``time.py``) and rate; output: one IV per row for enrichment and
the volatility analytics.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from engine.pricing._inputs import (
    ArrayLike,
    FloatArray,
    RightLike,
    as_float,
    broadcast,
    is_call_array,
)
from engine.pricing.iv import implied_vol

TICK_PTS = 0.05


def otm_is_call(strike: ArrayLike, F: ArrayLike) -> npt.NDArray[np.bool_]:
    """True where the OTM option at ``strike`` is the call (strike >= F), else the put."""
    return np.asarray(as_float("strike", strike) >= as_float("F", F))


def chain_ivs(strike: ArrayLike, right: RightLike, price_pts: ArrayLike, F: ArrayLike,
              T: ArrayLike, r: ArrayLike, chain_id: npt.ArrayLike | None = None,
              min_price_pts: float = TICK_PTS) -> FloatArray:
    """One IV per row, solved from the OTM option at the row's (chain, strike).

    Args:
        strike: strikes, points.
        right: "CE"/"PE" per row.
        price_pts: option prices, points.
        F: the forward of each row's chain, points.
        T: time to expiry of each row, years.
        r: risk-free rate.
        chain_id: which chain each row belongs to (one chain when None); rows of a
            chain share F and T, and a (chain, strike, right) appears at most once.
        min_price_pts: prices below this (one tick) give NaN.

    Returns:
        IV per year for each row (NaN where the OTM option is absent, below a tick or
        has no IV; see ``iv.implied_vol_with_reason``).
    """
    k, c, p, f, t, rr = broadcast(strike=as_float("strike", strike), right=is_call_array(right),
                                  price_pts=as_float("price_pts", price_pts),
                                  F=as_float("F", F), T=as_float("T", T), r=as_float("r", r))
    shape = k.shape
    ids = (np.zeros(shape, dtype=np.int64) if chain_id is None
           else np.broadcast_to(np.asarray(chain_id), shape))
    k, c, p, f, t, rr, ids = (np.ravel(a) for a in (k, c, p, f, t, rr, ids))
    if k.size == 0:
        return np.empty(shape, dtype=np.float64)
    _, chain_idx = np.unique(ids, return_inverse=True)
    keys = np.stack([chain_idx.astype(np.float64), k], axis=1)
    _, slot = np.unique(keys, axis=0, return_inverse=True)
    slot = np.ravel(slot)
    otm = (c == (k >= f)) & np.isfinite(f)
    solve = otm & (p >= min_price_pts)
    iv_rows = np.full(k.size, np.nan)
    if solve.any():
        iv_rows[solve] = implied_vol(p[solve], f[solve], k[solve], t[solve], rr[solve], c[solve])
    by_slot = np.full(int(slot.max()) + 1, np.nan)
    by_slot[slot[otm]] = iv_rows[otm]
    return np.asarray(by_slot[slot].reshape(shape), dtype=np.float64)
