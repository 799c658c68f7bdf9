"""Which days the synthetic market covers, and one symbol-day's chain, ready to store.

Data stage, between the spec/paths (before) and ``generate.py`` (after, which loads the
rows). ``plan_days`` picks the daily-only history (``history_days`` trading days before
the window, so 252-day percentiles exist from the first intraday day), the intraday
window, and a longer trading-day list that runs past the window's last expiry for the
trading clock. ``day_option_rows`` prices one day's chain: ATM +/- n strikes, the ATM
strike fixed for the whole day from the day's open (rounded to the strike step), for
every expiry listed that day within the horizon (an expiry is tradable on its own day
until 15:30), both rights; intraday bars at the spec's interval plus the daily bar
(aggregated from them), or the daily bar alone on history days.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import math
import zlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from engine.data.synthetic.bars import aggregate_daily, option_table
from engine.data.synthetic.chain import (
    ChainInputs,
    ChainPrices,
    ChainQuotes,
    price_chain,
    quote_chain,
)
from engine.data.synthetic.clock import (
    DAILY_BAR_MINUTES,
    SESSION_MINUTES,
    bar_close_points,
    bar_timestamps,
    intraday_weights,
    trading_years,
)
from engine.data.synthetic.paths import IndexPath
from engine.data.synthetic.spec import MarketSpec, SymbolSpec
from engine.domain.calendar import TradingCalendar
from engine.domain.contracts import ContractMaster
from engine.domain.expiries import Expiry, exchange_listing, listed_expiries
from engine.errors import PosbtError

FloatArray = npt.NDArray[np.float64]
_QUOTE_STREAM = 3


@dataclass(frozen=True)
class DayPlan:
    """Trading days: ``days`` = history then window (the simulated path), ``clock_days`` =
    ``days`` followed by trading days past the window (for time to far expiries)."""

    days: tuple[dt.date, ...]
    history_days: int
    clock_days: tuple[dt.date, ...]

    @property
    def window(self) -> tuple[dt.date, ...]:
        """The intraday window's trading days."""
        return self.days[self.history_days:]

    def clock_index(self, d: dt.date) -> int:
        """Index of ``d`` in ``clock_days`` (the last trading day on or before it)."""
        return bisect.bisect_right(self.clock_days, d) - 1


def plan_days(spec: MarketSpec, calendar: TradingCalendar) -> DayPlan:
    """History, window and clock days of ``spec`` on ``calendar``."""
    window = calendar.trading_days(spec.start, spec.window_end)
    if spec.days is not None:
        window = window[: spec.days]
    if not window:
        raise PosbtError("no trading day in the window", place=f"start {spec.start}")
    lookback = spec.start - dt.timedelta(days=spec.history_days * 2 + 30)
    before = calendar.trading_days(lookback, spec.start - dt.timedelta(days=1))
    history = before[len(before) - spec.history_days:] if spec.history_days else []
    tail_end = window[-1] + dt.timedelta(days=spec.horizon_days + 14)
    tail = calendar.trading_days(window[-1] + dt.timedelta(days=1), tail_end)
    days = (*history, *window)
    return DayPlan(days=days, history_days=len(history), clock_days=(*days, *tail))


def bar_weights(interval_minutes: int) -> FloatArray:
    """Each bar's share of a day's activity times bars per day (mean 1): U-shaped."""
    if interval_minutes == DAILY_BAR_MINUTES:
        return np.ones(1)
    w = intraday_weights().reshape(-1, interval_minutes).mean(axis=1)
    return np.asarray(w / w.mean(), dtype=np.float64)


@dataclass(frozen=True)
class DayListing:
    """One path day's listing: the expiries, and each one's listed strike range
    ``(lo, hi)`` in points (both on the strike step, both included)."""

    expiries: tuple[Expiry, ...]
    ranges: dict[dt.date, tuple[float, float]]


@dataclass(frozen=True)
class DayContext:
    """Everything fixed for one symbol over the run."""

    spec: MarketSpec
    symbol: SymbolSpec
    path: IndexPath
    plan: DayPlan
    master: ContractMaster
    calendar: TradingCalendar

    @functools.cached_property
    def listing(self) -> tuple[DayListing, ...]:
        """Each path day's listing (``plan_listing``), computed once."""
        return plan_listing(self)


def day_expiries(ctx: DayContext, day: dt.date) -> list[Expiry]:
    """Expiries listed on ``day`` within the horizon, today's included, limited to what
    the exchange lists (``MarketSpec.weeklies_listed`` / ``monthlies_listed``)."""
    generated = listed_expiries(ctx.symbol.symbol, day, ctx.spec.horizon_days, ctx.master,
                                ctx.calendar, include_on=True)
    return exchange_listing(generated, ctx.spec.weeklies_listed, ctx.spec.monthlies_listed)


def _atm_range(ctx: DayContext, day: dt.date, open_pts: float) -> tuple[float, float, float]:
    step = ctx.master.strike_step(ctx.symbol.symbol, day)
    atm = round(open_pts / step) * step
    n = ctx.spec.strikes_each_side
    return atm - n * step, atm + n * step, step


