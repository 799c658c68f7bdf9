"""Data-quality checks on the quotes a run uses (simulation stage): jumps and staleness.

A quote jump is a bar-to-bar move of a leg's log price, inside one trading day, whose size exceeds
``n_sigma`` robust standard deviations (1.4826 x the median absolute deviation) of that leg's
intraday log moves on the path. Overnight moves and prices under ``min_price_pts`` (where one tick
is a large relative move) are not counted.
"""

from __future__ import annotations

import numpy as np


def quote_jumps(closes: np.ndarray, n_sigma: float, days: np.ndarray | None = None,
                min_price_pts: float = 1.0) -> int:
    """Number of intraday moves beyond ``n_sigma`` robust sigmas, over every column."""
    if closes.shape[0] < 3:
        return 0
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where(closes >= min_price_pts, np.log(closes), np.nan)
    moves = np.diff(logs, axis=0)
    if days is not None:
        moves[days[1:] != days[:-1]] = np.nan
    count = 0
    for col in moves.T:
        col = col[np.isfinite(col)]
        if col.size < 2:
            continue
        centre = float(np.median(col))
        scale = 1.4826 * float(np.median(np.abs(col - centre)))
        if scale <= 0:
            continue
        count += int((np.abs(col - centre) > n_sigma * scale).sum())
    return count
