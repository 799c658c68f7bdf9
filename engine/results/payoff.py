"""Payoff diagrams of a trade (results stage): at entry and after each adjustment, the
position's payoff at the front expiry and its T+0 curve over a range of index levels.

The position at a stage is every fill of the trade up to that moment (entry legs, then each
adjustment's closes and opens), netted per contract; its cash is the fills' cash less their
costs. Each leg is valued with Black-76 at the implied volatility of its last fill (the fill
price, the spot at that fill, the forward ``S e^{rT}`` and the plan's rate), so the T+0 curve
passes through the position's value when the stage was reached:

    T+0(S)    = cash + sum_i q_i * B76(S e^{r T_i}, K_i, T_i, r, iv_i)      T_i from the stage time
    expiry(S) = cash + sum_i q_i * value of leg i when the front expiry settles
                (its intrinsic value if it expires then, its Black-76 value with the time it
                has left if it expires later: calendars, diagonals)

The spot range holds every strike and spot, widened by 2.5 standard deviations of the index
to the front expiry at entry (median leg vol), at least 2% and at most 8% each side.
Breakevens are where the expiry curve crosses zero (linear between grid points). A leg whose
fill price has no implied volatility (at or below intrinsic) takes the median of the others,
else 15%.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from engine.pricing.black76 import black76
from engine.pricing.iv import implied_vol
from engine.pricing.time import t_years
from engine.results.records import FillRecord, TradeRecord
from engine.results.result import BacktestResult

GRID_POINTS = 161
MIN_RANGE_FRAC, MAX_RANGE_FRAC = 0.02, 0.08  # the spot range beyond strikes and spot
MAX_STAGES = 6         # entry and the first five adjustments
FALLBACK_IV = 0.15


@dataclass(frozen=True)
class Leg:
    """One contract held at a stage (signed units) and the volatility it is valued at."""

    expiry: dt.date
    strike: float
    right: str
    qty_units: int
    iv: float


@dataclass(frozen=True)
class Stage:
    """The position at entry or right after an adjustment, with its curves."""

    label: str
    ts: dt.datetime
    spot: float
    legs: tuple[Leg, ...]
    cash_inr: float
    expiry_inr: np.ndarray
    t0_inr: np.ndarray
    breakevens: tuple[float, ...]


@dataclass(frozen=True)
class Payoff:
    """The stages of one trade on a common spot grid."""

    strategy: str
    trade: TradeRecord
    spots: np.ndarray
    stages: tuple[Stage, ...]
    more_stages: int   # adjustments beyond MAX_STAGES - 1 that are not drawn


def selected_trade(result: BacktestResult) -> TradeRecord | None:
    """The trade BT_Payoff draws: the most adjusted one (the first of equals), else None."""
    if not result.trades:
        return None
    return max(result.trades, key=lambda t: (t.adjustments, -t.trade_id))


def _spot_at(result: BacktestResult, trade_id: int, ts: dt.datetime, default: float) -> float:
    s = result.series
    ids = s.column("trade_id")
    if not ids.size:
        return default
    stamps = s.column("ts")
    mine = np.flatnonzero((ids == trade_id) & (stamps <= np.datetime64(ts, "us")))
    return float(s.column("spot")[mine[-1]]) if mine.size else default


def _iv(f: FillRecord, spot: float, rate: float) -> float:
    t = t_years(f.ts, f.expiry)
    if t <= 0 or f.price_pts <= 0:
        return math.nan
    fwd = spot * math.exp(rate * t)
    return float(implied_vol(f.price_pts, fwd, f.strike, t, rate, f.right))


def _position(fills: Sequence[FillRecord], spot_at: Callable[[dt.datetime], float],
              rate: float) -> tuple[Leg, ...]:
    qty: dict[tuple[dt.date, float, str], int] = {}
    last: dict[tuple[dt.date, float, str], FillRecord] = {}
    for f in fills:
        key = (f.expiry, f.strike, f.right)
        qty[key] = qty.get(key, 0) + f.qty_units
        last[key] = f
    held = [k for k, q in qty.items() if q != 0]
    ivs = {k: _iv(last[k], spot_at(last[k].ts), rate) for k in held}
    good = [v for v in ivs.values() if math.isfinite(v)]
    fallback = float(np.median(good)) if good else FALLBACK_IV
    return tuple(Leg(k[0], k[1], k[2], qty[k], ivs[k] if math.isfinite(ivs[k]) else fallback)
                 for k in sorted(held))


def _value(legs: Sequence[Leg], spots: np.ndarray, at: dt.datetime, rate: float,
           settle: dt.date | None) -> np.ndarray:
    """Sum of q * leg value over ``spots`` at ``at``; a leg expiring on ``settle`` is worth
    its intrinsic value then."""
    total = np.zeros_like(spots)
    for leg in legs:
        if settle is not None and leg.expiry <= settle:
            intrinsic = (np.maximum(spots - leg.strike, 0.0) if leg.right == "CE"
                         else np.maximum(leg.strike - spots, 0.0))
            total += leg.qty_units * intrinsic
            continue
        t = max(t_years(at, leg.expiry), 1e-9)
        price = black76(spots * math.exp(rate * t), leg.strike, t, rate, leg.iv, leg.right)
        total += leg.qty_units * np.asarray(price, dtype=float)
    return total


def zero_crossings(xs: np.ndarray, ys: np.ndarray) -> tuple[float, ...]:
    """Where ``ys`` crosses zero, linear between neighbouring points."""
    out = []
    for i in range(xs.size - 1):
        a, b = ys[i], ys[i + 1]
        if a == 0:
            out.append(float(xs[i]))
        elif a * b < 0:
            out.append(float(xs[i] + (xs[i + 1] - xs[i]) * a / (a - b)))
    return tuple(out)


def trade_payoff(result: BacktestResult, trade: TradeRecord) -> Payoff | None:
    """The payoff stages of ``trade``; None when its fills are not there."""
    fills = sorted((f for f in result.fills if f.trade_id == trade.trade_id), key=lambda f: f.ts)
    entry = [f for f in fills if f.ts == trade.entry_ts]
    if not entry:
        return None
    rate = result.plan.rate
    moments = [("entry", trade.entry_ts)]
    applied = sorted({a.ts for a in result.adjustments
                      if a.trade_id == trade.trade_id and a.status == "APPLIED"
                      and trade.entry_ts < a.ts < trade.exit_ts})
    moments += [(f"after adjustment {k}", ts) for k, ts in enumerate(applied, start=1)]
    drawn, more = moments[:MAX_STAGES], max(0, len(moments) - MAX_STAGES)
    def spot_at(ts: dt.datetime) -> float:
        return trade.entry_spot if ts == trade.entry_ts else _spot_at(
            result, trade.trade_id, ts, trade.entry_spot)

    positions = []
    for label, ts in drawn:
        upto = [f for f in fills if f.ts <= ts and f.ts < trade.exit_ts] or entry
        positions.append((label, ts, spot_at(ts), upto, _position(upto, spot_at, rate)))
    strikes = [leg.strike for *_, legs in positions for leg in legs]
    # the range: strikes and spots, widened by 2.5 sigma to the front expiry (2% to 8%)
    legs0 = positions[0][4]
    first_expiry = min((leg.expiry for leg in legs0), default=trade.exit_ts.date())
    sigma = float(np.median([leg.iv for leg in legs0])) if legs0 else FALLBACK_IV
    frac = min(MAX_RANGE_FRAC, max(MIN_RANGE_FRAC, 2.5 * sigma * math.sqrt(
        max(t_years(trade.entry_ts, first_expiry), 0.0))))
    lo = min([*strikes, *(p[2] for p in positions)]) * (1 - frac)
    hi = max([*strikes, *(p[2] for p in positions)]) * (1 + frac)
    # the strikes are on the grid: the expiry payoff's kinks are drawn exactly
    spots = np.unique(np.concatenate([np.linspace(lo, hi, GRID_POINTS), strikes]))
    stages = []
    for label, ts, spot, upto, legs in positions:
        cash = sum(f.cash_inr - f.costs_inr for f in upto)
        front = min((leg.expiry for leg in legs), default=None)
        settle_at = (dt.datetime.combine(front, dt.time(15, 30)) if front else ts)
        expiry = cash + _value(legs, spots, settle_at, rate, front)
        t0 = cash + _value(legs, spots, ts, rate, None)
        stages.append(Stage(label, ts, spot, legs, cash, expiry, t0,
                            zero_crossings(spots, expiry)))
    return Payoff(result.plan.name, trade, spots, tuple(stages), more)


def payoff_note(structure: str, adjustments: int) -> str:
    """``IRON_FLY, 4 adjustments, the most adjusted trade`` (no boast without adjustments)."""
    if adjustments == 0:
        return f"{structure}, no adjustment"
    plural = "s" if adjustments != 1 else ""
    return f"{structure}, {adjustments} adjustment{plural}, the most adjusted trade"


def legs_label(legs: Sequence[Leg]) -> str:
    """``-75 22000 CE 2025-01-09 (iv 14.2%)``, ``; `` between legs."""
    return "; ".join(f"{leg.qty_units:+d} {leg.strike:g} {leg.right} {leg.expiry.isoformat()} "
                     f"(iv {leg.iv:.1%})" for leg in legs)
