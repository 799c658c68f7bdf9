"""Floor pivots against hand arithmetic; previous periods; fractal swings on a bounce series."""

from __future__ import annotations

import numpy as np
import pytest

from engine.config.enums import PivotTimeframe, PivotType
from engine.structure.pivots import (
    PeriodHLC,
    floor_levels,
    floor_pivots,
    previous_period,
    swing_levels,
    swing_points,
)
from engine.structure.types import Bars, SRKind, StructureInputError
from tests.unit.structure._series import bars_from_closes, bounce, daily_stamps

HLC = PeriodHLC(open=100.0, high=110.0, low=90.0, close=105.0)


def test_classic_pivots_by_hand() -> None:
    # P = (110 + 90 + 105)/3 = 101.6667; R1 = 2P - 90 = 113.3333; S1 = 2P - 110 = 93.3333
    # R2 = P + 20 = 121.6667; S2 = P - 20 = 81.6667; R3 = 110 + 2(P - 90) = 133.3333
    # S3 = 90 - 2(110 - P) = 73.3333
    p = floor_pivots(HLC, PivotType.CLASSIC)
    assert p["P"] == pytest.approx(305 / 3)
    assert p["R1"] == pytest.approx(113.33333333)
    assert p["S1"] == pytest.approx(93.33333333)
    assert p["R2"] == pytest.approx(121.66666667)
    assert p["S2"] == pytest.approx(81.66666667)
    assert p["R3"] == pytest.approx(133.33333333)
    assert p["S3"] == pytest.approx(73.33333333)


def test_fibonacci_pivots_by_hand() -> None:
    # range 20: R1 = P + 7.64, R2 = P + 12.36, R3 = P + 20
    p = floor_pivots(HLC, PivotType.FIBONACCI)
    pp = 305 / 3
    assert p["R1"] == pytest.approx(pp + 7.64)
    assert p["S2"] == pytest.approx(pp - 12.36)
    assert p["R3"] == pytest.approx(pp + 20.0)


def test_camarilla_pivots_by_hand() -> None:
    # C = 105, range 20: R1 = 105 + 22/12 = 106.8333, R2 = 105 + 22/6 = 108.6667,
    # R3 = 105 + 22/4 = 110.5, R4 = 105 + 22/2 = 116; S4 = 105 - 11 = 94
    p = floor_pivots(HLC, PivotType.CAMARILLA)
    assert p["R1"] == pytest.approx(106.83333333)
    assert p["R2"] == pytest.approx(108.66666667)
    assert p["R3"] == pytest.approx(110.5)
    assert p["R4"] == pytest.approx(116.0)
    assert p["S4"] == pytest.approx(94.0)


def test_woodie_pivots_by_hand() -> None:
    # P = (110 + 90 + 2*105)/4 = 102.5; R1 = 205 - 90 = 115; S1 = 205 - 110 = 95
    # R2 = 102.5 + 20 = 122.5; S2 = 82.5
    p = floor_pivots(HLC, PivotType.WOODIE)
    assert (p["P"], p["R1"], p["S1"], p["R2"], p["S2"]) == pytest.approx(
        (102.5, 115.0, 95.0, 122.5, 82.5))


def test_swing_is_not_a_floor_type() -> None:
    with pytest.raises(StructureInputError, match="not a floor pivot"):
        floor_pivots(HLC, PivotType.SWING)


def _week_bars() -> Bars:
    # Mon 2024-01-01 .. Sun 2024-01-14: two weeks of daily bars
    n = 14
    close = 100.0 + np.arange(n)
    return Bars.from_arrays(daily_stamps(n), close, close + 1, close - 1, close)


def test_previous_daily_weekly_monthly_periods() -> None:
    bars = _week_bars()
    # daily: the day before 2024-01-10 is 2024-01-09, close 108 (index 8)
    d = previous_period(bars, PivotTimeframe.DAILY, np.datetime64("2024-01-10"))
    assert (d.high, d.low, d.close) == (109.0, 107.0, 108.0)
    # weekly: for Wed 2024-01-10, last week is Mon 1 .. Sun 7: high 107, low 99, close 106
    w = previous_period(bars, PivotTimeframe.WEEKLY, np.datetime64("2024-01-10"))
    assert (w.open, w.high, w.low, w.close) == (100.0, 107.0, 99.0, 106.0)
    # monthly: for 2024-02-05 the previous month is all 14 January bars
    m = previous_period(bars, PivotTimeframe.MONTHLY, np.datetime64("2024-02-05"))
    assert (m.high, m.low, m.close) == (114.0, 99.0, 113.0)
    with pytest.raises(StructureInputError, match="no complete monthly period"):
        previous_period(bars, PivotTimeframe.MONTHLY, np.datetime64("2024-01-20"))


def test_floor_levels_kinds_and_strengths() -> None:
    levels = floor_levels(_week_bars(), PivotType.CLASSIC, PivotTimeframe.DAILY,
                          np.datetime64("2024-01-03"))
    # previous day 2024-01-02: H 102, L 100, C 101 -> P = 101, R1 = 102, S1 = 100
    by_label = {lv.label: lv for lv in levels}
    assert by_label["CLASSIC P"].level == pytest.approx(101.0)
    assert by_label["CLASSIC P"].kind is SRKind.PIVOT
    assert by_label["CLASSIC R1"].kind is SRKind.RESISTANCE
    assert by_label["CLASSIC S1"].level == pytest.approx(100.0)
    assert by_label["CLASSIC R1"].strength > by_label["CLASSIC R3"].strength


def test_fractal_swing_points_by_hand() -> None:
    high = np.array([1, 3, 2, 5, 4, 4, 6, 1, 2], dtype=float)
    low = high - 1
    hs, ls = swing_points(high, low, 1, 1)
    # i=1: 3 > 1 and 3 >= 2; i=3: 5 > 2 and 5 >= 4; i=6: 6 > 4 and 6 >= 1.
    # i=4 (4, then an equal 4) is not: 4 > 5 fails.
    assert np.flatnonzero(hs).tolist() == [1, 3, 6]
    # lows mirror: i=2 (1 < 2, 1 <= 3), i=4 (3 < 4, 3 <= 3), i=7 (0 < 5, 0 <= 1)
    assert np.flatnonzero(ls).tolist() == [2, 4, 7]
    with pytest.raises(StructureInputError):
        swing_points(high, low, 0, 1)
    short_h, short_l = swing_points(high[:2], low[:2], 1, 1)
    assert not short_h.any() and not short_l.any()


def test_swing_levels_on_a_bounce_are_100_and_110() -> None:
    bars = bars_from_closes(bounce(6))
    levels = swing_levels(bars, 2, 2, reference_pts=105.0)
    highs = {lv.level for lv in levels if lv.kind is SRKind.RESISTANCE}
    lows = {lv.level for lv in levels if lv.kind is SRKind.SUPPORT}
    assert highs == {110.0}
    assert lows == {100.0}
