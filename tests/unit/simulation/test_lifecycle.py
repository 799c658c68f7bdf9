"""The lifecycle check: allowed sequences pass, anything else names the trade and states."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.domain.lifecycle import PositionState as S
from engine.results.records import Transition
from engine.simulation.lifecycle import LifecycleError, LifecycleLog, check_lifecycle

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


def test_the_log_raises_at_the_illegal_transition_and_keeps_the_legal_ones() -> None:
    kept: list[Transition] = []
    log = LifecycleLog(kept)
    log.append(_t(1, 0, S.PENDING, S.OPEN))
    log.append(_t(2, 1, S.PENDING, S.OPEN))   # a second position of the strategy, open at once
    log.append(_t(1, 2, S.OPEN, S.ADJUSTING))
    assert log.state(1) is S.ADJUSTING and log.state(2) is S.OPEN and log.state(3) is S.PENDING
    # an adjusting position cannot close without going back to OPEN first
    with pytest.raises(LifecycleError, match=r"trade 1 .* ADJUSTING -> CLOSING is not a "
                                             r"lifecycle transition"):
        log.append(_t(1, 3, S.ADJUSTING, S.CLOSING))
    # a trade cannot close from OPEN directly, nor skip PENDING
    with pytest.raises(LifecycleError, match=r"OPEN -> CLOSED is not a lifecycle transition"):
        log.append(_t(2, 3, S.OPEN, S.CLOSED))
    with pytest.raises(LifecycleError, match=r"trade 3 .* OPEN -> CLOSING, but the position is "
                                             r"PENDING"):
        log.append(_t(3, 3, S.OPEN, S.CLOSING))
    # nor go back in time
    with pytest.raises(LifecycleError, match=r"before the previous transition"):
        log.append(_t(2, 0, S.OPEN, S.CLOSING))
    assert [(t.trade_id, t.to_state) for t in kept] == [(1, S.OPEN), (2, S.OPEN),
                                                        (1, S.ADJUSTING)]
    assert log.not_closed() == [1, 2]
    with pytest.raises(LifecycleError, match=r"trades \[1, 2\] did not reach CLOSED"):
        log.check_closed()
    log.extend([_t(1, 4, S.ADJUSTING, S.OPEN), _t(1, 5, S.OPEN, S.CLOSING),
                _t(1, 5, S.CLOSING, S.CLOSED), _t(2, 6, S.OPEN, S.CLOSING),
                _t(2, 6, S.CLOSING, S.CLOSED)])
    log.check_closed()
    assert len(kept) == 8


def test_the_recorder_refuses_an_exit_of_a_position_that_never_closed() -> None:
    from engine.domain.lifecycle import ExitReason
    from engine.results.result import BacktestResult
    from engine.simulation.events import Entered, Exited, Noted, NoteKind, Skipped
    from engine.simulation.recorder import Recorder, position_ledger

    rec = Recorder(BacktestResult(plan=None), 3)  # type: ignore[arg-type]
    ledger = position_ledger(3)
    ledger.transitions.append(_t(1, 0, S.PENDING, S.OPEN))  # opened, never closed
    ledger.realized[2] = 150.0
    rec.record([Skipped(T0, "no quote"), Entered(1, 0, dt.date(2025, 1, 9), ledger),
                Noted(NoteKind.LOG, "a log line"), Noted(NoteKind.ANOMALY, "an anomaly")])
    assert [s.reason for s in rec.result.skips] == ["no quote"]
    assert rec.result.log == ["a log line"] and rec.result.anomalies == ["an anomaly"]
    assert rec.realized_inr.tolist() == [0.0, 0.0, 150.0] and rec.entries == 1
    with pytest.raises(LifecycleError, match=r"trade 1 left the run at bar 2 \(EXPIRY\) but is "
                                             r"OPEN"):
        rec.record([Exited(1, 2, ExitReason.EXPIRY)])
