"""Hypothesis round trips: model -> workbook -> model and model -> YAML -> model."""

from __future__ import annotations

import tempfile
from datetime import date, time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.config.export import to_yaml, write_config
from engine.config.loader import read_source
from engine.config.merge import merge_layers, nest
from engine.config.models.strategy import StrategyConfig
from engine.config.registry import ParamInfo, Sheet, params

_FIELDS = [p for p in params(Sheet.POSITIONAL) if p.path != ("strategy_name",)]


def _value(p: ParamInfo) -> st.SearchStrategy[Any]:
    lo = p.ge if p.ge is not None else 0.0
    hi = p.le if p.le is not None else 1e6
    if p.kind == "bool":
        return st.booleans()
    if p.kind == "int":
        return st.integers(int(lo) + 1 if p.ge is not None and p.ge != int(p.ge) else int(lo),
                           int(hi))
    if p.kind == "float":
        # 4 decimals, strictly inside the bounds (gt bounds are stored as ge)
        return st.integers(int(lo * 1e4) + 1, int(hi * 1e4)).map(lambda n: n / 1e4)
    if p.kind == "enum":
        return st.sampled_from(p.choices)
    if p.kind == "time":
        return st.builds(time, st.integers(9, 15), st.sampled_from([0, 15, 30, 45]))
    if p.kind == "date":
        return st.dates(date(2015, 1, 1), date(2030, 12, 31))
    if p.kind == "list" and p.choices:
        return st.lists(st.sampled_from(p.choices), min_size=1, max_size=3, unique=True)
    if p.kind == "list":
        return st.lists(st.integers(1, 60), min_size=1, max_size=3) if \
            p.path[-1] == "custom_dte_list" else st.lists(st.sampled_from(["sharpe", "pnl"]),
                                                          min_size=1, max_size=2, unique=True)
    if p.kind == "float_or_dynamic":
        return st.one_of(st.just("DYNAMIC"), st.integers(1, 50000).map(float))
    return st.text(alphabet="abcdefgh XYZ_", min_size=1, max_size=12).map(str.strip).filter(bool)


@st.composite
def configs(draw: st.DrawFn) -> StrategyConfig:
    chosen = draw(st.lists(st.sampled_from(_FIELDS), min_size=1, max_size=25,
                           unique_by=lambda p: p.path))
    flat = {p.path: draw(_value(p)) for p in chosen}
    flat[("strategy_name",)] = "S1"
    return StrategyConfig.model_validate(nest(flat))


def _validated(path: Path) -> list[StrategyConfig]:
    raw = read_source(path)
    # a CUSTOM strategy without LegParameter rows round-trips, but the workbook reader names
    # it (the engine cannot run it: "the strategy has no legs")
    problems = [p for p in raw.problems if "a CUSTOM strategy needs its legs" not in p.message]
    assert not problems, problems
    return [StrategyConfig.model_validate(merge_layers(s.layer, s.leg_layer))
            for s in raw.strategies]


_SETTINGS = settings(max_examples=15, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(configs())
def test_model_workbook_model(cfg: StrategyConfig) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.xlsx"
        write_config(path, [cfg])
        assert _validated(path) == [cfg]


@_SETTINGS
@given(configs())
def test_model_yaml_model(cfg: StrategyConfig) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.yaml"
        path.write_text(to_yaml([cfg]), encoding="utf-8")
        assert _validated(path) == [cfg]
