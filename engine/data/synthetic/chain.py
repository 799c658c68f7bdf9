"""Option chains of the synthetic market: model prices, then exchange-like quotes.

Data stage, after ``paths.py`` / ``vix.py`` / ``surface.py``, before ``rows.py`` writes
Arrow rows. For each bar, expiry and strike: the forward ``F = S e^{(r - q) T}``, the ATM
total variance ``theta`` of the expiry from the volatility state (``vix.py``), the SSVI
implied vol at ``k = ln(K/F)``, and the Black-76 price (``engine.pricing.black76``; puts
by put-call parity, which keeps their convexity exact). A bar's open, high, low and close
are priced at the index's open, high, low and close with the bar's close-time vol state
and time to expiry: under a sticky-moneyness, arbitrage-free smile a call's price rises
and a put's falls with the forward, so the extremes of the index give the extremes of
the option.

Quotes: prices on the 0.05 tick (never below one tick), bid/ask around the model price
with a spread that widens away from the money and near expiry, volume (Poisson, in
units of the lot) and OI peaking at the money and in the nearest expiries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine.data.synthetic.clock import calendar_years, expiry_close_stamp
from engine.data.synthetic.spec import SymbolSpec
from engine.data.synthetic.surface import implied_vol
from engine.data.synthetic.vix import priced_total_variance
from engine.pricing.black76 import black76

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ChainInputs:
    """One day's (or one bar's) chain request: ``n_b`` bars, ``n_e`` expiries, ``n_k`` strikes.

    ``log_ohlc`` has shape ``(4, n_b)`` (ln index at bar open, high, low, close);
    ``log_var`` ``(n_b,)`` is the variance state at each bar close; ``tau_trading``
    ``(n_b, n_e)`` the trading years left to each expiry's 15:30 close.
    """

    ts: npt.NDArray[np.datetime64]
    log_ohlc: FloatArray
    log_var: FloatArray
    tau_trading: FloatArray
    expiries: tuple[dt.date, ...]
    strikes: FloatArray


@dataclass(frozen=True)
class ChainPrices:
    """Model prices before rounding; ``ohlc`` has shape ``(4, n_b, n_e, n_k, 2)`` (CE, PE)."""

    ohlc: FloatArray
    iv: FloatArray
    forward: FloatArray
    t_years: FloatArray
    theta: FloatArray
    log_moneyness: FloatArray


def price_chain(inp: ChainInputs, spec: SymbolSpec, rate: float) -> ChainPrices:
    """Black-76 prices of every (bar, expiry, strike, right) on the SSVI surface."""
    t_years = calendar_years(inp.ts[:, None], expiry_close_stamp(inp.expiries)[None, :])
    theta = priced_total_variance(inp.log_var[:, None], inp.tau_trading, spec)
    carry = np.exp((rate - spec.dividend_yield) * t_years)
    disc = np.exp(-rate * t_years)[..., None]
    strikes = inp.strikes[None, None, :]
    out = np.empty((4, *t_years.shape, strikes.shape[-1], 2), dtype=np.float64)
    iv_close = k_close = forward_close = None
    for i in range(4):
        forward = np.exp(inp.log_ohlc[i])[:, None] * carry
        k = np.log(strikes / forward[..., None])
        iv = implied_vol(k, theta[..., None], t_years[..., None], spec.ssvi_rho, spec.ssvi_eta,
                         spec.ssvi_gamma)
        call = black76(forward[..., None], strikes, t_years[..., None], rate, iv, "CE")
        out[i, ..., 0] = call
        out[i, ..., 1] = np.maximum(call - disc * (forward[..., None] - strikes), 0.0)
        if i == 3:
            iv_close, k_close, forward_close = iv, k, forward
    assert iv_close is not None and k_close is not None and forward_close is not None
    return ChainPrices(ohlc=out, iv=iv_close, forward=forward_close, t_years=t_years,
                       theta=theta, log_moneyness=k_close)


@dataclass(frozen=True)
class ChainQuotes:
    """Exchange-like bars, shape ``(n_b, n_e, n_k, 2)`` each; prices on the tick."""

    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    bid: FloatArray
    ask: FloatArray
    volume: IntArray
    oi: IntArray


def round_to_tick(x: FloatArray, tick: float, mode: str = "nearest") -> FloatArray:
    """``x`` on the ``tick`` grid: nearest (half to even), floor or ceil (1e-9 tolerance)."""
    per = round(1.0 / tick)
    scaled = np.asarray(x, dtype=np.float64) * per
    if mode == "floor":
        steps = np.floor(scaled + 1e-9)
    elif mode == "ceil":
        steps = np.ceil(scaled - 1e-9)
    else:
        steps = np.round(scaled)
    return np.asarray(steps / per, dtype=np.float64)


def spread_pts(mid_pts: FloatArray, moneyness_sd: FloatArray, t_years: FloatArray,
               tick: float) -> FloatArray:
    """Quoted bid-ask spread (points): 0.3% of the price, at least one tick, times
    ``(1 + 0.25 |z|)`` away from the money (z in standard deviations, capped at 8) and
    ``(1 + 1.5 / (1 + days to expiry))`` near expiry."""
    dte_days = t_years * 365.0
    base = np.maximum(tick, 0.003 * mid_pts)
    return np.asarray(base * (1.0 + 0.25 * np.minimum(np.abs(moneyness_sd), 8.0))
                      * (1.0 + 1.5 / (1.0 + dte_days)), dtype=np.float64)


def quote_chain(prices: ChainPrices, spec: SymbolSpec, lot_size: IntArray, bar_minutes: float,
                bar_weight: FloatArray, tick: float, rng: np.random.Generator) -> ChainQuotes:
    """Round, spread and add activity to ``prices``.

    ``bar_weight`` ``(n_b,)`` is each bar's share of a day's activity times the bars per
    day (mean 1 over a day); ``bar_minutes`` scales volume (375 for a daily bar);
    ``lot_size`` ``(n_e,)`` is each expiry's units per lot (volume and OI are in units).
    """
    raw = prices.ohlc
    rounded = np.maximum(round_to_tick(raw, tick), tick)
    o, c = rounded[0], rounded[3]
    high = np.max(rounded, axis=0)
    low = np.min(rounded, axis=0)
    mid = raw[3]
    sd = np.sqrt(prices.theta + 1e-6)[..., None, None]
    z = prices.log_moneyness[..., None] / sd
    half = 0.5 * spread_pts(mid, z, prices.t_years[..., None, None], tick)
    bid = np.minimum(np.maximum(round_to_tick(mid - half, tick, "floor"), 0.0), c)
    ask = np.maximum(round_to_tick(mid + half, tick, "ceil"), np.maximum(c, bid + tick))

    dte_days = prices.t_years * 365.0
    near = (np.exp(-dte_days / 10.0) + 0.03)[..., None, None]
    otm = np.stack([z[..., 0] > 0.0, z[..., 0] < 0.0], axis=-1)  # OTM calls and puts trade more
    bell = np.exp(-0.5 * (z / 1.2) ** 2) * np.where(otm, 1.3, 0.7)
    lam = (spec.volume_base_lots * bar_minutes * bar_weight[:, None, None, None] * near * bell)
    volume_lots = rng.poisson(lam)
    oi_shape = np.broadcast_to(
        np.exp(-0.5 * (z[:1] / 1.2) ** 2) * (np.exp(-dte_days[:1] / 20.0) + 0.1)[..., None, None],
        (1, *mid.shape[1:]))
    noise = rng.lognormal(0.0, 0.15, size=oi_shape.shape)
    oi_open_lots = np.floor(spec.oi_base_lots * oi_shape * noise)
    oi_lots = oi_open_lots + np.floor(0.3 * np.cumsum(volume_lots, axis=0))
    lot = np.asarray(lot_size, dtype=np.int64)[None, :, None, None]
    return ChainQuotes(
        open=o, high=high, low=low, close=c, bid=bid, ask=ask,
        volume=volume_lots.astype(np.int64) * lot,
        oi=oi_lots.astype(np.int64) * lot,
    )
