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


def test_daily_pnl_and_the_overfitting_table_edges() -> None:
    import datetime as dt

    from engine.analytics.sweep import _groups_for, daily_pnl, overfitting_table

    days = [dt.date(2025, 1, 6), dt.date(2025, 1, 7)]
    # first day against the capital: 1,000,500 - 1,000,000 = +500; then -200
    assert daily_pnl(days, [1_000_500.0, 1_000_300.0], 1_000_000.0) == {
        "2025-01-06": 500.0, "2025-01-07": -200.0}
    assert daily_pnl([], [], 1.0) == {}
    assert [_groups_for(n) for n in (3, 4, 9, 40, 1000)] == [0, 2, 4, 16, 16]
    _, rows = overfitting_table({0: {"2025-01-06": 1.0}})
    assert rows[-1][0] == "note"
    _, rows = overfitting_table({0: {"a": 1.0, "b": 2.0, "c": 0.0},
                                 1: {"a": 0.0, "b": 1.0, "c": 0.5}})
    assert [r[0] for r in rows] == ["variants", "days", "best_variant", "best_daily_sharpe",
                                    "expected_max_sharpe", "deflated_sharpe_ratio"]  # 3 days: no PBO


def test_leg_and_rule_names_and_their_yaml_paths() -> None:
    from engine.analytics.sweep import Variant, lookup

    info, item, name = lookup("Leg2.StrikeValue")
    assert (info.path, item, name) == (("strike_value",), ("legs", 1), "Leg2.StrikeValue")
    assert lookup("legs.0.lots")[1:] == (("legs", 0), "Leg1.LegLots")
    assert lookup("rule1.pricemovethreshold")[1:] == (("adjustment_rules", 0),
                                                      "Rule1.PriceMoveThreshold")
    assert lookup("WingWidthPts")[1:] == (None, "WingWidthPts")
    with pytest.raises(PosbtError, match="count from 1"):
        lookup("Leg0.LegLots")
    with pytest.raises(PosbtError, match="\\(sweeps take LegParameter names\\)"):
        lookup("Leg1.zzzz")
    p = sweep_param("Leg2.LegLots", "1,3")
    assert (p.excel_name, p.item, p.values, p.place) == ("Leg2.LegLots", ("legs", 1), (1, 3),
                                                         "--param Leg2.LegLots")
    legs = [{"leg_id": "A", "lots": 1}, {"leg_id": "B", "lots": 1}]
    layer = Variant(0, (3,)).overrides([p], {"legs": legs})
    # the whole list, with the 2nd leg's lots set; the strategy's own list is not changed
    assert layer == {"legs": [{"leg_id": "A", "lots": 1}, {"leg_id": "B", "lots": 3}]}
    assert legs[1]["lots"] == 1
    with pytest.raises(PosbtError, match=r"Leg2\.LegLots: the strategy has 1 legs"):
        Variant(0, (3,)).overrides([p], {"legs": legs[:1]})


def test_template_has_an_empty_sweep_sheet_that_validates() -> None:
    from importlib.resources import as_file

    from openpyxl import load_workbook

    from engine.config.templates import shipped_template
    from engine.config.workbook_source import read_workbook

    with as_file(shipped_template()) as path:
        raw = read_workbook(path)
        wb = load_workbook(path, read_only=True)
        rows = list(wb["Sweep"].iter_rows(values_only=True))
        wb.close()
    assert rows[0][:3] == ("Parameter", "Values", "Notes")
    assert raw.sweep == []
    assert not [p for p in raw.problems if "Sweep" in p.place]


def test_sweep_rows_as_the_sources_read_them(tmp_path: object) -> None:
    from pathlib import Path

    from openpyxl import Workbook

    from engine.config.workbook_source import read_workbook
    from engine.config.yaml_source import read_yaml

    root = Path(str(tmp_path))
    cfg = root / "s.yaml"
    cfg.write_text("strategy_name: S\nsweep:\n  Enabled: true\n  Lots: 2\n  StopLoss: [0.5, 1]\n"
                   "  Bad: {a: 1}\n")
    raw = read_yaml(cfg)
    assert [(r.name, r.spec, r.spec_place) for r in raw.sweep] == [
        ("Enabled", "TRUE", "s.yaml:3 sweep.Enabled"), ("Lots", "2", "s.yaml:4 sweep.Lots"),
        ("StopLoss", "0.5,1", "s.yaml:5 sweep.StopLoss")]
    assert raw.problems == []  # posbt run and validate do not read the block
    assert [(p.place, p.message) for p in raw.sweep_problems] == [
        ("s.yaml:6 sweep.Bad", 'sweep: Bad takes a list [200, 400] or a range "200:600:100"')]
    assert "sweep" not in raw.strategies[0].layer
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "PositionalParameter"
    ws.append(["Parameter", "S"])
    ws.append(["StrategyName", "S"])
    sw = wb.create_sheet("Sweep")
    for row in (["Parameter", "Values"], ["Lots", 3.0], ["Enabled", False], [None, "1,2"],
                ["StopLoss", "0.5:1:0.5"]):
        sw.append(row)
    book = root / "b.xlsx"
    wb.save(book)
    raw = read_workbook(book)
    assert [(r.name, r.spec, r.name_place, r.spec_place) for r in raw.sweep] == [
        ("Lots", "3", "Sweep!A2", "Sweep!B2"), ("Enabled", "FALSE", "Sweep!A3", "Sweep!B3"),
        ("StopLoss", "0.5:1:0.5", "Sweep!A5", "Sweep!B5")]
    assert not [p for p in raw.problems if p.place.startswith("Sweep")]
    assert [(p.place, p.message) for p in raw.sweep_problems] == [
        ("Sweep!A4", "a Sweep row needs the parameter's Excel name in column A")]
