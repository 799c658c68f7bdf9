"""Risk engine: greek caps, entry blocks, term-weighted vega — by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from engine.risk.limits import entry_block_reason, greek_caps, term_weighted_vega
from engine.strategy.limits import RiskLimits

E1, E2 = dt.date(2025, 1, 9), dt.date(2025, 1, 30)


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
