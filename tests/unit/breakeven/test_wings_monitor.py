"""Wing optimiser on a constructed chain; buffer, band states, events, success, delta targets."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from engine.breakeven import (
    BandState,
    adjustment_keeps_breakevens,
    band_states,
    breakeven_delta_targets,
    buffer_pts,
    distance_to_band,
    first_band_event,
    flat_surface,
    leg_book,
    optimise_wings,
    success_rate,
    success_stats,
)
from engine.config.enums import BEApproachAction, BEBreachAction, BEBufferType
from engine.domain.structures import iron_fly
from engine.errors import PosbtError

# constructed chain around 22000: straddle 330 (CE 170 + PE 160); wing premiums fall
# with distance: CE/PE at 22000 +/- 100: 130/125, 200: 70/65, 300: 45/45, 400: 25/25
CHAIN = {
    21600.0: (420.0, 25.0), 21700.0: (330.0, 45.0), 21800.0: (250.0, 65.0),
    21900.0: (200.0, 125.0), 22000.0: (170.0, 160.0), 22100.0: (130.0, 210.0),
    22200.0: (70.0, 280.0), 22300.0: (45.0, 360.0), 22400.0: (25.0, 440.0),
}


def test_wing_optimiser_picks_nearest_width() -> None:
    # credits: w100: 330 - 130 - 125 = 75 -> width 150; w200: 330 - 70 - 65 = 195 -> 390;
    # w300: 330 - 45 - 45 = 240 -> 480; w400: 330 - 25 - 25 = 280 -> 560
    choice = optimise_wings(CHAIN, 22000, 470)
    assert [c.width_pts for c in choice.candidates] == [150.0, 390.0, 480.0, 560.0]
    assert choice.best.wing_pts == 300 and choice.best.credit_pts == 240
    assert choice.reason == ""
    # with costs 5: widths shrink by 10 -> 140, 380, 470, 550; target 470 -> w300 exactly
    assert optimise_wings(CHAIN, 22000, 470, costs_pts=5).best.width_pts == 470
    # ties go to the narrower wing: target 435 is 45 from 390 and 480 -> w200
    assert optimise_wings(CHAIN, 22000, 435).best.wing_pts == 200
    capped = optimise_wings(CHAIN, 22000, 1000, max_wing_pts=300)
    assert capped.best.wing_pts == 300 and "widest wing" in capped.reason


def test_wing_optimiser_bad_input() -> None:
    with pytest.raises(PosbtError, match="empty"):
        optimise_wings({}, 22000, 400)
    with pytest.raises(PosbtError, match="not in the chain"):
        optimise_wings(CHAIN, 22050, 400)
    with pytest.raises(PosbtError, match="target_be_width"):
        optimise_wings(CHAIN, 22000, -1)
    with pytest.raises(PosbtError, match=r"chain\[22000\]"):
        optimise_wings(CHAIN | {22000.0: (math.nan, 160.0)}, 22000, 400)
    with pytest.raises(PosbtError, match="usable credit"):
        optimise_wings({22000.0: (10.0, 10.0), 22100.0: (10.0, 10.0), 21900.0: (10.0, 10.0)},
                       22000, 400)


def test_buffer_types() -> None:
    spots = np.array([22000.0, 20000.0])
    assert buffer_pts(50, BEBufferType.FIXED, spots).tolist() == [50.0, 50.0]
    # 0.5% of 22000 = 110, of 20000 = 100
    assert buffer_pts(0.5, BEBufferType.PERCENTAGE, spots).tolist() == pytest.approx([110, 100])
    # 0.5 ATR with ATR 180 -> 90
    assert buffer_pts(0.5, BEBufferType.ATR_BASED, spots, 180.0).tolist() == [90.0, 90.0]
    with pytest.raises(PosbtError, match="ATR"):
        buffer_pts(0.5, BEBufferType.ATR_BASED, spots)
    with pytest.raises(PosbtError, match="be_buffer"):
        buffer_pts(-1, BEBufferType.FIXED, spots)


def test_states_events_and_actions() -> None:
    # band 21760..22240, buffer 50: distances 240, 60, 40, -10, 40, NaN band
    spots = np.array([22000, 22180, 22200, 22250, 21800, 22000], dtype=float)
    lower = np.array([21760.0] * 5 + [math.nan])
    upper = np.array([22240.0] * 5 + [math.nan])
    assert distance_to_band(spots, lower, upper)[:5].tolist() == [240, 60, 40, -10, 40]
    states = band_states(spots, lower, upper, 50.0)
    assert states.tolist() == [BandState.INSIDE, BandState.INSIDE, BandState.APPROACH,
                               BandState.BREACH, BandState.APPROACH, BandState.UNKNOWN]
    cfg = {"approach_action": BEApproachAction.HEDGE, "breach_action": BEBreachAction.CLOSE}
    ev = first_band_event(states, **cfg)
    assert ev is not None and (ev.index, ev.state, ev.action) == (2, BandState.APPROACH,
                                                                  BEApproachAction.HEDGE)
    ev2 = first_band_event(states, **cfg, start=3)
    assert ev2 is not None and (ev2.index, ev2.action) == (3, BEBreachAction.CLOSE)
    assert first_band_event(states[:2], **cfg) is None


def test_success_tracking() -> None:
    # 4 bars, 3 inside: 75% of time; left once so not "stayed inside"; finished inside
    st = success_stats([22000, 22300, 22100, 22000], 21760.0, 22240.0)
    assert (st.fraction_of_time_inside, st.stayed_inside, st.finished_inside) == (0.75, False, True)
    ok = success_stats([22000, 22100], 21760.0, 22240.0)
    assert success_rate([st, ok]) == 0.5 and math.isnan(success_rate([]))
    with pytest.raises(PosbtError, match="no bars"):
        success_stats([], 1.0, 2.0)


def test_delta_targets_match_finite_difference() -> None:
    expiry = dt.date(2024, 1, 11)
    val = dt.datetime(2024, 1, 4, 15, 30)
    book = leg_book(iron_fly(22000, 300, expiry), flat_surface(0.14), smile=True, atm_spot=22000)
    lo_d, up_d = breakeven_delta_targets(book, valuation=val, lower=21760, upper=22240,
                                         buffer=50, r=0.065)
    h = 0.5  # central difference of the priced position at 21810 and 22190

    def fd(s: float) -> float:
        return float((book.value_pts(s + h, val, 0.065, 0.0)
                      - book.value_pts(s - h, val, 0.065, 0.0)) / (2 * h))

    assert lo_d == pytest.approx(fd(21810), abs=1e-6) and up_d == pytest.approx(fd(22190), abs=1e-6)
    assert lo_d > 0 > up_d  # a short fly: long delta low, short delta high
    assert math.isnan(breakeven_delta_targets(book, valuation=val, lower=-math.inf, upper=22240,
                                              buffer=50)[0])


def test_adjustment_check() -> None:
    # width 480 -> 520: gain 40, accepted; 480 -> 400: rejected when maintained
    assert adjustment_keeps_breakevens((21760, 22240), (21740, 22260), maintain_breakevens=True) == (True, 40)
    assert adjustment_keeps_breakevens((21760, 22240), (21800, 22200),
                                       maintain_breakevens=True) == (False, -80)
    assert adjustment_keeps_breakevens((21760, 22240), (21800, 22200), maintain_breakevens=False)[0] is True
    accepted, gain = adjustment_keeps_breakevens((21760, 22240), (math.nan, math.nan),
                                                  maintain_breakevens=True)
    assert accepted is False and math.isnan(gain)
