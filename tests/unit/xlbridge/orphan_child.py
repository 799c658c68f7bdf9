"""A spawn child for the parent-death test: starts the worker's watchdog, then sleeps
(a backtest that would run long after its server died)."""

from __future__ import annotations

import time

from xlbridge.server.worker import _exit_when_parent_dies


def sleeper() -> None:
    _exit_when_parent_dies()
    time.sleep(120)
