"""Synthetic option chains: no static arbitrage, put skew, Black-76 prices, sane quotes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import QuantLib as ql  # noqa: N813
from scipy.stats import norm

from engine.data.synthetic.chain import round_to_tick, spread_pts
from engine.data.synthetic.days import DayChain, DayContext, day_chain, plan_days
from engine.data.synthetic.paths import simulate_index
from engine.data.synthetic.spec import market_spec
from engine.data.synthetic.surface import ssvi_total_variance
from engine.domain.calendar import load_calendar
from engine.domain.contracts import load_contracts

TICK = 0.05
RATE = 0.065


@pytest.fixture(scope="module")
def ctx() -> DayContext:
    # 2025-01-02 is a Thursday weekly expiry day for NIFTY; 2025-01-03 the day after
    spec = market_spec(["NIFTY"], start=dt.date(2025, 1, 2), days=2, interval_minutes=15,
                       history_days=2, seed=5, weeklies_listed=4, monthlies_listed=3)
    calendar, master = load_calendar(), load_contracts()
    plan = plan_days(spec, calendar)
    path = simulate_index(spec.symbols[0], len(plan.days), spec.seed, spec.rate)
    return DayContext(spec=spec, symbol=spec.symbols[0], path=path, plan=plan, master=master,
                      calendar=calendar)


@pytest.fixture(scope="module")
def chains(ctx: DayContext) -> list[DayChain]:
    out = []
    for i in range(len(ctx.plan.days)):
        chain = day_chain(ctx, i, intraday=i >= ctx.plan.history_days)
        assert chain is not None
        out.append(chain)
    return out


def _atm(ctx: DayContext, i: int) -> float:
    return round(float(np.exp(ctx.path.log_spot[i, 0])) / 50) * 50


def test_chain_lists_what_the_exchange_lists(ctx: DayContext, chains: list[DayChain]) -> None:
    # path days: 31 Dec, 1 Jan (history), 2 Jan (a Thursday weekly expiry), 3 Jan
    assert ctx.plan.days == (dt.date(2024, 12, 31), dt.date(2025, 1, 1), dt.date(2025, 1, 2),
                             dt.date(2025, 1, 3))
    jan = [dt.date(2025, 1, d) for d in (2, 9, 16, 23)]
    monthlies = [dt.date(2025, 1, 30), dt.date(2025, 2, 27), dt.date(2025, 3, 27)]
    # 4 weeklies (today's included until 15:30; the monthly's week has none) + 3 monthlies
    assert chains[2].inputs.expiries == (*jan, *monthlies)
    # the day after an expiry the next weekly (6 Feb) is listed
    assert chains[3].inputs.expiries == (*jan[1:], dt.date(2025, 1, 30), dt.date(2025, 2, 6),
                                         *monthlies[1:])


def test_a_contract_keeps_every_strike_it_was_listed_with(ctx: DayContext,
                                                          chains: list[DayChain]) -> None:
    atm = [_atm(ctx, i) for i in range(4)]
    for i in (2, 3):
        c = chains[i]
        strikes = c.inputs.strikes
        assert np.all(np.diff(strikes) == 50.0)
        assert c.quotes.close.shape == (25, len(c.inputs.expiries), strikes.size, 2)
        for j, e in enumerate(c.inputs.expiries):
            # listed since day 0 (all but 6 Feb): the union of each day's ATM +/- 20 strikes
            first = 3 if e == dt.date(2025, 2, 6) else 0
            lo = min(atm[first:i + 1]) - 20 * 50
            hi = max(atm[first:i + 1]) + 20 * 50
            assert strikes[c.listed[j]].tolist() == np.arange(lo, hi + 1, 50.0).tolist(), e
    # the new weekly has just today's 41 strikes
    feb6 = chains[3].inputs.expiries.index(dt.date(2025, 2, 6))
    assert int(chains[3].listed[feb6].sum()) == 41


def test_no_static_arbitrage_before_rounding(chains: list[DayChain]) -> None:
    for c in chains:
        call, put = c.prices.ohlc[..., 0], c.prices.ohlc[..., 1]
        tol = 1e-9 * c.inputs.strikes[-1]
        # strikes on axis -1: calls non-increasing, puts non-decreasing, both convex
        assert np.all(np.diff(call, axis=-1) <= tol)
        assert np.all(np.diff(put, axis=-1) >= -tol)
        assert np.all(np.diff(call, n=2, axis=-1) >= -tol)
        assert np.all(np.diff(put, n=2, axis=-1) >= -tol)
        # ATM total variance non-decreasing in expiry (expiries sorted by date)
        assert np.all(np.diff(c.prices.theta, axis=-1) >= 0.0)


def test_total_variance_non_decreasing_in_expiry_at_every_moneyness(
        ctx: DayContext, chains: list[DayChain]) -> None:
    s = ctx.symbol
    k = np.linspace(-0.3, 0.3, 61)
    for c in chains:
        w = ssvi_total_variance(k[None, None, :], c.prices.theta[..., None], s.ssvi_rho,
                                s.ssvi_eta, s.ssvi_gamma)
        assert np.all(np.diff(w, axis=1) >= -1e-15)


def test_no_static_arbitrage_after_rounding_within_one_tick(chains: list[DayChain]) -> None:
    for c in chains:
        for price in (c.quotes.close, c.quotes.open, c.quotes.high, c.quotes.low):
            call, put = price[..., 0], price[..., 1]
            assert np.all(np.diff(call, axis=-1) <= TICK + 1e-9)
            assert np.all(np.diff(put, axis=-1) >= -TICK - 1e-9)
            # a butterfly of rounded prices: each leg within half a tick of a convex curve
            assert np.all(np.diff(call, n=2, axis=-1) >= -2 * TICK - 1e-9)
            assert np.all(np.diff(put, n=2, axis=-1) >= -2 * TICK - 1e-9)


def test_put_skew_25_delta_put_iv_above_call_iv(chains: list[DayChain]) -> None:
    c = chains[-1]
    for e in range(len(c.inputs.expiries)):
        t = float(c.prices.t_years[-1, e])
        if t < 5 / 365:
            continue
        iv = c.prices.iv[-1, e]
        f = float(c.prices.forward[-1, e])
        d1 = (np.log(f / c.inputs.strikes) + 0.5 * iv**2 * t) / (iv * np.sqrt(t))
        call_delta, put_delta = norm.cdf(d1), norm.cdf(d1) - 1.0  # forward deltas
        iv_call25 = np.interp(0.25, call_delta[::-1], iv[::-1])
        iv_put25 = np.interp(-0.25, put_delta[::-1], iv[::-1])
        if not (call_delta.min() < 0.25 < call_delta.max()
                and put_delta.min() < -0.25 < put_delta.max()):
            continue  # ATM +/- 20 strikes do not reach 25 delta this far out
        assert iv_put25 > iv_call25 + 0.01  # a risk reversal of at least -1 vol point


def test_prices_are_black76_on_the_forward(chains: list[DayChain]) -> None:
    c = chains[-1]
    b, e = 10, 3
    f, t = float(c.prices.forward[b, e]), float(c.prices.t_years[b, e])
    for j in (0, 15, 20, 27, 40):
        k, vol = float(c.inputs.strikes[j]), float(c.prices.iv[b, e, j])
        for side, ql_type in ((0, ql.Option.Call), (1, ql.Option.Put)):
            ref = ql.BlackCalculator(ql.PlainVanillaPayoff(ql_type, k), f, vol * np.sqrt(t),
                                     np.exp(-RATE * t)).value()
            assert c.prices.ohlc[3, b, e, j, side] == pytest.approx(ref, rel=1e-8, abs=1e-9)


def test_expiring_contract_is_worth_intrinsic_at_1530(chains: list[DayChain]) -> None:
    c = chains[2]  # 2025-01-02, expiry day of the first listed expiry
    spot = float(c.underlying[-1])
    call = c.prices.ohlc[3, -1, 0, :, 0]
    # T = 0 at the 15:30 bar: forward = spot, price = max(S - K, 0)
    np.testing.assert_allclose(call, np.maximum(np.exp(c.inputs.log_ohlc[3, -1])
                                                - c.inputs.strikes, 0.0), atol=1e-9)
    assert abs(spot - np.exp(c.inputs.log_ohlc[3, -1])) <= 0.005


def test_quotes_are_consistent_bars(chains: list[DayChain]) -> None:
    master = load_contracts()
    for c in chains:
        q = c.quotes
        assert np.all(q.low <= np.minimum(q.open, q.close))
        assert np.all(q.high >= np.maximum(q.open, q.close))
        assert np.all(q.bid <= q.ask - TICK + 1e-9)
        assert np.all((q.bid <= q.close) & (q.close <= q.ask))
        assert np.all(q.low >= TICK)
        for arr in (q.open, q.high, q.low, q.close, q.bid, q.ask):
            steps = arr / TICK
            assert np.all(np.abs(steps - np.round(steps)) < 1e-6)
        assert np.all(q.volume >= 0) and np.all(q.oi >= 0)
        # volume and OI in units: whole lots of each expiry's own lot size
        lots = np.array([master.lot_size("NIFTY", e) for e in c.inputs.expiries])
        assert np.all(q.volume % lots[None, :, None, None] == 0)
        assert np.all(q.oi % lots[None, :, None, None] == 0)
    # the Jan 2025 monthly kept lot 25 while the weeklies from 2 Jan moved to 75
    assert master.lot_size("NIFTY", dt.date(2025, 1, 30)) == 25
    assert master.lot_size("NIFTY", dt.date(2025, 1, 9)) == 75


def test_volume_and_oi_peak_at_the_money(ctx: DayContext, chains: list[DayChain]) -> None:
    c = chains[-1]
    # the day's ATM +/- 20 strikes (a contract's older strikes reach further on one side)
    mid = int(np.flatnonzero(c.inputs.strikes == _atm(ctx, 3))[0])
    window = slice(mid - 20, mid + 21)
    k = c.inputs.strikes[window]
    vol = c.quotes.volume.sum(axis=3)[:, :, window]  # (bar, expiry, strike)
    oi = c.quotes.oi[0].sum(axis=-1)[:, window]  # (expiry, strike) at the first bar
    for e in range(2):  # the liquid near expiries
        # volume-weighted strike of each bar sits within 3 strikes (150 pts) of the index
        centre = (vol[:, e] * k).sum(axis=1) / vol[:, e].sum(axis=1)
        assert np.all(np.abs(centre - c.underlying) < 150.0)
        # OI is set from the open: it peaks within 4 strikes of the day's ATM (index 20)
        assert abs(int(np.argmax(oi[e])) - 20) <= 4
        assert oi[e, 20] > 2 * oi[e, 0]


def test_spread_widens_away_from_money_and_near_expiry() -> None:
    # 0.3% of 100 = 0.30; 30 days out: x (1 + 1.5/31) = 0.3145
    assert float(spread_pts(np.array(100.0), np.array(0.0), np.array(30 / 365), TICK)) == (
        pytest.approx(0.3 * (1 + 1.5 / 31)))
    atm = spread_pts(np.array(100.0), np.array(0.0), np.array(1 / 365), TICK)
    otm = spread_pts(np.array(100.0), np.array(2.0), np.array(1 / 365), TICK)
    far = spread_pts(np.array(100.0), np.array(0.0), np.array(60 / 365), TICK)
    assert otm > atm > far
    # a price under a tick still has a one-tick spread (before the factors)
    assert float(spread_pts(np.array(0.01), np.array(0.0), np.array(10.0), TICK)) >= TICK


def test_round_to_tick() -> None:
    x = np.array([0.024, 0.026, 1.074, 1.076, 12.3249])
    np.testing.assert_allclose(round_to_tick(x, TICK), [0.0, 0.05, 1.05, 1.1, 12.3])
    np.testing.assert_allclose(round_to_tick(x, TICK, "floor"), [0.0, 0.0, 1.05, 1.05, 12.3])
    np.testing.assert_allclose(round_to_tick(x, TICK, "ceil"), [0.05, 0.05, 1.1, 1.1, 12.35])
    # an exact tick stays put under floor and ceil despite binary fractions
    assert float(round_to_tick(np.array(0.15), TICK, "ceil")) == pytest.approx(0.15)


def test_exchange_listing_counts_each_kind_apart() -> None:
    from engine.domain.expiries import Expiry, exchange_listing
    from engine.domain.kinds import ExpiryKind

    w = [Expiry(dt.date(2025, 1, d), ExpiryKind.WEEKLY) for d in (2, 9, 16, 23)]
    w += [Expiry(dt.date(2025, 2, d), ExpiryKind.WEEKLY) for d in (6, 13)]
    m = [Expiry(dt.date(2025, mo, d), ExpiryKind.MONTHLY)
         for mo, d in ((1, 30), (2, 27), (3, 27), (4, 24))]
    got = exchange_listing([*m, *w], 4, 3)
    assert got == sorted([*w[:4], *m[:3]])
    assert exchange_listing([*m, *w], None, None) == sorted([*w, *m])
    assert exchange_listing([*m, *w], 0, 1) == [m[0]]
