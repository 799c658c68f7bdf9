"""Sweep specs: names, lists, ranges, bounds, grid order and seeded samples (no market needed)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.analytics.sweep import (
    SweepParam,
    find_param,
    grid_size,
    parse_spec,
    sweep_param,
    variants,
)
from engine.errors import PosbtError


def test_names_by_excel_name_case_or_yaml_path() -> None:
    assert find_param("WingWidthPts").path == ("wing_width_pts",)
    assert find_param("wingwidthpts").path == ("wing_width_pts",)
    assert find_param("exit_rules.stop_loss").excel_name == "StopLoss"
    with pytest.raises(PosbtError, match="unknown parameter 'zzzz_qq' \\(sweeps take"):
        find_param("zzzz_qq")


def test_values_of_each_kind() -> None:
    assert sweep_param("WingWidthPts", "200:600:100").values == (200, 300, 400, 500, 600)
    # 0.1 steps computed as start + i * step: 0.1, 0.2, 0.3 exactly as typed (no 0.30000000004)
    assert sweep_param("StopLoss", "0.1:0.3:0.1").values == (0.1, 0.2, 0.3)
    assert sweep_param("Lots", "1,4").values == (1, 4)
    assert isinstance(sweep_param("Lots", "1,4").values[0], int)
    assert sweep_param("Enabled", "TRUE,no").values == (True, False)
    assert sweep_param("PositionType", "weekly,MONTHLY").values == ("WEEKLY", "MONTHLY")
    assert sweep_param("BEUpperTarget", "1.5,DYNAMIC").values == (1.5, "DYNAMIC")
    assert sweep_param("EntryStartTime", "09:20,10:00").values == ("09:20", "10:00")
    assert parse_spec(" Lots = 1,2 ") == ("Lots", "1,2")


@pytest.mark.parametrize(("name", "spec", "text"), [
    ("Lots", "1:5", "a range is start:stop:step"),
    ("Lots", "1:5:0", "is empty"),
    ("Lots", "1,,2", "empty value"),
    ("Lots", "1,1", "listed twice"),
    ("Lots", "a,b", "takes numbers"),
    ("Lots", "1,inf", "finite"),
    ("Enabled", "maybe", "TRUE or FALSE"),
    ("PositionType", "DAILY", "takes one of WEEKLY, MONTHLY, CUSTOM"),
    ("Lots", "1:20000:1", "has 20,000 values"),
])
def test_bad_specs_name_the_parameter(name: str, spec: str, text: str) -> None:
    with pytest.raises(PosbtError, match=text) as info:
        sweep_param(name, spec)
    assert info.value.place == f"--param {name}"


def test_grid_order_and_seeded_samples() -> None:
    a = SweepParam("A", ("a",), (1, 2, 3), "1:3:1")
    b = SweepParam("B", ("b",), ("x", "y"), "x,y")
    grid = variants([a, b])
    assert grid_size([a, b]) == 6
    assert [v.values for v in grid] == [(1, "x"), (1, "y"), (2, "x"), (2, "y"), (3, "x"),
                                        (3, "y")]
    assert grid[3].overrides([a, b]) == {"a": 2, "b": "y"}
    picks = sorted(int(i) for i in np.random.default_rng(9).choice(6, 4, replace=False))
    drawn = variants([a, b], samples=4, seed=9)
    assert [v.index for v in drawn] == picks
    assert [v.values for v in drawn] == [grid[i].values for i in picks]
    assert variants([a, b], samples=10) == grid  # more samples than the grid: the grid
    with pytest.raises(PosbtError, match="at least 1"):
        variants([a], samples=0)
    with pytest.raises(PosbtError, match="above the most"):
        variants([a], samples=20_000)
    with pytest.raises(PosbtError, match="swept twice"):
        variants([a, a])
    with pytest.raises(PosbtError, match="the sweep has 6 variants"):
        variants([a, b], max_variants=5)
