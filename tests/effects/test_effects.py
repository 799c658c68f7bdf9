"""The effect table (engine/config/effects.py): every parameter claimed acted on changes a run.

Each row runs its scenario twice, with value A and value B of its parameter (the row's setup
applied to both), and asserts that the row's observable differs. The runs are computed once per
session by two worker processes (the table needs ~440 backtests; rows share baselines through the
runner's cache) and the parametrised test then checks each row, so a row that stops passing
names its parameter. A parameter whose row cannot pass must leave the table: it then shows as
"accepted, not yet acted on" in docs/parameters.md and ``posbt validate`` warns when it is set.
"""

from __future__ import annotations

import collections
import multiprocessing
import re
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from engine.config.effects import ACTED_ON, EFFECTS, Effect, Observable
from engine.config.models.strategy import StrategyConfig
from engine.config.registry import Sheet, by_path, is_acted_on, params
from engine.config.templates import parameters_md
from engine.data.duckdb_store import DuckDBStore

from . import harness
from .observe import observe

WORKERS = 2
_worker: harness.Runner | None = None


def _start_worker(market: str, workdir: str) -> None:
    global _worker
    warnings.simplefilter("error")  # as pytest's filterwarnings = error in the main process
    _worker = harness.Runner(DuckDBStore(Path(market), read_only=True), Path(workdir))


def _observed(cfg: dict[str, Any]) -> dict[Observable, object] | str:
    """Every observable of one run (or why it could not run), in a worker."""
    assert _worker is not None
    try:
        run = _worker.run(cfg)
    except Exception as exc:  # reported by the row's test, with its parameter
        return f"{type(exc).__name__}: {exc}"
    out: dict[Observable, object] = {Observable.RUNS: run.ran}
    if run.result is not None:
        out.update({k: observe(k, run) for k in Observable if k is not Observable.RUNS})
    return out


def _key(cfg: dict[str, Any]) -> str:
    import json

    return json.dumps(cfg, sort_keys=True, default=str)


@pytest.fixture(scope="session")
def observed(tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[dict[str, dict[Observable, object] | str]]:
    """Observables of every distinct config the table runs, by canonical JSON."""
    root = tmp_path_factory.mktemp("effects")
    market = root / "market.duckdb"
    harness.build_market(market)
    configs: dict[str, dict[str, Any]] = {}
    for row in EFFECTS:
        for value in (row.a, row.b):
            cfg = harness.row_config(row, value)
            configs.setdefault(_key(cfg), cfg)
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(WORKERS, mp_context=ctx, initializer=_start_worker,
                             initargs=(str(market), str(root))) as pool:
        results = dict(zip(configs, pool.map(_observed, configs.values(), chunksize=4),
                           strict=True))
    yield results


@pytest.mark.parametrize("row", EFFECTS, ids=[e.path for e in EFFECTS])
def test_the_parameter_changes_the_observable(
        row: Effect, observed: dict[str, dict[Observable, object] | str]) -> None:
    runs = [observed[_key(harness.row_config(row, v))] for v in (row.a, row.b)]
    for value, run in zip((row.a, row.b), runs, strict=True):
        assert not isinstance(run, str), f"{row.path} = {value!r} did not run: {run}"
    a, b = runs
    assert isinstance(a, dict) and isinstance(b, dict)
    assert row.observable in a and row.observable in b, \
        f"{row.path}: {row.observable.value} is not observable when nothing ran"
    assert a[row.observable] != b[row.observable], (
        f"{row.path}: {row.a!r} and {row.b!r} give the same {row.observable.value} on "
        f"{row.scenario.value}; differing: {[k.value for k in a if a[k] != b.get(k)]}")


def _registry_paths() -> dict[str, Sheet]:
    prefix = {Sheet.POSITIONAL: "", Sheet.LEG: "legs.", Sheet.ADJUSTMENT: "adjustment_rules."}
    return {prefix[s] + p.dotted: s for s in Sheet for p in params(s)}


def test_each_row_names_a_parameter_once_and_sets_a_valid_value() -> None:
    paths = _registry_paths()
    counts = collections.Counter(e.path for e in EFFECTS)
    assert [p for p, n in counts.items() if n > 1] == []
    assert [e.path for e in EFFECTS if e.path not in paths] == []
    for row in EFFECTS:
        assert row.a != row.b, row.path
        for value in (row.a, row.b):  # both values validate and arrive at the path
            cfg = StrategyConfig.model_validate(harness.row_config(row, value))
            dumped = cfg.model_dump(mode="json")
            keys = row.path.split(".")
            node: Any = dumped
            if keys[0] in ("legs", "adjustment_rules") and len(keys) > 1:
                node, keys = dumped[keys[0]][row.item], keys[1:]
            for k in keys:
                node = node[k]
            if isinstance(value, str):  # times come back with seconds: "09:30" -> "09:30:00"
                assert str(node).startswith(value), (row.path, value, node)
            elif isinstance(value, list):
                assert [str(x) for x in node] == [str(x) for x in value], (row.path, node)
            else:
                assert node == value, (row.path, value, node)


def test_acted_on_is_exactly_the_table() -> None:
    assert frozenset(e.path for e in EFFECTS) == ACTED_ON
    paths = _registry_paths()
    prefix = {Sheet.POSITIONAL: "", Sheet.LEG: "legs.", Sheet.ADJUSTMENT: "adjustment_rules."}
    for path, sheet in paths.items():
        p = by_path(sheet)[tuple(path.removeprefix(prefix[sheet]).split("."))]
        assert is_acted_on(p) is (path in ACTED_ON), path


def test_the_docs_count_of_acted_on_parameters_is_the_number_of_rows() -> None:
    text = parameters_md()
    rows = [line for line in text.splitlines() if line.startswith("| ")
            and line.count("|") >= 10]
    # the Acted on column (the 8th; "\\|" inside a description is an escaped pipe)
    acted = [line for line in rows if re.split(r"(?<!\\)\|", line)[8].strip() == "yes"]
    assert len(acted) == len(EFFECTS)
    assert f"{len(EFFECTS)} parameters are acted on" in text
    # the proof section lists every row
    proof = text.split("## How each acted-on parameter is proven", 1)[1]
    assert sum(1 for line in proof.splitlines() if line.startswith("| `")) == len(EFFECTS)


def test_validate_warns_for_a_set_parameter_without_a_row(tmp_path: Path) -> None:
    from engine.config.loader import load_config

    # MaxPortfolioVega has no row (no portfolio of strategies is simulated): setting it is
    # accepted with a warning naming its YAML line; a parameter with a row is not warned about
    assert "greek_limits.max_portfolio_vega" not in ACTED_ON
    assert "exit_rules.profit_target" in ACTED_ON
    path = tmp_path / "s.yaml"
    path.write_text("strategy_name: S\nstrategy_subtype: IRON_FLY\nwing_width_pts: 300\n"
                    "greek_limits:\n  max_portfolio_vega: 5000\n"
                    "exit_rules:\n  profit_target: 0.3\n", encoding="utf-8")
    warnings = [str(w) for w in load_config(path).report.warnings]
    assert warnings == ["s.yaml:5 greek_limits.max_portfolio_vega (MaxPortfolioVega): "
                        "accepted, not yet acted on by the engine (set to 5000.0)"]
