"""A sweep worker shares market data between its variants (``engine.market.context``: option
caches, once-a-run store queries, the greeks memo); each variant's BT_Sweep row must be what
a plain run (no shared context) gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import engine.market.context as context_module
from engine.api import sweep_file
from engine.data.store import Store
from engine.market.context import MarketContext
from tests.integration.test_run_cli import FLY_YAML
from tests.integration.test_sweep_cli import _market

SPECS = ["Lots=1:3:1", "StopLoss=0.5,5"]   # 3 x 2 = 6 variants on the same four contracts


def _sweep(tmp_path: Path, name: str, workers: int) -> list[list[object]]:
    home = _market(tmp_path / name)
    cfg = tmp_path / f"{name}.yaml"
    cfg.write_text(FLY_YAML)
    outcome = sweep_file(cfg, home, strategy=None, param_specs=SPECS, workers=workers,
                         out=tmp_path / f"{name}.xlsx")
    assert outcome.ran == 6 and outcome.reused == 0
    header, rows = outcome.table
    return [header, *rows]


def test_shared_context_rows_equal_plain_runs_and_the_memo_is_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[MarketContext] = []

    class Recording(MarketContext):
        def __init__(self, store: Store, **kw: Any) -> None:
            super().__init__(store, **kw)
            made.append(self)

    monkeypatch.setattr(context_module, "MarketContext", Recording)
    shared = _sweep(tmp_path, "shared", workers=1)
    assert len(made) == 1
    ctx = made[0]
    # 6 variants: the first computes each leg's greeks, the other 5 find them (every
    # variant enters the same fly at the same bar); the once-a-run queries are answered
    # from memory after the first run
    assert ctx.greeks.misses > 0 and ctx.greeks.hits >= 5 * ctx.greeks.misses
    assert ctx.store.hits > 0

    monkeypatch.setattr(context_module, "MarketContext", lambda store: None)
    plain = _sweep(tmp_path, "plain", workers=1)
    assert shared == plain

    header = plain[0]
    pnl, lots, stop = (header.index(h) for h in ("net_pnl_inr", "Lots", "StopLoss"))
    by_lots = {(r[lots], r[stop]): r[pnl] for r in plain[1:]}
    # the golden fly held to expiry earns 8,250 INR a lot (test_sweep_sources, by hand);
    # costs NONE, no stop reached: n lots earn n x 8,250
    assert by_lots == {(n, s): 8250.0 * n for n in (1, 2, 3) for s in (0.5, 5.0)}


def test_a_pool_with_shared_context_gives_the_rows_of_plain_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pooled = _sweep(tmp_path, "pooled", workers=2)   # spawned workers: the context is on
    monkeypatch.setattr(context_module, "MarketContext", lambda store: None)
    plain = _sweep(tmp_path, "plain", workers=1)
    assert pooled == plain
