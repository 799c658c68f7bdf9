"""Black-76 prices against QuantLib's published values and put-call parity."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.pricing import black76


def test_reference_value_from_quantlib() -> None:
    # REFERENCE.md: QuantLib BlackCalculator, F=48250 K=49000 T=23/365 r=6.8% vol=16%
    assert float(black76(48250, 49000, 23 / 365, 0.068, 0.16, "CE")) == pytest.approx(
        458.8479226916, rel=1e-10, abs=0)


def test_put_call_parity() -> None:
    # C - P = e^{-rT} (F - K) for any vol: F=22000 K=21500 T=0.1 r=0.065 ->
    # e^{-0.0065} * 500 = 496.7605...
    c = black76(22000, 21500, 0.1, 0.065, [0.1, 0.3], "CE")
    p = black76(22000, 21500, 0.1, 0.065, [0.1, 0.3], "PE")
    np.testing.assert_allclose(c - p, math.exp(-0.0065) * 500, rtol=1e-12)


def test_degenerate_and_impossible_elements() -> None:
    out = black76([100, 100, 100, np.nan, -1, 100], 90, [0, 1, -1, 1, 1, 1], 0.05,
                  [0.2, 0, 0.2, 0.2, 0.2, -0.1], "CE")
    # T=0 -> intrinsic 10; sigma=0 -> e^{-0.05} * 10; T<0, NaN F, F<0, sigma<0 -> NaN
    np.testing.assert_allclose(out[:2], [10.0, 10 * math.exp(-0.05)], rtol=1e-14)
    assert np.isnan(out[2:]).all()


def test_shape_mismatch_names_argument() -> None:
    with pytest.raises(ValueError, match=r"^K: shape"):
        black76([1.0, 2.0], [1.0, 2.0, 3.0], 1.0, 0.0, 0.2, "CE")
    with pytest.raises(ValueError, match="right"):
        black76(100, 100, 1, 0, 0.2, "XX")


def test_prices_match_quantlib_on_10k_random_cases(ql_cases) -> None:  # type: ignore[no-untyped-def]
    c = ql_cases
    got = black76(c.F, c.K, c.T, c.r, c.vol, c.right)
    big = c.price >= 0.05
    # 1e-8 relative where the price is at least one tick, 1e-9 absolute below
    np.testing.assert_allclose(got[big], c.price[big], rtol=1e-8, atol=0)
    np.testing.assert_allclose(got[~big], c.price[~big], rtol=0, atol=1e-9)
    assert big.sum() > 5_000 and (~big).sum() > 100  # both regimes are exercised


def test_broadcasting_scalars_and_arrays() -> None:
    out = black76(np.array([[100.0], [110.0]]), [90.0, 100.0, 110.0], 0.5, 0.05, 0.2, "CE")
    assert out.shape == (2, 3)
    assert float(black76(100, 100, 0.5, 0.05, 0.2, "CE")) == pytest.approx(out[0, 1])
    assert black76([], [], 1.0, 0.05, 0.2, "CE").shape == (0,)
