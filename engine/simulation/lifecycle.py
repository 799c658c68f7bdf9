"""Position lifecycle checks (simulation stage): every position's transitions follow the
lifecycle (PENDING -> OPEN -> ADJUSTING -> OPEN ... -> CLOSING -> CLOSED), in time order.

``check_lifecycle`` runs over a finished run's transitions; a violation is an engine bug, not
bad input, so it raises ``LifecycleError`` naming the trade, the bar and the two states.
"""

from __future__ import annotations

from collections.abc import Iterable

from engine.domain.lifecycle import ALLOWED_TRANSITIONS, PositionState
from engine.results.records import Transition


class LifecycleError(RuntimeError):
    """A position moved between states the lifecycle does not allow."""


def check_lifecycle(transitions: Iterable[Transition], *, closed: bool = True) -> None:
    """Raise ``LifecycleError`` unless each trade starts PENDING, moves only along allowed
    transitions, never goes back in time and (``closed``) ends CLOSED."""
    state: dict[int, tuple[PositionState, Transition | None]] = {}
    for t in transitions:
        now, last = state.get(t.trade_id, (PositionState.PENDING, None))
        if t.from_state is not now:
            raise LifecycleError(f"trade {t.trade_id} at {t.ts}: {t.from_state.value} -> "
                                 f"{t.to_state.value}, but the position is {now.value}")
        if (t.from_state, t.to_state) not in ALLOWED_TRANSITIONS:
            raise LifecycleError(f"trade {t.trade_id} at {t.ts}: {t.from_state.value} -> "
                                 f"{t.to_state.value} is not a lifecycle transition")
        if last is not None and t.ts < last.ts:
            raise LifecycleError(f"trade {t.trade_id}: {t.to_state.value} at {t.ts} is before "
                                 f"the previous transition at {last.ts}")
        state[t.trade_id] = (t.to_state, t)
    if closed:
        open_ = sorted(n for n, (s, _) in state.items() if s is not PositionState.CLOSED)
        if open_:
            raise LifecycleError(f"trades {open_} did not reach CLOSED")
