"""Position valuation over a path (simulation stage): P&L, greeks and the exit clock per bar.

Turns the legs' quote matrices (``MarketView.leg_paths``) into the ``PathState`` the exit rules
read. Leg greeks come from the store when enriched (``posbt data enrich``); where they are missing
they are computed here by Black-76 on the forward F = spot x e^{rT} with the IV implied by the
leg's own close (an approximation stated in the run's log: enriched greeks use the parity forward).
Position greeks are sums of leg greeks x signed units (REFERENCE: delta in index units x lot x lots,
vega in rupees per vol point, theta in rupees per calendar day).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

import numpy as np

from engine.domain.structures import Leg
from engine.market import LegPaths, Timeline
from engine.market.context import ArrayMemo
from engine.pricing.greeks import greeks
from engine.pricing.iv import implied_vol
from engine.pricing.time import t_years
from engine.strategy.exits import PathState
from engine.strategy.plan import StrategyPlan


def fill_missing_greeks(paths: LegPaths, legs: Sequence[Leg], tl: Timeline, i0: int,
                        rate: float, memo: ArrayMemo | None = None) -> None:
    """Compute iv and greeks in place where the store had none (stored values are kept).

    ``memo`` (a sweep worker's): a leg's iv and greeks are looked up by everything they are
    computed from (the contract, the rate, and the stamps, closes, spots and missing cells
    of its rows) and computed only when not there, so variants that hold the same contract
    over the same bars do not solve the same implied vols again."""
    quoted = np.isfinite(paths.close)
    need_iv = ~np.isfinite(paths.iv) & quoted
    need_greeks = ~np.isfinite(paths.delta) & quoted
    missing = need_iv | need_greeks
    if not missing.any():
        return
    n = paths.close.shape[0]
    ts = tl.ts[i0:i0 + n]
    spot = tl.close[i0:i0 + n]
    for j, leg in enumerate(legs):
        rows = np.flatnonzero(missing[:, j])
        if rows.size == 0:
            continue
        close = paths.close[rows, j]
        set_iv = need_iv[rows, j]
        set_g = need_greeks[rows, j]
        key = None
        got = None
        if memo is not None:
            digest = hashlib.blake2b(digest_size=20)
            for part in (ts[rows], close, spot[rows], set_iv, set_g):
                digest.update(np.ascontiguousarray(part).tobytes())
            key = (leg.expiry, float(leg.strike), leg.right.value, float(rate), rows.size,
                   digest.digest())
            got = memo.get(key)
        if got is None:
            t = t_years(ts[rows], np.full(rows.size, np.datetime64(leg.expiry, "D")))
            fwd = spot[rows] * np.exp(rate * t)
            iv = implied_vol(close, fwd, leg.strike, t, rate, leg.right.value)
            g = greeks(fwd, leg.strike, t, rate, iv, leg.right.value)
            got = (np.asarray(iv), np.asarray(g.delta), np.asarray(g.gamma), np.asarray(g.vega),
                   np.asarray(g.theta))
            if memo is not None and key is not None:
                memo.put(key, got)
        iv_v, delta, gamma, vega, theta = got
        paths.iv[rows[set_iv], j] = iv_v[set_iv]
        paths.delta[rows[set_g], j] = delta[set_g]
        paths.gamma[rows[set_g], j] = gamma[set_g]
        paths.vega[rows[set_g], j] = vega[set_g]
        paths.theta[rows[set_g], j] = theta[set_g]


def exit_clock(tl: Timeline, i0: int, n: int, plan: StrategyPlan, front: dt.date) -> np.ndarray:
    """True from the bar at which the scheduled exit time is reached (bars i0..i0+n-1)."""
    rules = plan.exits
    if rules.days_before_expiry is None and rules.exit_time is None:
        return np.zeros(n, dtype=bool)
    days = tl.trading_days
    front_d = np.datetime64(front, "D")
    exit_day = front_d
    if rules.days_before_expiry:
        before = days[days < front_d]
        if before.size >= rules.days_before_expiry:
            exit_day = before[before.size - rules.days_before_expiry]
        elif before.size:
            exit_day = before[0]
    at = rules.exit_time or dt.time(15, 15)
    exit_ts = exit_day.astype("datetime64[us]") + np.timedelta64(at.hour * 60 + at.minute, "m")
    return np.asarray(tl.ts[i0:i0 + n] >= exit_ts)


def position_path(paths: LegPaths, tl: Timeline, i0: int, qty_units: np.ndarray,
                  entry_px: np.ndarray, plan: StrategyPlan, front: dt.date) -> PathState:
    """P&L (rupees, before costs) and position greeks per bar; bar 0 is the entry bar."""
    n = paths.close.shape[0]
    pnl = (paths.close - entry_px[None, :]) @ qty_units
    return PathState(
        pnl_inr=pnl,
        delta=paths.delta @ qty_units,
        gamma=paths.gamma @ qty_units,
        vega_inr=paths.vega @ qty_units,
        theta_inr=paths.theta @ qty_units,
        after_exit_time=exit_clock(tl, i0, n, plan, front),
        premium_base_inr=float(abs((qty_units * entry_px).sum())),
    )
