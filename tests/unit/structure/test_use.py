"""nearest_levels, proximity and the causal sr_break."""

from __future__ import annotations

import numpy as np
import pytest

from engine.structure.types import SRKind, SRLevel, StructureInputError
from engine.structure.use import nearest_levels, proximity, sr_break

LEVELS = [SRLevel(100.0, SRKind.SUPPORT, 0.8, "PIVOT", band_pts=2.0),
          SRLevel(110.0, SRKind.RESISTANCE, 0.8, "PIVOT", band_pts=5.0),
          SRLevel(95.0, SRKind.POC, 0.9, "VOLUME", band_pts=1.0)]


def test_nearest_levels() -> None:
    support, resistance = nearest_levels(LEVELS, 104.0)
    assert support is not None and support.level == 100.0
    assert resistance is not None and resistance.level == 110.0
    assert nearest_levels(LEVELS, 100.0)[0] == LEVELS[0]  # at the level: it is support
    assert nearest_levels(LEVELS, 120.0)[1] is None
    assert nearest_levels([], 1.0) == (None, None)


def test_proximity_uses_each_band_or_a_given_one() -> None:
    assert proximity(106.0, LEVELS)  # 110 - 106 = 4 <= 5
    assert not proximity(103.0, LEVELS)  # 3 from 100 (band 2), 7 from 110 (band 5)
    assert proximity(103.0, LEVELS, band=3.0)
    with pytest.raises(StructureInputError, match="band"):
        proximity(103.0, LEVELS, band=-1.0)


def test_sr_break_support_and_resistance() -> None:
    prices = np.array([104.0, 101.0, 99.5, 98.9, 98.0, 101.0, 97.0])
    # support 100, buffer 1: broken below 99 -> bars 3 (98.9), 4 (98.0), 6 (97.0)
    assert sr_break(prices, LEVELS[0], 1.0).tolist() == [False, False, False, True, True,
                                                          False, True]
    # two confirming bars: bars 3 and 4 both below -> first at 4; bar 6 alone is not
    assert sr_break(prices, LEVELS[0], 1.0, confirm_bars=2).tolist() == [
        False, False, False, False, True, False, False]
    up = np.array([105.0, 109.0, 111.5, 112.0])
    assert sr_break(up, LEVELS[1], 1.0).tolist() == [False, False, True, True]


def test_sr_break_side_inference_and_causality() -> None:
    prices = np.array([96.0, 94.0, 93.0])
    # a POC level at 95 with price starting above it acts as support
    assert sr_break(prices, LEVELS[2], 0.5).tolist() == [False, True, True]
    assert sr_break(np.array([90.0, 96.0]), 95.0, 0.5).tolist() == [False, True]
    assert sr_break(prices, 95.0, 0.5, side="ABOVE").tolist() == [True, False, False]
    # causal: the answer up to bar i does not change when later bars change
    rng = np.random.default_rng(1)
    base = 100 + rng.normal(0, 2, 50)
    full = sr_break(base, 100.0, 0.5, side="BELOW", confirm_bars=3)
    for i in (10, 25, 40):
        changed = base.copy()
        changed[i + 1:] = 50.0
        assert (sr_break(changed, 100.0, 0.5, side="BELOW", confirm_bars=3)[: i + 1]
                == full[: i + 1]).all()
    assert sr_break(np.array([]), 1.0, 0.0).size == 0
    with pytest.raises(StructureInputError):
        sr_break(prices, 95.0, 0.5, confirm_bars=0)
