"""Data-quality checks on the quotes a run uses (simulation stage): jumps and staleness.

A quote jump is a bar-to-bar change of a leg's close whose size exceeds ``n_sigma`` robust
standard deviations (1.4826 x the median absolute change) of that leg's changes on the path.
"""

from __future__ import annotations

import numpy as np


def quote_jumps(closes: np.ndarray, n_sigma: float) -> int:
    """Number of bar-to-bar moves beyond ``n_sigma`` robust sigmas, over every column."""
    if closes.shape[0] < 3:
        return 0
    moves = np.diff(closes, axis=0)
    count = 0
    for col in moves.T:
        col = col[np.isfinite(col)]
        if col.size < 2:
            continue
        scale = 1.4826 * float(np.median(np.abs(col - np.median(col))))
        if scale <= 0:
            continue
        count += int((np.abs(col - np.median(col)) > n_sigma * scale).sum())
    return count
