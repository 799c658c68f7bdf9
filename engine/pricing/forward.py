"""The synthetic forward from put-call parity (pricing stage).

Weekly index options have no future of the same expiry, so posbt reads the forward off
the chain: ``C - P = e^{-rT} (F - K)`` gives ``F = K + e^{rT} (C - P)``, taken at the
strike where ``|C - P|`` is smallest (the at-the-money strike, where both quotes are
liquid and the result does not depend on a dividend guess). Ties go to the lower
strike. Inputs are the call and put prices per strike of one chain (or of many chains
told apart by an id); the forward feeds ``iv.py``, ``chain.py`` and enrichment.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from engine.pricing._inputs import ArrayLike, FloatArray, as_float, broadcast


def synthetic_forward(strike: ArrayLike, call_pts: ArrayLike, put_pts: ArrayLike,
                      t_years: float, r: float) -> float:
    """The parity forward of one chain; NaN when no strike has both prices.

    Args:
        strike: strikes, points (one per row, each with its call and put price).
        call_pts: call prices, points (NaN where missing).
        put_pts: put prices, points (NaN where missing).
        t_years: time to expiry, years.
        r: risk-free rate, continuously compounded per year.
    """
    _, fwd = synthetic_forwards(np.zeros(np.shape(as_float("strike", strike)), dtype=np.int64),
                                strike, call_pts, put_pts, t_years, r)
    return float(fwd[0]) if fwd.size else float("nan")


def synthetic_forwards(chain_id: npt.ArrayLike, strike: ArrayLike, call_pts: ArrayLike,
                       put_pts: ArrayLike, t_years: ArrayLike, r: ArrayLike
                       ) -> tuple[npt.NDArray[np.generic], FloatArray]:
    """Parity forwards of many chains at once, one per distinct ``chain_id``.

    Rows are (chain, strike) pairs with both prices; ``t_years`` and ``r`` broadcast per
    row (they are constant within a chain). A row with a missing, NaN or negative price
    is ignored; a chain with no usable row gets NaN.

    Returns:
        ``(ids, forwards)``: the distinct chain ids (sorted) and their forwards, points.
    """
    ids = np.asarray(chain_id)
    k, c, p, t, rr = broadcast(strike=as_float("strike", strike),
                               call_pts=as_float("call_pts", call_pts),
                               put_pts=as_float("put_pts", put_pts),
                               t_years=as_float("t_years", t_years), r=as_float("r", r))
    if ids.shape != k.shape:
        raise ValueError(f"chain_id: shape {ids.shape} differs from strike: shape {k.shape}")
    ids, k, c, p, t, rr = (np.ravel(a) for a in (ids, k, c, p, t, rr))
    uniq, inverse = np.unique(ids, return_inverse=True)
    out = np.full(uniq.size, np.nan)
    usable = np.isfinite(c) & np.isfinite(p) & (c >= 0) & (p >= 0) & np.isfinite(k) & (k > 0)
    if not usable.any():
        return uniq, out
    rows = np.flatnonzero(usable)
    gap = np.abs(c[rows] - p[rows])
    # order by chain, then |C - P|, then strike; the first row of each chain wins
    order = rows[np.lexsort((k[rows], gap, inverse[rows]))]
    first = order[np.unique(inverse[order], return_index=True)[1]]
    with np.errstate(over="ignore", invalid="ignore"):
        fwd = k[first] + np.exp(rr[first] * t[first]) * (c[first] - p[first])
    out[inverse[first]] = fwd
    return uniq, out
