"""Expiry and strike selection against hand-picked answers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from engine.domain.structures import Right
from engine.strategy.plan import ExpiryMethod, ExpiryRule, StrikeMethod, StrikeRule
from engine.strategy.selection import ChainSlice, SelectionError, select_expiry, select_strike

ON = dt.date(2025, 1, 6)  # a Monday
LISTED = [(dt.date(2025, 1, 9), "WEEKLY"), (dt.date(2025, 1, 16), "WEEKLY"),
          (dt.date(2025, 1, 23), "WEEKLY"), (dt.date(2025, 1, 30), "MONTHLY"),
          (dt.date(2025, 2, 27), "MONTHLY")]


def test_expiry_by_dte_nearest_ties_later_and_beyond() -> None:
    # target 7 DTE = 13 Jan: 9 Jan is 4 days away, 16 Jan is 3 -> 16 Jan
    assert select_expiry(LISTED, ON, ExpiryRule(ExpiryMethod.DTE, 7)) == dt.date(2025, 1, 16)
    # target 6.5 DTE: date + timedelta(days=6.5) = 12 Jan; |9-12| = 3 < |16-12| = 4 -> 9 Jan
    assert select_expiry(LISTED, ON, ExpiryRule(ExpiryMethod.DTE, 6.5)) == dt.date(2025, 1, 9)
    # target 14 DTE = 20 Jan: 16 Jan (4 days) vs 23 Jan (3 days) -> 23 Jan
    assert select_expiry(LISTED, ON, ExpiryRule(ExpiryMethod.DTE, 14)) == dt.date(2025, 1, 23)
    # first expiry at or beyond 30 DTE (5 Feb) -> 27 Feb
    assert select_expiry(LISTED, ON, ExpiryRule(ExpiryMethod.DTE, 30, at_or_beyond=True)) == \
        dt.date(2025, 2, 27)
    with pytest.raises(SelectionError, match="at or beyond 90 DTE"):
        select_expiry(LISTED, ON, ExpiryRule(ExpiryMethod.DTE, 90, at_or_beyond=True))


def test_expiry_tie_goes_to_later() -> None:
    listed = [(dt.date(2025, 1, 9), "WEEKLY"), (dt.date(2025, 1, 15), "WEEKLY")]
    # target 12 Jan is 3 days from both 9 Jan and 15 Jan -> the later, 15 Jan
    assert select_expiry(listed, ON, ExpiryRule(ExpiryMethod.DTE, 6)) == dt.date(2025, 1, 15)


def test_expiry_by_index() -> None:
    assert select_expiry(LISTED, ON, ExpiryRule(ExpiryMethod.WEEKLY_INDEX, 1)) == dt.date(2025, 1, 16)
    assert select_expiry(LISTED, ON, ExpiryRule(ExpiryMethod.MONTHLY_INDEX, 1)) == dt.date(2025, 2, 27)
    with pytest.raises(SelectionError, match="MONTHLY_INDEX 2 is not listed"):
        select_expiry(LISTED, ON, ExpiryRule(ExpiryMethod.MONTHLY_INDEX, 2))
    with pytest.raises(SelectionError, match="no listed expiry"):
        select_expiry(LISTED, dt.date(2025, 3, 1), ExpiryRule())


def _chain() -> ChainSlice:
    strikes = np.array([21900, 21900, 22000, 22000, 22100, 22100, 22200, 22200], dtype=float)
    rights = np.array(["CE", "PE"] * 4)
    closes = np.array([180, 60, 120, 100, 75, 155, 40, 0.0])  # 22200 PE has no quote
    deltas = np.array([0.65, -0.35, 0.52, -0.48, 0.38, -0.62, 0.25, np.nan])
    return ChainSlice(strikes, rights, closes, deltas)


def test_strike_methods() -> None:
    c = _chain()
    spot = 22040.0  # nearest strike 22000
    assert select_strike(c, Right.CE, StrikeRule(StrikeMethod.ATM), spot, 100) == 22000
    assert select_strike(c, Right.CE, StrikeRule(StrikeMethod.ATM_OFFSET, 2), spot, 100) == 22200
    assert select_strike(c, Right.PE, StrikeRule(StrikeMethod.ATM_OFFSET_PTS, -100), spot, 100) == 21900
    # closest premium to 70 among calls: 75 at 22100
    assert select_strike(c, Right.CE, StrikeRule(StrikeMethod.CLOSEST_PREMIUM, 70), spot, 100) == 22100
    # delta 0.4 among puts: |−0.35|, |−0.48|, |−0.62| -> 0.35 at 21900
    assert select_strike(c, Right.PE, StrikeRule(StrikeMethod.DELTA, 0.4), spot, 100) == 21900
    # 0.5% OTM call: 22040 x 1.005 = 22150.2; |22100 - 22150.2| = 50.2 > |22200 - 22150.2| = 49.8
    assert select_strike(c, Right.CE, StrikeRule(StrikeMethod.PERCENT_OTM, 0.005), spot, 100) == 22200
    # put side: 22040 x 0.995 = 21929.8 -> 21900
    assert select_strike(c, Right.PE, StrikeRule(StrikeMethod.PERCENT_OTM, 0.005), spot, 100) == 21900
    assert c.price(22200, Right.PE) is None and c.price(22000, Right.PE) == 100


def test_strike_errors() -> None:
    c = _chain()
    empty = ChainSlice(np.array([]), np.array([], dtype=str), np.array([]), np.array([]))
    with pytest.raises(SelectionError, match="no CE quotes"):
        select_strike(empty, Right.CE, StrikeRule(), 22000, 50)
    nodelta = ChainSlice(c.strikes, c.rights, c.closes, np.full(8, np.nan))
    with pytest.raises(SelectionError, match="posbt data enrich"):
        select_strike(nodelta, Right.CE, StrikeRule(StrikeMethod.DELTA, 0.3), 22000, 100)


def test_sr_based_strikes() -> None:
    c = _chain()
    levels = (21850.0, 22120.0)
    # call: resistance above 22,040 is 22,120, + 50 = 22,170 -> nearest quoted call 22,200
    assert select_strike(c, Right.CE, StrikeRule(StrikeMethod.SR_BASED, 50), 22040, 100, levels) == 22200
    # put: support below is 21,850, - 0 = 21,850 -> nearest quoted put 21,900 (22200 PE unquoted)
    assert select_strike(c, Right.PE, StrikeRule(StrikeMethod.SR_BASED, 0), 22040, 100, levels) == 21900
    with pytest.raises(SelectionError, match="no support below spot"):
        select_strike(c, Right.PE, StrikeRule(StrikeMethod.SR_BASED, 0), 22040, 100, (22120.0,))
