"""Chain helpers: parity forward, ATM IV, IV filling and skew sign conventions."""

from __future__ import annotations

import math
from datetime import date, datetime, time

import numpy as np
import pyarrow as pa
import pytest

from engine.volatility import (
    Chain,
    atm_by_expiry,
    expiry_forward,
    fill_iv,
    moneyness_skew,
    risk_reversal_25d,
)
from tests.unit.volatility._market import RATE, chain_rows

TS = datetime(2025, 1, 6, 11, 0)
SPOT = 20000.0


def _chain(**kw: object) -> Chain:
    rows = chain_rows(TS, SPOT, 0.15, 15, **kw)  # type: ignore[arg-type]
    return Chain.from_arrow(pa.table(rows))


def test_forward_and_atm_iv() -> None:
    chain = _chain()
    expiry = chain.expiries()[1]  # 16 Jan 2025: T = (10 days 4.5 h) / 365 = 0.02791
    t, fwd = expiry_forward(chain, expiry, RATE)
    # prices were made on F = S e^{rT}; parity gives it back
    assert fwd == pytest.approx(SPOT * math.exp(RATE * t), rel=1e-9)
    atms = atm_by_expiry(chain, RATE)
    assert [a.expiry for a in atms] == chain.expiries()
    a = atms[1]
    # F = 20000 e^{0.065 * 0.02791} = 20036.3 -> nearest listed strike 20000
    assert fwd == pytest.approx(20036.3, abs=0.1)
    assert a.atm_strike == 20000.0 and a.atm_iv == pytest.approx(0.15)


def test_fill_iv_solves_otm_side_only() -> None:
    chain = _chain(with_iv=False, n_strikes=3)
    filled = fill_iv(chain, RATE)
    expiry = chain.expiries()[1]
    _, fwd = expiry_forward(chain, expiry, RATE)
    m = chain.rows(expiry)
    otm = np.where(chain.is_call, chain.strike >= fwd, chain.strike <= fwd) | (
        chain.strike == 20000.0)
    assert np.allclose(filled.iv[m & otm], 0.15, atol=1e-6)
    assert np.isnan(filled.iv[m & ~otm]).all()


def test_skew_sign_is_call_minus_put() -> None:
    # OTM calls priced at 12%, OTM puts at 18%: RR25 = 0.12 - 0.18 = -0.06 (put skew < 0)
    chain = _chain(smile={"CE": 0.12, "PE": 0.18}, n_strikes=20)
    expiry = chain.expiries()[3]
    assert risk_reversal_25d(chain, expiry, RATE) == pytest.approx(-0.06, abs=1e-9)
    assert moneyness_skew(chain, expiry, RATE, moneyness=0.03) == pytest.approx(-0.06)
    # a strike range too narrow for the 25-delta points or 50% moneyness: NaN
    narrow = _chain(smile={"CE": 0.12, "PE": 0.18}, n_strikes=1)
    assert math.isnan(risk_reversal_25d(narrow, narrow.expiries()[3], RATE))
    assert math.isnan(moneyness_skew(chain, expiry, RATE, moneyness=0.5))
    assert math.isnan(moneyness_skew(chain, expiry, RATE, moneyness=0.0))


def test_expired_and_empty_chains() -> None:
    empty = Chain.from_arrow(pa.table({"expiry": pa.array([], pa.date32()),
                                       "strike": pa.array([], pa.float64()),
                                       "right": pa.array([], pa.string()),
                                       "ts": pa.array([], pa.timestamp("us"))}))
    assert empty.empty and atm_by_expiry(empty, RATE) == [] and fill_iv(empty, RATE) is empty
    chain = _chain()
    late = Chain(ts=datetime.combine(date(2025, 1, 9), time(15, 30)), expiry=chain.expiry,
                 strike=chain.strike, is_call=chain.is_call, close=chain.close, iv=chain.iv,
                 delta=chain.delta, underlying=chain.underlying)
    # the 9 Jan expiry has T = 0 at 15:30 that day: dropped from the ATM list
    assert date(2025, 1, 9) not in [a.expiry for a in atm_by_expiry(late, RATE)]
    assert math.isnan(risk_reversal_25d(late, date(2025, 1, 9), RATE))
    assert math.isnan(moneyness_skew(late, date(2025, 1, 9), RATE))
