"""SMC on hand-built bars: a fair value gap, a break of structure with its order block, a sweep."""

from __future__ import annotations

import numpy as np
import pytest

from engine.config.models.structure import SmartMoneyConfig
from engine.structure.smc import (
    breaks_of_structure,
    fair_value_gaps,
    liquidity_sweeps,
    order_blocks,
    smc_levels,
)
from engine.structure.types import Bars, SRKind, StructureInputError
from tests.unit.structure._series import daily_stamps


def _bars(rows: list[tuple[float, float, float, float]]) -> Bars:
    o, h, lo, c = (np.array(col, dtype=float) for col in zip(*rows, strict=True))
    return Bars.from_arrays(daily_stamps(len(rows)), o, h, lo, c)


CFG = SmartMoneyConfig(swing_length=2, order_block_lookback=50, fvg_min_size_pts=1.0,
                       bos_confirmation_bars=1).params()


def test_bullish_fair_value_gap_by_hand() -> None:
    rows = [(100, 101, 99, 100), (100, 102, 99.5, 101.5),  # bar 1: high 102
            (101.5, 108, 101.5, 107.5),                     # bar 2: displacement
            (107.5, 109, 104, 108.5),                       # bar 3: low 104 > bar 1 high 102
            (108.5, 110, 105, 109)]                         # bar 4 stays above 102: not filled
    gaps = fair_value_gaps(_bars(rows), CFG)
    # gap zone (102, 104): level = 103 (its middle), size 2 >= 1
    assert [(g.kind, g.zone, g.level, g.label) for g in gaps] == [
        (SRKind.FVG, (102.0, 104.0), 103.0, "bullish FVG")]
    # a gap smaller than the minimum is ignored
    assert fair_value_gaps(_bars(rows), SmartMoneyConfig(fvg_min_size_pts=2.5).params()) == []


def test_filled_gap_is_dropped_and_bearish_gap_found() -> None:
    rows = [(100, 101, 99, 100), (100, 102, 99.5, 101.5), (101.5, 108, 101.5, 107.5),
            (107.5, 109, 104, 108.5), (108.5, 108.5, 101, 101.5)]  # bar 4 trades down to 101
    assert [g for g in fair_value_gaps(_bars(rows), CFG) if g.label == "bullish FVG"] == []
    down = [(110, 111, 109, 110), (110, 110.5, 108, 108.5), (108.5, 108.5, 102, 102.5),
            (102.5, 105, 101, 101.5)]
    # bearish: bar 3 high 105 < bar 1 low 108 -> zone (105, 108), level 106.5
    gaps = fair_value_gaps(_bars(down), CFG)
    assert [(g.zone, g.label) for g in gaps] == [((105.0, 108.0), "bearish FVG")]


def _bos_rows() -> list[tuple[float, float, float, float]]:
    return [
        (100, 101, 99, 100.5),    # 0
        (100.5, 103, 100, 102.5),  # 1
        (102.5, 106, 102, 105.5),  # 2  swing high 106 (2 bars each side lower)
        (105.5, 105.8, 102, 102.5),  # 3
        (102.5, 103, 100.5, 101),  # 4  bearish candle: the order block (last down candle)
        (101, 101.5, 99, 101.2),   # 5  lowest low 99 (bullish candle)
        (101.2, 104, 101, 103.8),  # 6
        (103.8, 108, 103.5, 107.5),  # 7  first close above 106: BOS
        (107.5, 109, 106.5, 108.5),  # 8
    ]


def test_break_of_structure_and_order_block() -> None:
    bars = _bars(_bos_rows())
    breaks = breaks_of_structure(bars, CFG)
    # the swing high at bar 2 (106) is broken by the close of bar 7 (107.5 > 106)
    assert (2, 7, True) in breaks
    obs = order_blocks(bars, CFG)
    # lowest low between bars 2 and 7 is bar 5; last bearish candle at or before it: bar 4
    # zone (100.5, 103), level 101.75
    assert [(ob.zone, ob.level, ob.label) for ob in obs] == [((100.5, 103.0), 101.75, "bullish OB")]
    levels = smc_levels(bars, CFG)
    bos = [lv for lv in levels if lv.kind is SRKind.BOS]
    assert [(b.level, b.label) for b in bos] == [(106.0, "bullish BOS")]


def test_two_bar_confirmation_and_mitigation() -> None:
    rows = _bos_rows()
    confirm2 = SmartMoneyConfig(swing_length=2, bos_confirmation_bars=2).params()
    # closes above 106: bars 7 and 8 -> confirmed on bar 8
    assert (2, 8, True) in breaks_of_structure(_bars(rows), confirm2)
    # a later close below the OB's low (100.5) mitigates it
    mitigated = [*rows, (108.5, 108.5, 99, 100)]
    assert order_blocks(_bars(mitigated), CFG) == []


def test_liquidity_sweep() -> None:
    rows = [(100, 101, 99, 100.5), (100.5, 103, 100, 102.5), (102.5, 106, 102, 105.5),
            (105.5, 105.8, 102, 102.5), (102.5, 103, 100.5, 101),
            (101, 107, 100.8, 105)]  # wick to 107 above the 106 swing high, close back at 105
    sweeps = liquidity_sweeps(_bars(rows), CFG)
    assert [(s.level, s.kind, s.label) for s in sweeps] == [(106.0, SRKind.SWEEP, "swept high")]
    no_sweeps = SmartMoneyConfig(swing_length=2, use_liquidity_sweeps=False).params()
    assert all(lv.kind is not SRKind.SWEEP for lv in smc_levels(_bars(rows), no_sweeps))


def test_smc_needs_three_bars() -> None:
    with pytest.raises(StructureInputError, match="at least 3"):
        smc_levels(_bars(_bos_rows()[:2]), CFG)


def test_a_swing_confirmed_on_the_last_bar_has_no_break_yet() -> None:
    # bars 0-4 of the BOS series: the swing high at bar 2 (106) is confirmed by bars 3 and 4
    # (swing_length 2), the last bars; there is no bar after it to break it (this raised
    # "a cannot be empty" from np.convolve before: S/R levels on such a day crashed the run)
    bars = _bars(_bos_rows()[:5])
    assert breaks_of_structure(bars, CFG) == []
    assert order_blocks(bars, CFG) == []
