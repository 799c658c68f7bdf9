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


DEFAULT_INTRADAY_MAX_AGE_MIN = 30.0  # intraday default: a quote older than 30 minutes is stale
DAY_MINUTES = 1440


def stale_quote_mask(have: np.ndarray, ts: np.ndarray, bar_minutes: int,
                     max_age_minutes: float | None) -> np.ndarray:
    """Per bar and leg: True where the leg's latest real quote is older than the staleness.

    ``have`` (n_bars, n_legs) is True where the bar has a quote of its own. Intraday the age is
    the time since that quote (default 30 minutes); at daily bars it is counted in bars (default
    one bar interval: the previous session's price is fresh, an older one is stale; a set
    ``max_age_minutes`` is rounded up to whole days). A leg not yet quoted on the path is stale.
    """
    n = have.shape[0]
    rows = np.arange(n)[:, None]
    last = np.maximum.accumulate(np.where(have, rows, -1), axis=0)
    never = last < 0
    if bar_minutes >= DAY_MINUTES:
        limit_bars = 1 if max_age_minutes is None else max(1, int(np.ceil(max_age_minutes / DAY_MINUTES)))
        out = (rows - last) > limit_bars
    else:
        limit = DEFAULT_INTRADAY_MAX_AGE_MIN if max_age_minutes is None else max_age_minutes
        age_min = (ts[:, None] - ts[np.maximum(last, 0)]) / np.timedelta64(1, "m")
        out = age_min > limit
    return np.asarray(out | never)


def staleness_label(bar_minutes: int, max_age_minutes: float | None) -> str:
    """How the staleness reads in a message ("30 minutes", "1 session")."""
    if bar_minutes >= DAY_MINUTES:
        days = 1 if max_age_minutes is None else max(1, int(np.ceil(max_age_minutes / DAY_MINUTES)))
        return f"{days} session{'s' if days > 1 else ''}"
    limit = DEFAULT_INTRADAY_MAX_AGE_MIN if max_age_minutes is None else max_age_minutes
    return f"{limit:g} minutes"