def plan_listing(ctx: DayContext) -> tuple[DayListing, ...]:
    """Every path day's expiries and their strike ranges, in day order: a contract's range
    is today's ATM +/- n, widened (``keep_listed_strikes``) to every strike it was listed
    with on earlier days of its life, as exchanges keep listed strikes until expiry."""
    out: list[DayListing] = []
    ranges: dict[dt.date, tuple[float, float]] = {}
    for i, day in enumerate(ctx.plan.days):
        expiries = tuple(day_expiries(ctx, day))
        lo, hi, _ = _atm_range(ctx, day, float(np.exp(ctx.path.log_spot[i, 0])))
        today: dict[dt.date, tuple[float, float]] = {}
        for e in expiries:
            before = ranges.get(e.date) if ctx.spec.keep_listed_strikes else None
            today[e.date] = (lo, hi) if before is None else (min(before[0], lo),
                                                             max(before[1], hi))
            ranges[e.date] = today[e.date]
        out.append(DayListing(expiries=expiries, ranges=today))
    return tuple(out)


def day_strikes(ctx: DayContext, day: dt.date, open_pts: float) -> FloatArray:
    """ATM +/- n strikes on the contract's step, ATM from the day's open."""
    lo, hi, step = _atm_range(ctx, day, open_pts)
    return _grid(lo, hi, step)


def _grid(lo: float, hi: float, step: float) -> FloatArray:
    first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    return np.asarray(step * np.arange(first, last + 1, dtype=np.float64), dtype=np.float64)


def _day_rng(ctx: DayContext, i: int) -> np.random.Generator:
    code = zlib.crc32(ctx.symbol.symbol.encode())
    return np.random.default_rng([ctx.spec.seed, _QUOTE_STREAM, code, i])


@dataclass(frozen=True)
class DayChain:
    """One day's chain: the request, model prices and quotes, and what rows need.
    ``listed`` ``(n_e, n_k)`` marks the (expiry, strike) pairs listed that day (the chain
    is priced on the union of the expiries' strike ranges)."""

    inputs: ChainInputs
    prices: ChainPrices
    quotes: ChainQuotes
    bar_minutes: int
    underlying: FloatArray
    listed: npt.NDArray[np.bool_]


def day_chain(ctx: DayContext, i: int, intraday: bool,
              expiries: list[Expiry] | None = None) -> DayChain | None:
    """Price and quote path day ``i``'s chain (intraday bars, or the daily bar alone) for
    ``expiries`` (default: those listed that day); None when there are none."""
    day = ctx.plan.days[i]
    listing = ctx.listing[i]
    if expiries is None:
        expiries = list(listing.expiries)
    if not expiries:
        return None
    p = ctx.path
    _, _, step = _atm_range(ctx, day, float(np.exp(p.log_spot[i, 0])))
    ranges = [listing.ranges[e.date] for e in expiries]
    strikes = _grid(min(r[0] for r in ranges), max(r[1] for r in ranges), step)
    listed = np.stack([(strikes >= lo - 1e-9) & (strikes <= hi + 1e-9) for lo, hi in ranges])
    exp_dates = tuple(e.date for e in expiries)
    exp_idx = np.array([ctx.plan.clock_index(e) for e in exp_dates], dtype=np.int64)
    lots = np.array([ctx.master.lot_size(ctx.symbol.symbol, e.date, kind=e.kind)
                     for e in expiries], dtype=np.int64)
    n = ctx.spec.interval_minutes if intraday else DAILY_BAR_MINUTES
    points = bar_close_points(n)
    if intraday:
        log_ohlc = np.stack([
            p.log_spot[i, points - n],
            p.log_high[i].reshape(-1, n).max(axis=1),
            p.log_low[i].reshape(-1, n).min(axis=1),
            p.log_spot[i, points],
        ])
    else:
        log_ohlc = np.array([[p.log_spot[i, 0]], [p.log_high[i].max()], [p.log_low[i].min()],
                             [p.log_spot[i, -1]]])
    inputs = ChainInputs(
        ts=bar_timestamps([day], points)[0], log_ohlc=log_ohlc, log_var=p.log_var[i, points],
        tau_trading=trading_years(ctx.plan.clock_index(day), points[:, None], exp_idx[None, :]),
        expiries=exp_dates, strikes=strikes,
    )
    prices = price_chain(inputs, ctx.symbol, ctx.spec.rate)
    volume_minutes = float(n if intraday else SESSION_MINUTES)
    quotes = quote_chain(prices, ctx.symbol, lots, volume_minutes, bar_weights(n),
                         ctx.spec.tick_pts, _day_rng(ctx, i))
    underlying = np.asarray(np.round(np.exp(log_ohlc[3]) * 100.0) / 100.0, dtype=np.float64)
    return DayChain(inputs=inputs, prices=prices, quotes=quotes, bar_minutes=n,
                    underlying=underlying, listed=listed)


def day_option_rows(ctx: DayContext, i: int,
                    intraday: bool) -> tuple[list[pa.Table], list[Expiry]]:
    """option_bars rows of path day ``i`` (intraday bars then the daily bar aggregated from
    them, or the daily bar alone) and the expiries listed that day."""
    expiries = list(ctx.listing[i].expiries)
    chain = day_chain(ctx, i, intraday, expiries)
    if chain is None:
        return [], expiries
    sym, inp, q = ctx.symbol.symbol, chain.inputs, chain.quotes
    if not intraday:
        return [option_table(sym, DAILY_BAR_MINUTES, inp.ts, inp.expiries, inp.strikes, q,
                             chain.underlying, chain.listed)], expiries
    daily_ts = bar_timestamps([ctx.plan.days[i]], bar_close_points(DAILY_BAR_MINUTES))[0]
    return [
        option_table(sym, chain.bar_minutes, inp.ts, inp.expiries, inp.strikes, q,
                     chain.underlying, chain.listed),
        option_table(sym, DAILY_BAR_MINUTES, daily_ts, inp.expiries, inp.strikes,
                     aggregate_daily(q), chain.underlying[-1:], chain.listed),
    ], expiries
