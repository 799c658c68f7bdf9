"""Implied vol: round trip over 10k random cases, QuantLib's solver, and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.pricing import IVReason, black76, implied_vol, implied_vol_with_reason

ql = pytest.importorskip("QuantLib")


def test_round_trip_on_10k_random_cases(ql_cases) -> None:  # type: ignore[no-untyped-def]
    c = ql_cases
    iv, reason = implied_vol_with_reason(c.price, c.F, c.K, c.T, c.r, c.right)
    solvable = c.vega_per_1 > 1e-4  # QuantLib vega per 1.0 vol
    assert solvable.sum() > 4_000  # log-uniform T: many minute-long expiries have no vega
    assert (reason[solvable] == IVReason.OK).all()
    np.testing.assert_allclose(iv[solvable], c.vol[solvable], rtol=0, atol=1e-6)
    # the rest: a number or NaN with a stated reason, never an exception
    assert np.isin(reason, [int(r) for r in IVReason]).all()
    assert np.isnan(iv[reason != IVReason.OK]).all()


def test_agrees_with_quantlib_solver() -> None:
    rng = np.random.default_rng(7)
    F = 22000.0
    K = F * rng.uniform(0.8, 1.2, 300)
    T = rng.uniform(2 / 365, 0.5, 300)
    vol = rng.uniform(0.08, 0.6, 300)
    right = np.where(K >= F, "CE", "PE")
    price = black76(F, K, T, 0.065, vol, right)
    mine = implied_vol(price, F, K, T, 0.065, right)
    for i in range(300):
        kind = ql.Option.Call if right[i] == "CE" else ql.Option.Put
        disc = math.exp(-0.065 * T[i])
        std = ql.blackFormulaImpliedStdDev(kind, K[i], F, price[i], disc, 0.0, ql.nullDouble(),
                                           1e-12, 1000)
        assert mine[i] == pytest.approx(std / math.sqrt(T[i]), abs=1e-8)


def test_hand_case() -> None:
    # REFERENCE.md: Black-76 call F=48250 K=49000 T=23/365 r=6.8% -> 458.8479226916 at 16%
    assert float(implied_vol(458.8479226916, 48250, 49000, 23 / 365, 0.068, "CE")) == (
        pytest.approx(0.16, abs=1e-10))


def test_reasons_for_impossible_prices() -> None:
    F, K, T, r = 100.0, 90.0, 0.25, 0.05
    disc = math.exp(-r * T)  # 0.98758...; call intrinsic e^{-rT}*10 = 9.8758, bound 98.758
    prices = [9.0, 98.8, 5.0, np.nan, 0.0, -1.0, 12.0, 12.0, 12.0, 9.8758 * 1.0]
    Ts = [T, T, 0.0, T, T, T, -0.1, T, T, T]
    Fs = [F, F, F, F, F, F, F, np.nan, -5.0, F]
    iv, reason = implied_vol_with_reason(prices, Fs, K, Ts, r, "CE")
    assert [IVReason(x) for x in reason[:9]] == [
        IVReason.BELOW_INTRINSIC,  # 9.0 < 9.8758
        IVReason.ABOVE_BOUND,      # 98.8 > e^{-rT} F = 98.758
        IVReason.EXPIRED,          # T = 0
        IVReason.BAD_INPUT,        # NaN price
        IVReason.BAD_INPUT,        # zero price
        IVReason.BAD_INPUT,        # negative price
        IVReason.EXPIRED,          # T < 0
        IVReason.BAD_INPUT,        # NaN forward
        IVReason.BAD_INPUT,        # negative forward
    ]
    assert np.isnan(iv[:9]).all()
    # a put is bounded by e^{-rT} K = 88.88
    _, put_reason = implied_vol_with_reason(89.0, F, K, T, r, "PE")
    assert IVReason(int(put_reason)) is IVReason.ABOVE_BOUND
    assert disc * 10 == pytest.approx(9.8758, abs=1e-4)


def test_extreme_but_valid_prices_still_solve() -> None:
    # very high vol (400%) and very deep OTM low vol: solver keeps to its bracket
    F, K, T = 100.0, 150.0, 1.0
    for vol in (4.0, 0.02, 0.05):
        p = black76(F, K, T, 0.0, vol, "CE")
        if float(p) > 0:
            assert float(implied_vol(p, F, K, T, 0.0, "CE")) == pytest.approx(vol, rel=1e-6)
    # at the money, tiny and large time values
    for vol in (0.001, 2.5):
        p = black76(F, F, T, 0.0, vol, "PE")
        assert float(implied_vol(p, F, F, T, 0.0, "PE")) == pytest.approx(vol, rel=1e-8)


def test_shapes_empty_and_mismatch() -> None:
    iv, reason = implied_vol_with_reason(np.empty(0), 100.0, np.empty(0), 0.1, 0.05, "CE")
    assert iv.shape == (0,) and reason.shape == (0,)
    grid = implied_vol(np.full((2, 3), 5.0), 100.0, 100.0, 0.1, 0.05, "CE")
    assert grid.shape == (2, 3)
    with pytest.raises(ValueError, match=r"^T: shape"):
        implied_vol([5.0, 6.0], 100.0, [100.0, 101.0], [0.1, 0.2, 0.3], 0.05, "CE")
