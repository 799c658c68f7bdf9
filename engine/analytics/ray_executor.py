"""Sweep variants on a Ray cluster (``posbt sweep --executor ray``; the ``cluster`` extra).

One actor a worker, each holding the market store open for every batch it runs (as a process
pool worker does); batches go to the actors in turn and come back through
``ObjectRef.future()``, so the pool's driver (:func:`engine.analytics.sweep._drive`) runs
both executors and the results are the same. Every node must see the posbt home folder (the
market store and its option cache) at the same path: a shared disk, or one machine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from itertools import cycle
from typing import Any

from engine.errors import PosbtError


class SweepActor:
    """A Ray actor's state: the market of ``home``, opened on its first batch."""

    def __init__(self, home: str) -> None:
        self.home = home

    def run(self, batch: Sequence[tuple[int, Any]]) -> list[tuple[int, Any]]:
        from engine.analytics.sweep import _run_batch

        return _run_batch(self.home, batch)


def import_ray() -> Any:
    """The ``ray`` module, or a PosbtError that says how to install it."""
    try:
        import ray
    except ImportError:
        raise PosbtError("the Ray executor needs Ray: pip install 'posbt[cluster]'",
                         place="--executor ray") from None
    return ray


def run_batches_on_ray(todo: Sequence[list[tuple[int, Any]]], home: str, workers: int,
                       address: str | None, on_done: Callable[[int, Any], None],
                       stop: Callable[[], bool], total: int) -> None:
    """Run ``todo`` on ``workers`` actors of the Ray at ``address`` (None: the one this
    process already started with ``ray.init``, else a local one of ``workers`` CPUs, shut
    down at the end)."""
    from engine.analytics.sweep import _drive

    ray = import_ray()
    started = False
    if not ray.is_initialized():
        try:
            if address:
                ray.init(address=address, log_to_driver=False)
            else:
                ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise PosbtError(f"cannot start or reach Ray ({exc})",
                             place=f"--address {address}" if address else "--executor ray"
                             ) from None
        started = True
    actors: list[Any] = []
    try:
        actor = ray.remote(num_cpus=1)(SweepActor)
        actors = [actor.remote(home) for _ in range(workers)]
        turn = cycle(actors)

        def submit(batch: list[tuple[int, Any]]) -> Future[Any]:
            fut: Future[Any] = next(turn).run.remote(batch).future()
            return fut

        _drive(todo, submit, workers + 1, on_done, stop, total)
    finally:
        for a in actors:  # stopped or failed too: a Ray the caller started keeps running
            ray.kill(a)
        if started:
            ray.shutdown()
