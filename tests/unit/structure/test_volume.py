"""Volume profile: a POC we placed, the value-area expansion by hand, TPO and option fallbacks."""

from __future__ import annotations

import numpy as np
import pytest

from engine.config.models.structure import VolumeProfileConfig
from engine.structure.types import Bars, SRKind, StructureInputError, VolumeSource
from engine.structure.volume import histogram, profile_levels, value_area, volume_profile
from tests.unit.structure._series import daily_stamps


def _point_bars(prices: list[float], volumes: list[float] | None) -> Bars:
    p = np.array(prices)
    return Bars.from_arrays(daily_stamps(p.size), p, p, p, p,
                            None if volumes is None else np.array(volumes, dtype=float))


def test_histogram_spreads_a_bar_over_its_range() -> None:
    # one bar 100..130 with volume 300, bins of 10 from 100: 100, 100, 100 in [100,110),
    # [110,120), [120,130), and 0 in [130,140) (the top edge only touches it)
    edges, w = histogram(np.array([100.0]), np.array([130.0]), np.array([300.0]), 10.0)
    assert edges.tolist() == [100.0, 110.0, 120.0, 130.0]
    assert w == pytest.approx([100.0, 100.0, 100.0, 0.0])
    # a bar 105..110 puts all its weight in the [105,110) half of bin 100 -> bin 100 only
    _, w2 = histogram(np.array([105.0]), np.array([110.0]), np.array([50.0]), 10.0)
    assert w2 == pytest.approx([50.0, 0.0])


def test_poc_is_where_we_put_the_volume() -> None:
    # bins of 10: prices 101, 111, 121, 131, 141 with volumes 10, 20, 90, 30, 5 -> POC bin 120
    bars = _point_bars([101, 111, 121, 131, 141], [10, 20, 90, 30, 5])
    prof = volume_profile(bars, 10.0, 0.7)
    assert prof.source is VolumeSource.SPOT
    assert prof.poc_pts == pytest.approx(125.0)
    # value area 70% of 155 = 108.5: start 90 (bin 120); up pair (130,140) = 35 vs down pair
    # (110,100) = 30 -> add up: 125; 125 >= 108.5 -> VA = bins 120..140: VAL 120, VAH 150
    assert (prof.val_pts, prof.vah_pts) == (120.0, 150.0)


def test_value_area_expansion_by_pairs() -> None:
    w = np.array([5.0, 10.0, 40.0, 8.0, 8.0, 1.0])
    # total 72, target 0.7*72 = 50.4; start at 40 (index 2)
    # up pair idx 3,4 = 16; down pair idx 0,1 = 15 -> up: total 56 >= 50.4 -> (2, 4)
    assert value_area(w, 2, 0.7) == (2, 4)
    # with 100%: then only down is left (hi=4 -> up pair = idx 5 = 1 >= down 15? no) -> down
    # total 71 -> then up: 72 -> (0, 5)
    assert value_area(w, 2, 1.0) == (0, 5)


def test_tpo_when_no_volume_and_options_when_given() -> None:
    # no volume: each bar weighs 1; 3 bars at 121 and 1 at 101 -> POC bin 120
    bars = _point_bars([121, 101, 121, 121], None)
    prof = volume_profile(bars, 10.0)
    assert prof.source is VolumeSource.TPO
    assert prof.poc_pts == pytest.approx(125.0)
    # option volume standing in: all weight on the 101 bar -> POC bin 100
    prof2 = volume_profile(bars, 10.0, other_volume=np.array([0.0, 50.0, 1.0, 1.0]))
    assert prof2.source is VolumeSource.OPTIONS
    assert prof2.poc_pts == pytest.approx(105.0)


def test_profile_levels_hvn_lvn_and_labels() -> None:
    # bins 100..160: volumes 50, 5, 60 (POC), 4, 45, 1, 1 -> mean 166/7 = 23.7
    # HVN: local maxima >= 1.5 * 23.7 = 35.6, other than the POC: bins 100 (50) and 140 (45)
    # LVN: interior local minima (below the left bin, not above the right one) <= 0.5 * 23.7
    # = 11.9: bins 110 (5), 130 (4) and 150 (1 < 45, 1 <= 1); the edge bin 160 never counts
    bars = _point_bars([101, 111, 121, 131, 141, 151, 161], [50, 5, 60, 4, 45, 1, 1])
    levels = profile_levels(volume_profile(bars, 10.0, 0.7), VolumeProfileConfig().params())
    kinds = {(lv.kind, lv.level) for lv in levels}
    assert (SRKind.POC, 125.0) in kinds
    assert {lv.level for lv in levels if lv.kind is SRKind.HVN} == {105.0, 145.0}
    assert {lv.level for lv in levels if lv.kind is SRKind.LVN} == {115.0, 135.0, 155.0}
    assert all("(SPOT)" in lv.label for lv in levels)


def test_bad_profile_inputs() -> None:
    bars = _point_bars([101, 102], [1, 1])
    with pytest.raises(StructureInputError, match="bin size"):
        volume_profile(bars, 0.0)
    with pytest.raises(StructureInputError, match="at least 1 bars"):
        volume_profile(bars.take(slice(0, 0)), 10.0)
