"""Risk engine: margins, defined risk, greek caps, term-weighted vega — by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from engine.domain.structures import Leg, Right, Side, calendar, iron_fly
from engine.risk.limits import entry_block_reason, greek_caps, term_weighted_vega
from engine.strategy.limits import RiskLimits
from engine.strategy.margin import estimate_margin_inr, is_defined_risk, max_loss_at_expiry_inr

E1, E2 = dt.date(2025, 1, 9), dt.date(2025, 1, 30)


def test_iron_fly_margin_is_max_loss_plus_exposure() -> None:
    fly = iron_fly(22000, 300, E1).legs
    px = np.array([180.0, 175.0, 60.0, 55.0])  # credit 240
    # max loss = (wing 300 - credit 240) x 75 = 4,500
    assert max_loss_at_expiry_inr(fly, px, [75] * 4, 22010) == pytest.approx(4500)
    # exposure 2% of short notional: 2 short lots x 75 x 22010 = 3,301,500 -> 66,030
    m = estimate_margin_inr(fly, px, [75] * 4, 22010, RiskLimits())
    assert m == pytest.approx(4500 + 0.02 * 150 * 22010)
    assert is_defined_risk(fly)


def test_naked_and_calendar_margins() -> None:
    straddle = [Leg(Right.CE, Side.SELL, 22000, E1), Leg(Right.PE, Side.SELL, 22000, E1)]
    assert not is_defined_risk(straddle)
    # 12% of 150 units x 22000 = 396,000
    assert estimate_margin_inr(straddle, np.array([180.0, 175.0]), [75, 75], 22000,
                               RiskLimits()) == pytest.approx(0.12 * 150 * 22000)
    cal = calendar(22000, Right.CE, E1, E2).legs
    assert is_defined_risk(cal)  # the short front is covered by the later long
    # debit 150 x 75 = 11,250 plus 2% of 75 x 22000 = 33,000
    assert estimate_margin_inr(cal, np.array([100.0, 250.0]), [75, 75], 22000,
                               RiskLimits()) == pytest.approx(11250 + 33000)


def test_term_weighted_vega() -> None:
    # front vega -1,000 at 7 DTE -> x sqrt(30/7) = -2,070.2; back +1,500 at 28 DTE -> x 1.0351
    v = term_weighted_vega(np.array([[-1000.0, 1500.0]]), np.array([[7.0, 28.0]]))
    assert v[0] == pytest.approx(-1000 * (30 / 7) ** 0.5 + 1500 * (30 / 28) ** 0.5)


def test_caps_and_entry_blocks() -> None:
    lim = RiskLimits(max_lots=2, max_delta_inr=100, max_vega_inr=2000, volatility_adjusted=True,
                     max_capital_per_trade_frac=0.5)
    assert greek_caps(lim, ivp=0.5) == {"delta": 100, "vega": 2000}
    assert greek_caps(lim, ivp=0.9) == {"delta": 50, "vega": 1000}  # x 0.5 above IVP 0.8
    caps = greek_caps(lim, ivp=0.9)
    assert entry_block_reason({"delta": 60.0}, caps, 1, 1000, 1e6, lim) == \
        "position delta 60.00 exceeds its cap 50.00"
    assert entry_block_reason({"delta": 40.0}, caps, 3, 1000, 1e6, lim).startswith("3 lots")  # type: ignore[union-attr]
    assert "MaxCapitalPerTrade" in (entry_block_reason({}, caps, 1, 600_000, 1e6, lim) or "")
    assert entry_block_reason({"delta": float("nan")}, caps, 1, 1000, 1e6, lim) is None
