"""Greeks and BSM prices against QuantLib (values in REFERENCE.md and 10k random cases)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.pricing import bsm, greeks

ql = pytest.importorskip("QuantLib")


def test_bsm_reference_values() -> None:
    # REFERENCE.md, QuantLib: S=100 K=100 T=1 r=5% q=0 vol=20% call
    assert float(bsm(100, 100, 1, 0.05, 0.0, 0.2, "CE")) == pytest.approx(10.4505835722, abs=1e-9)
    g = greeks(None, 100, 1, 0.05, 0.2, "CE", model="bsm", S=100)
    assert float(g.delta) == pytest.approx(0.6368306512, abs=1e-10)
    assert float(g.gamma) == pytest.approx(0.0187620173, abs=1e-10)
    # vega per 1.0 = 37.5240346917 -> per vol point /100
    assert float(g.vega) == pytest.approx(0.375240346917, abs=1e-11)


def test_bsm_equals_black76_on_the_forward() -> None:
    # F = S e^{(r-q)T} = 100 e^{0.03 * 0.5}
    fwd = 100 * math.exp(0.03 * 0.5)
    b = greeks(fwd, 95, 0.5, 0.05, 0.25, "PE")
    s = greeks(None, 95, 0.5, 0.05, 0.25, "PE", model="bsm", S=100, q=0.02)
    assert float(s.price) == pytest.approx(float(b.price), rel=1e-13)
    # spot delta = forward delta * e^{(r-q)T}
    assert float(s.delta) == pytest.approx(float(b.delta) * math.exp(0.015), rel=1e-13)
    # BSM from F alone derives spot S = F e^{-(r-q)T}
    s2 = greeks(fwd, 95, 0.5, 0.05, 0.25, "PE", model="bsm", q=0.02)
    assert float(s2.delta) == pytest.approx(float(s.delta), rel=1e-13)


@pytest.mark.parametrize("right", ["CE", "PE"])
def test_bsm_theta_rho_against_quantlib_engine(right: str) -> None:
    today = ql.Date(3, 1, 2024)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    S, K, r, q, vol = 22000.0, 21500.0, 0.065, 0.012, 0.18

    def curve(rate: float) -> ql.YieldTermStructureHandle:
        return ql.YieldTermStructureHandle(ql.FlatForward(today, rate, dc))

    process = ql.BlackScholesMertonProcess(
        ql.QuoteHandle(ql.SimpleQuote(S)), curve(q), curve(r),
        ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, ql.NullCalendar(), vol, dc)))
    kind = ql.Option.Call if right == "CE" else ql.Option.Put
    option = ql.EuropeanOption(ql.PlainVanillaPayoff(kind, K), ql.EuropeanExercise(today + 73))
    option.setPricingEngine(ql.AnalyticEuropeanEngine(process))
    g = greeks(None, K, 73 / 365, r, vol, right, model="bsm", S=S, q=q)
    assert float(g.price) == pytest.approx(option.NPV(), rel=1e-10)
    assert float(g.delta) == pytest.approx(option.delta(), rel=1e-10)
    assert float(g.gamma) == pytest.approx(option.gamma(), rel=1e-10)
    assert float(g.vega) == pytest.approx(option.vega() / 100, rel=1e-10)
    assert float(g.theta) == pytest.approx(option.theta() / 365, rel=1e-10)
    assert float(g.rho) == pytest.approx(option.rho(), rel=1e-10)


def test_black76_greeks_match_quantlib_on_10k_random_cases(ql_cases) -> None:  # type: ignore[no-untyped-def]
    c = ql_cases
    g = greeks(c.F, c.K, c.T, c.r, c.vol, c.right)
    big = c.price >= 0.05
    # units: QuantLib vega per 1.0 -> /100; theta per year -> /365; Black-76 rho = -T V
    # theta: QuantLib's theta() divides log(discount) by T, which loses ~1e-8 relative
    # when r*T ~ 1e-9 (minutes to expiry); the reference is the Black-76 PDE with F fixed,
    # theta_year = r V - sigma^2 F^2 Gamma / 2, from QuantLib's own value and gamma
    theta_pde = (c.r * c.price - 0.5 * c.vol**2 * c.F**2 * c.gamma) / 365
    pairs = ((g.price, c.price), (g.delta, c.delta), (g.gamma, c.gamma),
             (g.vega, c.vega_per_1 / 100), (g.theta, theta_pde), (g.rho, -c.T * c.price))
    for got, want in pairs:
        # 1e-8 relative; the 1e-12 floor only covers greeks that underflow (gamma ~1e-300
        # on deep ITM/OTM quotes), where a relative difference means nothing
        np.testing.assert_allclose(got[big], want[big], rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(got[~big], want[~big], rtol=0, atol=1e-9)
    # and QuantLib's theta() itself, to the precision its log(discount)/T allows
    np.testing.assert_allclose(g.theta[big], c.theta_per_year[big] / 365, rtol=1e-6, atol=1e-12)


def test_degenerate_and_bad_elements() -> None:
    # T=0 ITM call: delta 1 (step), gamma/vega 0, theta r*V/365 with V = 10
    g = greeks([110, 110, np.nan], 100, [0.0, -1.0, 1.0], 0.05, 0.2, "CE")
    assert g.price[0] == 10.0 and g.delta[0] == 1.0 and g.gamma[0] == 0 and g.vega[0] == 0
    assert g.theta[0] == pytest.approx(0.05 * 10 / 365)
    for arr in g:
        assert np.isnan(arr[1:]).all()


def test_bad_arguments_raise_clear_errors() -> None:
    with pytest.raises(ValueError, match="model"):
        greeks(100, 100, 1, 0.05, 0.2, "CE", model="heston")
    with pytest.raises(ValueError, match="F: the forward"):
        greeks(None, 100, 1, 0.05, 0.2, "CE")
    with pytest.raises(ValueError, match="S: spot"):
        greeks(None, 100, 1, 0.05, 0.2, "CE", model="bsm")
    with pytest.raises(ValueError, match="sigma: shape"):
        greeks(100, [1.0, 2.0], 1, 0.05, [0.1, 0.2, 0.3], "CE")
    with pytest.raises(ValueError, match="F: expected numbers"):
        greeks("abc", 100, 1, 0.05, 0.2, "CE")  # type: ignore[arg-type]
