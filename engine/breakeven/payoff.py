"""Breakevens of the legs actually held, from their expiry payoff (breakeven stage).

For legs that expire together the payoff at expiry, net of the cash of every fill so far and of
the costs, is piecewise linear in the index S, with kinks at the strikes:

    P(S) = cash - costs + sum_i q_i * max(+/-(S - K_i), 0)     (q_i signed units, calls +)

so its roots are exact: between two kinks P is a line. The breakevens are the roots that bound
the profitable stretch holding the spot (or, when the spot is in a loss, the stretch of the
highest payoff). A side on which P never falls to zero (the stretch runs to S = 0 or to infinity)
has no breakeven: it is reported as -inf / +inf, never as a number. No profitable stretch at
all: both NaN.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def payoff_inr(s: np.ndarray, strikes: Sequence[float], is_call: Sequence[bool],
               qty_units: Sequence[float], net_cash_inr: float) -> np.ndarray:
    """P(S) in rupees for every S in ``s`` (the formula of the module docstring)."""
    s = np.asarray(s, dtype=float)
    out = np.full(s.shape, float(net_cash_inr))
    for k, call, q in zip(strikes, is_call, qty_units, strict=True):
        out += q * (np.maximum(s - k, 0.0) if call else np.maximum(k - s, 0.0))
    return out


def expiry_breakevens(strikes: Sequence[float], is_call: Sequence[bool],
                      qty_units: Sequence[float], net_cash_inr: float,
                      spot: float) -> tuple[float, float]:
    """(lower, upper) roots of P(S) around the profitable stretch (module docstring)."""
    if not strikes:
        return (-math.inf, math.inf) if net_cash_inr > 0 else (math.nan, math.nan)
    kinks = np.unique(np.asarray(strikes, dtype=float))
    p = payoff_inr(kinks, strikes, is_call, qty_units, net_cash_inr)
    # slopes beyond the outer kinks: below every strike only puts pay (dP/dS = -sum q_put),
    # above every strike only calls (dP/dS = sum q_call)
    slope_left = -sum(q for q, c in zip(qty_units, is_call, strict=True) if not c)
    slope_right = sum(q for q, c in zip(qty_units, is_call, strict=True) if c)
    at_spot = float(payoff_inr(np.array([spot]), strikes, is_call, qty_units, net_cash_inr)[0])
    if at_spot > 0:
        i = int(np.searchsorted(kinks, spot))  # kinks[i - 1] < spot <= kinks[i]
        lo_i, hi_i = i - 1, i  # the stretch holding the spot lies between these kinks
    else:
        best = int(np.argmax(p))
        left_up = slope_left < 0 or (slope_left == 0 and p[0] > 0)  # P grows towards S = 0
        right_up = slope_right > 0 or (slope_right == 0 and p[-1] > 0)
        if p[best] <= 0 and not (left_up and slope_left < 0) and not (right_up and slope_right > 0):
            return math.nan, math.nan
        if p[best] <= 0:  # only a tail is profitable: below one root, or above one
            if left_up and slope_left < 0:
                return -math.inf, float(kinks[0] - p[0] / slope_left)
            return float(kinks[-1] + p[-1] / -slope_right), math.inf
        lo_i, hi_i = best, best
    return _lower(kinks, p, lo_i, slope_left), _upper(kinks, p, hi_i, slope_right)


def _lower(kinks: np.ndarray, p: np.ndarray, start: int, slope_left: float) -> float:
    """The root left of kink ``start`` (the first kink whose payoff is <= 0, walking left)."""
    for j in range(min(start, kinks.size - 1), -1, -1):
        if p[j] <= 0:
            nxt = j + 1
            if nxt >= kinks.size or p[nxt] == p[j]:
                return float(kinks[j])
            return float(kinks[j] + (kinks[nxt] - kinks[j]) * (0 - p[j]) / (p[nxt] - p[j]))
    if slope_left > 0:  # P falls as S falls below the lowest strike
        root = float(kinks[0] - p[0] / slope_left)
        return root if root > 0 else -math.inf
    return -math.inf


def _upper(kinks: np.ndarray, p: np.ndarray, start: int, slope_right: float) -> float:
    """The root right of kink ``start`` (the first kink whose payoff is <= 0, walking right)."""
    for j in range(max(start, 0), kinks.size):
        if p[j] <= 0:
            prv = j - 1
            if prv < 0 or p[prv] == p[j]:
                return float(kinks[j])
            return float(kinks[prv] + (kinks[j] - kinks[prv]) * (p[prv] - 0) / (p[prv] - p[j]))
    if slope_right < 0:  # P falls as S rises above the highest strike
        return float(kinks[-1] + p[-1] / -slope_right)
    return math.inf
