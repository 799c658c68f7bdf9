"""The lifecycle check: allowed sequences pass, anything else names the trade and states."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.domain.lifecycle import PositionState as S
from engine.results.records import Transition
from engine.simulation.lifecycle import LifecycleError, check_lifecycle

T0 = dt.datetime(2025, 1, 2, 9, 30)


def _t(trade: int, minutes: int, a: S, b: S) -> Transition:
    return Transition(trade, T0 + dt.timedelta(minutes=minutes), a, b, "test")


def test_an_adjusted_position_and_an_abandoned_entry_pass() -> None:
    check_lifecycle([
        _t(1, 0, S.PENDING, S.OPEN), _t(1, 5, S.OPEN, S.ADJUSTING), _t(1, 5, S.ADJUSTING, S.OPEN),
        _t(2, 6, S.PENDING, S.CLOSED),  # interleaved trades are followed separately
        _t(1, 9, S.OPEN, S.CLOSING), _t(1, 9, S.CLOSING, S.CLOSED)])
    check_lifecycle([_t(1, 0, S.PENDING, S.OPEN)], closed=False)


@pytest.mark.parametrize(("seq", "message"), [
    ([(0, S.OPEN, S.CLOSING)], r"trade 1 .* OPEN -> CLOSING, but the position is PENDING"),
    ([(0, S.PENDING, S.OPEN), (1, S.OPEN, S.CLOSED)], r"OPEN -> CLOSED is not a lifecycle"),
    ([(0, S.PENDING, S.OPEN), (5, S.OPEN, S.ADJUSTING), (4, S.ADJUSTING, S.OPEN)],
     r"is before the previous transition"),
    ([(0, S.PENDING, S.OPEN)], r"trades \[1\] did not reach CLOSED"),
])
def test_a_broken_sequence_names_the_trade_and_states(seq: list[tuple[int, S, S]],
                                                      message: str) -> None:
    with pytest.raises(LifecycleError, match=message):
        check_lifecycle([_t(1, m, a, b) for m, a, b in seq])
