"""Position lifecycle checks (simulation stage): every position's transitions follow the
lifecycle (PENDING -> OPEN -> ADJUSTING -> OPEN ... -> CLOSING -> CLOSED), in time order.

``LifecycleLog`` checks each transition as the run records it, so an illegal step fails at the
bar where it happens; ``check_lifecycle`` replays a finished run's transitions through one. A
violation is an engine bug, not bad input, so it raises ``LifecycleError`` naming the trade, the
bar and the two states.
"""

from __future__ import annotations

from collections.abc import Iterable

from engine.domain.lifecycle import ALLOWED_TRANSITIONS, PositionState
from engine.results.records import Transition


class LifecycleError(RuntimeError):
    """A position moved between states the lifecycle does not allow."""


class LifecycleLog:
    """The run's transitions, each checked against the lifecycle as it is appended.

    ``into`` is the list the transitions are kept in (a ``BacktestResult``'s); a transition
    that breaks the lifecycle raises ``LifecycleError`` and is not kept."""

    def __init__(self, into: list[Transition] | None = None) -> None:
        self.transitions: list[Transition] = [] if into is None else into
        self._last: dict[int, Transition] = {}

    def state(self, trade_id: int) -> PositionState:
        """Where the trade stands now (PENDING before its first transition)."""
        last = self._last.get(trade_id)
        return PositionState.PENDING if last is None else last.to_state

    def append(self, t: Transition) -> None:
        """Record ``t`` after checking it follows the trade's previous transition."""
        now, last = self.state(t.trade_id), self._last.get(t.trade_id)
        if t.from_state is not now:
            raise LifecycleError(f"trade {t.trade_id} at {t.ts}: {t.from_state.value} -> "
                                 f"{t.to_state.value}, but the position is {now.value}")
        if (t.from_state, t.to_state) not in ALLOWED_TRANSITIONS:
            raise LifecycleError(f"trade {t.trade_id} at {t.ts}: {t.from_state.value} -> "
                                 f"{t.to_state.value} is not a lifecycle transition")
        if last is not None and t.ts < last.ts:
            raise LifecycleError(f"trade {t.trade_id}: {t.to_state.value} at {t.ts} is before "
                                 f"the previous transition at {last.ts}")
        self._last[t.trade_id] = t
        self.transitions.append(t)

    def extend(self, transitions: Iterable[Transition]) -> None:
        for t in transitions:
            self.append(t)

    def not_closed(self) -> list[int]:
        """Trades whose last transition did not reach CLOSED, in id order."""
        return sorted(n for n, t in self._last.items() if t.to_state is not PositionState.CLOSED)

    def check_closed(self) -> None:
        """Raise ``LifecycleError`` unless every trade recorded has reached CLOSED."""
        open_ = self.not_closed()
        if open_:
            raise LifecycleError(f"trades {open_} did not reach CLOSED")


def check_lifecycle(transitions: Iterable[Transition], *, closed: bool = True) -> None:
    """Raise ``LifecycleError`` unless each trade starts PENDING, moves only along allowed
    transitions, never goes back in time and (``closed``) ends CLOSED."""
    log = LifecycleLog()
    log.extend(transitions)
    if closed:
        log.check_closed()
