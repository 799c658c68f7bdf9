"""The recorder (simulation stage): turns the events of the run's steps into the records of
results/ that a ``BacktestResult`` holds.

``Skipped`` becomes a ``SkipRecord``; ``Entered`` brings the position's fills, adjustments,
series, log lines, anomalies and its trade, and its lifecycle transitions, each checked again
against the lifecycle as it is recorded (``LifecycleLog``); ``Noted`` goes to the run log or
the anomalies. The recorder also sums the per-bar realised P&L and open mark-to-market of every
position, the inputs of the daily equity curve.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import numpy as np

from engine.domain.lifecycle import PositionState
from engine.results.records import SeriesBuffer, SkipRecord
from engine.results.result import BacktestResult
from engine.simulation.events import Entered, Event, Exited, Noted, NoteKind, Skipped
from engine.simulation.lifecycle import LifecycleError, LifecycleLog
from engine.simulation.position import Ledger


def position_ledger(n_bars: int) -> Ledger:
    """An empty ledger for one position's records (per-bar arrays over the run's timeline)."""
    return Ledger([], [], LifecycleLog(), [], [], SeriesBuffer(), np.zeros(n_bars),
                  np.zeros(n_bars), [], [])


class Recorder:
    """Collects the events of a run into ``result`` (the one ``BacktestResult`` of the run)."""

    def __init__(self, result: BacktestResult, n_bars: int) -> None:
        self.result = result
        self.lifecycle = LifecycleLog(result.transitions)
        self.realized_inr = np.zeros(n_bars)
        self.open_mtm_inr = np.zeros(n_bars)
        self.entries = 0

    def record(self, events: Iterable[Event]) -> None:
        for e in events:
            if isinstance(e, Skipped):
                self.result.skips.append(SkipRecord(e.ts, e.reason))
            elif isinstance(e, Entered):
                self._position(e.ledger)
            elif isinstance(e, Noted):
                (self.result.log if e.kind is NoteKind.LOG else self.result.anomalies).append(e.text)
            elif isinstance(e, Exited):
                now = self.lifecycle.state(e.trade_id)
                if now is not PositionState.CLOSED:
                    raise LifecycleError(f"trade {e.trade_id} left the run at bar {e.bar} "
                                         f"({e.reason.value}) but is {now.value}")

    def _position(self, ledger: Ledger) -> None:
        r = self.result
        self.entries += 1
        r.trades.extend(ledger.trades)
        r.fills.extend(ledger.fills)
        self.lifecycle.extend(ledger.transitions.transitions)
        r.adjustments.extend(ledger.adjustments)
        r.anomalies.extend(ledger.anomalies)
        r.log.extend(ledger.log)
        r.be_stats.extend(ledger.be_stats)
        series = ledger.series
        assert isinstance(series, SeriesBuffer)
        for f in dataclasses.fields(SeriesBuffer):
            getattr(r.series, f.name).extend(getattr(series, f.name))
        self.realized_inr += ledger.realized
        self.open_mtm_inr += ledger.open_mtm
