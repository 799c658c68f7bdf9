"""Each built-in adjustment type on its own: its trigger direction and its trades, by hand.

Pure: a constructed chain at one bar, no store. NIFTY strike step 50, lot size 75; the
position is a 22,000 CE calendar (short weekly W1, long monthly M1) or a 22,000 iron fly.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from engine.domain.structures import Leg, PositionRole, Right, Side
from engine.strategy.adjustments.base import Market, adjustment_for
from engine.strategy.adjustments.rules import AdjAction, AdjRule, Trig
from engine.strategy.adjustments.state import RuleState, SegmentView
from engine.strategy.selection import ChainSlice, SelectionError

W1, W2, M1 = dt.date(2025, 1, 9), dt.date(2025, 1, 16), dt.date(2025, 1, 30)
AT = dt.datetime(2025, 1, 6, 11, 0)
STRIKES = np.arange(21700.0, 22351.0, 50.0)


def chain() -> ChainSlice:
    strikes = np.concatenate([STRIKES, STRIKES])
    rights = np.array(["CE"] * STRIKES.size + ["PE"] * STRIKES.size)
    closes = np.full(strikes.size, 100.0)
    return ChainSlice(strikes, rights, closes, np.full(strikes.size, np.nan))


def market(spot: float, direction: int = 1, delta_inr: float = 0.0) -> Market:
    listed = [(W1, "WEEKLY"), (W2, "WEEKLY"), (M1, "MONTHLY")]
    return Market(AT, spot, direction, {e: chain() for e, _ in listed}, listed, 50.0, 75, delta_inr)


CALENDAR = (Leg(Right.CE, Side.SELL, 22000.0, W1, 1, PositionRole.PRIMARY, "short"),
            Leg(Right.CE, Side.BUY, 22000.0, M1, 1, PositionRole.PRIMARY, "long"))
MOVE = np.array([0.0, 100.0, 230.0, -230.0])  # spot minus the reference, points


def test_roll_up_counts_up_moves_and_shifts_to_atm() -> None:
    t = adjustment_for(AdjAction.ROLL_UP)
    assert t.price_move_mask(MOVE, 220.0, RuleState()).tolist() == [False, False, True, False]
    # spot 22,230 -> ATM 22,250: the short moves +250; the long stays (roll_long_leg off)
    p = t.plan(AdjRule("R", AdjAction.ROLL_UP), CALENDAR, market(22230.0), RuleState())
    assert p.close == (0,) and [(leg.strike, leg.expiry) for leg in p.open] == [(22250.0, W1)]
    assert p.note == "shift +250 pts"


def test_roll_down_counts_down_moves_and_steps_when_atm_is_the_strike() -> None:
    t = adjustment_for(AdjAction.ROLL_DOWN)
    assert t.price_move_mask(MOVE, 220.0, RuleState()).tolist() == [False, False, False, True]
    # spot 22,010 -> ATM 22,000 = the current strike: roll_steps 2 x 50 = 100 pts down
    rule = AdjRule("R", AdjAction.ROLL_DOWN, roll_steps=2, roll_long_leg=True)
    p = t.plan(rule, CALENDAR, market(22010.0, -1), RuleState())
    assert p.close == (0, 1) and [leg.strike for leg in p.open] == [21900.0, 21900.0]


def test_roll_diagonal_moves_the_short_leg_out_in_time() -> None:
    t = adjustment_for(AdjAction.ROLL_DIAGONAL)
    assert t.price_move_mask(MOVE, 220.0, RuleState()).tolist() == [False, False, True, True]
    # it reads every listed expiry's chain, not only the held ones
    assert t.chain_expiries([W1, M1], [(W1, "W"), (W2, "W"), (M1, "M")], AT.date()) == [W1, W2, M1]
    # new_dte 10 from Mon 6 Jan -> the expiry nearest 16 Jan is W2; ATM at 22,230 is 22,250
    p = t.plan(AdjRule("R", AdjAction.ROLL_DIAGONAL, new_dte=10), CALENDAR, market(22230.0), RuleState())
    assert [(leg.strike, leg.expiry) for leg in p.open] == [(22250.0, W2)]


def test_double_calendar_adds_a_second_calendar_offset_from_the_first() -> None:
    t = adjustment_for(AdjAction.DOUBLE_CALENDAR)
    # spot 22,020 -> ATM 22,000 = the first calendar's strike: 2 steps up = 22,100, calls
    p = t.plan(AdjRule("R", AdjAction.DOUBLE_CALENDAR, second_offset_steps=2), CALENDAR,
               market(22020.0, 1), RuleState())
    assert p.close == () and [(leg.side, leg.strike, leg.expiry) for leg in p.open] == [
        (Side.SELL, 22100.0, W1), (Side.BUY, 22100.0, M1)]
    with pytest.raises(SelectionError, match="needs a calendar"):
        t.plan(AdjRule("R", AdjAction.DOUBLE_CALENDAR), CALENDAR[:1], market(22020.0), RuleState())


def test_reverse_buy_levels_and_tranches() -> None:
    t = adjustment_for(AdjAction.REVERSE_BUY)
    st = RuleState(tranches_bought=1, tranche_direction=1)
    # the second level is 2 x 220 = 440 pts above the reference
    assert t.price_move_mask(np.array([0.0, 300.0, 450.0]), 220.0, st).tolist() == [False, False, True]
    rule = AdjRule("RB", AdjAction.REVERSE_BUY, parts=2, part_lots=3)
    # spot 22,240 -> ATM 22,250: buy 3 lots of the 22,250 CE of the front expiry, tranche 2
    p = t.plan(rule, CALENDAR, market(22240.0, 1), st)
    assert p.close == () and [(leg.leg_id, leg.right, leg.side, leg.strike, leg.expiry, leg.lots)
                              for leg in p.open] == [("RB_T2", Right.CE, Side.BUY, 22250.0, W1, 3)]
    assert p.note == "tranche 2 of 2: buy CE 22250"
    t.on_applied(rule, st, 1)
    assert st.tranches_bought == 2 and t.exhausted(rule, st) == "all 2 tranches bought"
    fresh = RuleState()
    assert t.on_blocked(rule, fresh, -1) == "tranche 1 skipped" and fresh.tranche_direction == -1
    assert not t.moves_reference and t.has_tranches


def test_dynamic_hedge_band_and_size() -> None:
    t = adjustment_for(AdjAction.DYNAMIC_HEDGE)
    rule = AdjRule("H", AdjAction.DYNAMIC_HEDGE, target_delta_inr=0.0, delta_band_inr=5000.0)
    assert t.default_triggers(rule) == frozenset()
    ts = np.array(["2025-01-06T10:00", "2025-01-06T10:30"], dtype="datetime64[us]")
    view = SegmentView(ts=ts, spot=np.zeros(2), pnl_inr=np.zeros(2),
                       greeks={"delta": np.array([4000.0, -8000.0])}, ref_spot=22000.0,
                       premium_base_inr=1.0, iv=np.zeros(2), iv_entry=0.1)
    mask = t.extra_trigger(rule, view)
    assert mask is not None and mask.tolist() == [False, True]
    # delta -8,000 INR per point vs target 0: round(8,000 / 75) = 107 lots of a synthetic long
    p = t.plan(rule, CALENDAR, market(22010.0, delta_inr=-8000.0), RuleState())
    assert [(leg.right, leg.side, leg.lots, leg.strike) for leg in p.open] == [
        (Right.CE, Side.BUY, 107, 22000.0), (Right.PE, Side.SELL, 107, 22000.0)]
    last = RuleState(last_fire=ts[0])
    hourly = AdjRule("H", AdjAction.DYNAMIC_HEDGE, rebalance_minutes=60)
    (allowed, why), = t.extra_constraints(hourly, view, last)
    assert allowed.tolist() == [False, False] and why == "hedge rebalance interval 60 min"
    assert not t.moves_reference


def test_default_type_counts_either_way_and_names_price_move() -> None:
    t = adjustment_for(AdjAction.DOUBLE_CALENDAR)
    assert t.default_triggers(AdjRule("R", AdjAction.DOUBLE_CALENDAR)) == frozenset({Trig.PRICE_MOVE})
    assert t.price_move_mask(MOVE, 220.0, RuleState()).tolist() == [False, False, True, True]
