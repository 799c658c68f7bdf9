"""The run's state and the events of one step (simulation stage).

``step(state, bar, market) -> (state, events)`` (engine.simulation.loop) folds over the
event-skipping timeline: the bars where an entry may be tried and the bars where an open
position exits. ``RunState`` is immutable: a step returns a new one. It holds the open
positions of the strategy (several at once, one per expiry cycle), where the entry search
resumes, the realised P&L per bar of the positions closed so far, and the counters the entry
rules need (entries per day, stop-recovery attempts, the equity peak). The events are typed
records; ``engine.simulation.recorder.Recorder`` turns them into the records of results/.

A position is simulated to its exit when it opens (its path does not depend on other
positions): ``Entered`` carries its records (fills, adjustments, transitions, series, the trade)
in a ``Ledger``; ``Exited`` marks the bar where it leaves the state and its P&L is realised.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

import numpy as np

from engine.domain.lifecycle import ExitReason
from engine.simulation.position import Ledger


@dataclass(frozen=True)
class OpenPosition:
    """A position held in the run's state: its expiry cycle, entry bar and (known) exit."""

    trade_id: int
    cycle: dt.date        # the front expiry it was opened on: one open position per cycle
    entry_bar: int
    exit_bar: int
    reason: ExitReason
    ledger: Ledger = field(compare=False, repr=False)


def _frozen_counts() -> Mapping[np.datetime64, int]:
    return MappingProxyType({})


@dataclass(frozen=True)
class RunState:
    """Everything the next step needs to know about the run so far (replaced, never mutated)."""

    realized_inr: np.ndarray                 # P&L realised per bar by the positions closed so far
    peak_equity_inr: float
    resume: int = 0                          # the entry search tries bars from here
    open: tuple[OpenPosition, ...] = ()
    trade_id: int = 0                        # the last trade id given
    recoveries: int = 0                      # stop-recovery entries since the last good trade
    entries_by_day: Mapping[np.datetime64, int] = field(default_factory=_frozen_counts)
    settled_at: int = -1                     # the bar where ``settled`` cycles settled
    settled: frozenset[dt.date] = frozenset()
    halted: bool = False                     # MaxDrawdown reached: no more entries

    @classmethod
    def start(cls, n_bars: int, capital_inr: float) -> RunState:
        return cls(realized_inr=np.zeros(n_bars), peak_equity_inr=capital_inr)

    def replace(self, **changes: object) -> RunState:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def with_entry_on(self, day: np.datetime64) -> RunState:
        counts = dict(self.entries_by_day)
        counts[day] = counts.get(day, 0) + 1
        return self.replace(entries_by_day=MappingProxyType(counts))

    def cycles_open(self) -> dict[dt.date, int]:
        """Expiry cycle -> trade id of the position open on it."""
        return {p.cycle: p.trade_id for p in self.open}


class NoteKind(StrEnum):
    LOG = "LOG"            # the run log (BT_RunLog)
    ANOMALY = "ANOMALY"    # something the user must know about the numbers


@dataclass(frozen=True)
class Skipped:
    """An entry tried at ``ts`` and not made, with the reason."""

    ts: dt.datetime
    reason: str


@dataclass(frozen=True)
class Entered:
    """A position opened at ``bar`` on expiry cycle ``cycle``; ``ledger`` holds its records
    from entry to exit (adjustments and the closing trade included)."""

    trade_id: int
    bar: int
    cycle: dt.date
    ledger: Ledger = field(repr=False)


@dataclass(frozen=True)
class Exited:
    """The position left the state at ``bar`` (its P&L realised), for ``reason``."""

    trade_id: int
    bar: int
    reason: ExitReason


@dataclass(frozen=True)
class Noted:
    """A line for the run log or the anomalies."""

    kind: NoteKind
    text: str


Event = Skipped | Entered | Exited | Noted
