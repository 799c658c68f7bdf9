"""Sensitivity of a sweep: curves, grids, stability and regimes on hand-made grids, and the
BT_Sensitivity sheet read back (colour scale, best cell)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest
from openpyxl import load_workbook

from engine.analytics.sensi_sheets import write_sensitivity
from engine.analytics.sensitivity import (
    SensitivityMetric,
    curve,
    grid_pairs,
    interaction,
    parse_metric,
    regime_sensitivity,
    sensitivity,
    stability,
    sweep_grid,
)
from engine.analytics.window_metrics import ClosedTrade
from engine.errors import PosbtError
from engine.results.excel import write_sheet_writers

A = (1, 2, 3)
DAY = dt.datetime(2024, 1, 2, 9, 20)


def _tr(regime: str, pnl: float, exit_day: int = 0, margin: float = math.nan
        ) -> tuple[str, ClosedTrade]:
    """A trade entered in ``regime``, exiting ``exit_day`` days after the 2nd of January."""
    return regime, ClosedTrade(DAY, DAY + dt.timedelta(days=exit_day, hours=5), pnl, margin)


B = (10, 20, 30)
# net P&L of the 3 x 3 grid, rows A, columns B; the best is A=2, B=20 (9)
PNL = [[1.0, 2.0, 3.0],
       [4.0, 9.0, 5.0],
       [2.0, 6.0, 1.0]]


def _rows(table: list[list[float]], metric: str = "net_pnl_inr"
          ) -> list[tuple[int, tuple[int, int], dict[str, object]]]:
    # variant numbers in grid order: the last parameter changes fastest
    return [(i * 3 + j, (a, b), {metric: table[i][j], "sharpe": float(i + j)})
            for i, a in enumerate(A) for j, b in enumerate(B)]


def test_best_cell_curves_and_grid_of_a_3x3_sweep() -> None:
    grid = sweep_grid(["A", "B"], [A, B], _rows(PNL))
    assert (grid.best.index, grid.best.values, grid.best.metric) == (4, (2, 20), 9.0)
    a = curve(grid, 0)
    assert [p.value for p in a] == [1, 2, 3]
    assert [p.at_best for p in a] == [2.0, 9.0, 6.0]           # the B = 20 column
    assert [p.mean for p in a] == pytest.approx([6 / 3, 18 / 3, 9 / 3])  # the row means
    assert [p.variants for p in a] == [3, 3, 3]
    b = curve(grid, 1)
    assert [p.at_best for p in b] == [4.0, 9.0, 5.0]           # the A = 2 row
    assert [p.mean for p in b] == pytest.approx([7 / 3, 17 / 3, 9 / 3])
    g = interaction(grid, 0, 1)
    assert [list(r) for r in g.cells] == PNL
    assert g.best_cell == (1, 1) and g.fixed == ()


def test_stability_is_the_mean_drop_at_the_four_neighbours() -> None:
    st = stability(sweep_grid(["A", "B"], [A, B], _rows(PNL)))
    # neighbours of (2, 20): (1, 20) = 2, (3, 20) = 6, (2, 10) = 4, (2, 30) = 5
    assert sorted(p.metric for p in st.neighbours) == [2.0, 4.0, 5.0, 6.0]
    assert st.neighbour_mean == pytest.approx(17 / 4)
    assert st.drop == pytest.approx((9 - 4.25) / 9)          # 0.528 > 0.5
    assert st.worst_drop == pytest.approx((9 - 2) / 9)
    assert st.label == "spike"
    flat = [[8.0, 8.5, 8.0], [8.6, 9.0, 8.4], [8.0, 8.8, 8.0]]
    st = stability(sweep_grid(["A", "B"], [A, B], _rows(flat)))
    assert st.drop == pytest.approx((9 - (8.5 + 8.8 + 8.6 + 8.4) / 4) / 9)  # 0.047
    assert st.label == "plateau"
    middle = [[0.0, 6.0, 0.0], [6.0, 9.0, 6.0], [0.0, 6.0, 0.0]]
    st = stability(sweep_grid(["A", "B"], [A, B], _rows(middle)))
    assert st.drop == pytest.approx(3 / 9) and st.label == "slope"


def test_a_best_cell_on_the_edge_has_fewer_neighbours_and_losses_use_the_magnitude() -> None:
    losses = [[-1.0, -3.0, -5.0], [-2.0, -4.0, -6.0], [-9.0, -9.0, -9.0]]
    st = stability(sweep_grid(["A", "B"], [A, B], _rows(losses)))
    # best -1 at (1, 10); neighbours (2, 10) = -2 and (1, 20) = -3: mean -2.5
    assert st.best.index == 0 and len(st.neighbours) == 2
    assert st.drop == pytest.approx((-1 - -2.5) / 1)
    assert st.label == "spike"


def test_a_third_parameter_is_held_at_its_best_value() -> None:
    rows = []
    for i, a in enumerate(A):
        for j, b in enumerate(B):
            for k, c in enumerate(("x", "y")):
                # c = y adds 100 everywhere: the best is (2, 20, y)
                rows.append((i * 6 + j * 2 + k, (a, b, c),
                             {"net_pnl_inr": PNL[i][j] + 100 * k}))
    grid = sweep_grid(["A", "B", "C"], [A, B, ("x", "y")], rows)
    assert grid.best.values == (2, 20, "y")
    g = interaction(grid, 0, 1)
    assert g.fixed == (("C", "y"),)
    assert [list(r) for r in g.cells] == [[x + 100 for x in r] for r in PNL]
    report = sensitivity(grid)
    assert [(x.row_param, x.col_param) for x in report.grids] == [("A", "B"), ("A", "C"),
                                                                    ("B", "C")]
    assert [p.mean for p in report.curves[2][1]] == pytest.approx([33 / 9, 933 / 9])


def test_a_sampled_sweep_leaves_missing_cells_empty() -> None:
    rows = [r for r in _rows(PNL) if r[0] not in (1, 7)]  # (1, 20) and (3, 20) did not run
    grid = sweep_grid(["A", "B"], [A, B], rows)
    assert [p.at_best for p in curve(grid, 0)] == [None, 9.0, None]
    assert interaction(grid, 0, 1).cells[0][1] is None
    st = stability(grid)
    assert st.neighbour_mean == pytest.approx((4 + 5) / 2)


def test_the_metric_is_selectable_and_missing_values_take_no_part() -> None:
    rows = _rows(PNL)
    rows[8][2]["sharpe"] = float("nan")  # (3, 30) would be the best Sharpe (i + j = 4)
    grid = sweep_grid(["A", "B"], [A, B], rows, SensitivityMetric.SHARPE)
    assert len(grid.points) == 8
    # i + j = 3 at (2, 30) and (3, 20): the tie goes to the lower variant number, 5
    assert grid.best.index == 5
    assert parse_metric(" Return_On_Margin ") is SensitivityMetric.RETURN_ON_MARGIN


def test_bad_input_is_a_clear_message() -> None:
    with pytest.raises(PosbtError, match="unknown metric 'pnl'; choose one of net_pnl_inr, "
                                         "sharpe") as info:
        parse_metric("pnl")
    assert info.value.place == "--metric"
    with pytest.raises(PosbtError, match="needs two swept parameters; this sweep has one "
                                         r"\(Lots\)"):
        grid_pairs(["Lots"], ["Lots:StopLoss"])
    one = sweep_grid(["A"], [A], [(0, (1,), {"net_pnl_inr": 1.0})])
    with pytest.raises(PosbtError, match="needs two swept parameters"):
        interaction(one, 0, 0)
    with pytest.raises(PosbtError, match="'C' is not a swept parameter; the sweep has A, B"):
        grid_pairs(["A", "B"], ["A:C"])
    with pytest.raises(PosbtError, match="two different parameters, got A twice"):
        grid_pairs(["A", "B"], ["a:A"])
    with pytest.raises(PosbtError, match="a grid is ROW:COLUMN"):
        grid_pairs(["A", "B"], ["A,B"])
    assert grid_pairs(["A", "B", "C"], ["c:a"]) == [(2, 0)]
    with pytest.raises(PosbtError, match="no finished variant has a value of sharpe"):
        sweep_grid(["A"], [A], [(0, (1,), {"sharpe": None})], SensitivityMetric.SHARPE)


def test_regime_sensitivity_averages_each_value_over_its_variants() -> None:
    grid = sweep_grid(["A", "B"], [(1, 2), (10, 20)],
                      [(0, (1, 10), {"net_pnl_inr": 0.0}), (1, (1, 20), {"net_pnl_inr": 0.0}),
                       (2, (2, 10), {"net_pnl_inr": 0.0}), (3, (2, 20), {"net_pnl_inr": 0.0})])
    trades = {0: [_tr("LOW", 100.0), _tr("HIGH", -50.0)],
              1: [_tr("LOW", 300.0), _tr("LOW", -100.0)],
              2: [_tr("HIGH", 40.0)],
              3: []}
    cells = {(c.param, c.value, c.regime): c for c in regime_sensitivity(grid, trades)}
    # A = 1: variants 0 and 1. LOW: trades 100, 300, -100 -> mean P&L (100 + 200) / 2 = 150,
    # mean trades 3 / 2, win rate 2 / 3; HIGH: -50 over 2 variants -> -25, 1 trade, 0 wins
    low = cells[("A", 1, "LOW")]
    assert (low.variants, low.mean_trades, low.mean_pnl_inr) == (2, 1.5, 150.0)
    assert low.win_rate == pytest.approx(2 / 3)
    high = cells[("A", 1, "HIGH")]
    assert (high.mean_trades, high.mean_pnl_inr, high.win_rate) == (0.5, -25.0, 0.0)
    # A = 2: variants 2 and 3; LOW never entered: no trades, no win rate
    assert cells[("A", 2, "LOW")].win_rate is None
    assert cells[("A", 2, "HIGH")].mean_pnl_inr == 20.0
    # B = 10: variants 0 and 2; HIGH: -50 + 40 = -10 over 2 -> -5
    assert cells[("B", 10, "HIGH")].mean_pnl_inr == -5.0
    assert [c.regime for c in regime_sensitivity(grid, trades)][:2] == ["LOW", "HIGH"]


def test_the_sheet_has_a_colour_scale_and_the_best_cell_marked(tmp_path: Path) -> None:
    grid = sweep_grid(["A", "B"], [A, B], _rows(PNL))
    report = sensitivity(grid, trades={i: [_tr("LOW", 1.0)] for i in range(9)})
    out = write_sheet_writers([("BT_Sensitivity", lambda ws: write_sensitivity(ws, report))],
                              tmp_path / "s.xlsx")
    ws = load_workbook(out)["BT_Sensitivity"]
    cells = {(c.row, c.column): c for row in ws.iter_rows() for c in row}
    text = {c.value: k for k, c in cells.items() if isinstance(c.value, str)}
    assert ws["A1"].value == "Sensitivity of net_pnl_inr (higher is better)"
    label = text["label"]
    assert cells[(label[0], 2)].value == "spike"
    drop = text["drop"]
    assert cells[(drop[0], 2)].value == pytest.approx((9 - 4.25) / 9)
    corner = text["A \\ B"]
    assert [cells[(corner[0], c)].value for c in (2, 3, 4)] == [10, 20, 30]
    body = [[cells[(corner[0] + 1 + r, 2 + c)].value for c in range(3)] for r in range(3)]
    assert body == PNL
    best = cells[(corner[0] + 2, 3)]
    assert best.value == 9.0 and best.font.b and best.border.left.style == "thick"
    assert not cells[(corner[0] + 1, 2)].border.left.style
    ranges = {str(r.sqref): r.rules for r in ws.conditional_formatting}
    rng = f"B{corner[0] + 1}:D{corner[0] + 3}"
    assert rng in ranges
    rule = ranges[rng][0]
    assert rule.type == "colorScale"
    assert [v.type for v in rule.colorScale.cfvo] == ["min", "percentile", "max"]
    assert "regime" in " ".join(str(v) for v in text)


def test_no_neighbour_or_a_best_of_zero_has_no_drop() -> None:
    alone = sweep_grid(["A"], [A], [(1, (2,), {"net_pnl_inr": 5.0})])
    st = stability(alone)
    assert (st.neighbours, st.drop, st.label) == ((), None, "n/a")
    zero = sweep_grid(["A"], [A], [(0, (1,), {"net_pnl_inr": -3.0}),
                                   (1, (2,), {"net_pnl_inr": 0.0})])
    st = stability(zero)
    assert st.neighbour_mean == -3.0 and st.drop is None and st.label == "n/a"
    with pytest.raises(PosbtError, match="two different parameters, got A twice"):
        interaction(sweep_grid(["A", "B"], [A, B], _rows(PNL)), 0, 0)


def test_formats_and_text_cells(tmp_path: Path) -> None:
    from engine.analytics.sensi_sheets import metric_format

    assert metric_format("net_pnl_inr").startswith("#,##0")
    assert metric_format("win_rate") == "0.0%"
    assert metric_format("sharpe") == "0.00;[Red]-0.00"
    # a swept text value that looks like a formula is written as text, never as a formula
    grid = sweep_grid(["T"], [("=1+1", "b")], [(0, ("=1+1",), {"win_rate": 0.5}),
                                               (1, ("b",), {"win_rate": 0.25})],
                      SensitivityMetric.WIN_RATE)
    report = sensitivity(grid, trades={0: [_tr("LOW", 1.0)]})  # variant 1 has no trades kept
    assert [(c.value, c.variants) for c in report.regimes] == [("=1+1", 1)]
    out = write_sheet_writers([("BT_Sensitivity", lambda ws: write_sensitivity(ws, report))],
                              tmp_path / "t.xlsx")
    ws = load_workbook(out)["BT_Sensitivity"]
    cells = [c for row in ws.iter_rows() for c in row if c.value == "=1+1"]
    assert cells and all(c.data_type == "s" for c in cells)
    assert "T=" in ws["A2"].value


# ---- the regime table by the chosen metric, and the drawdown's direction -----------------
# A = 1 holds variants 0 (B = 10) and 1 (B = 20); every trade enters on the 2nd of January
REGIME_TRADES = {
    0: [_tr("LOW", 100.0, 0, 400.0), _tr("LOW", -50.0, 1, 400.0), _tr("LOW", 30.0, 2, 400.0),
        _tr("HIGH", -20.0, 0, 400.0)],
    1: [_tr("LOW", 60.0, 0, 600.0), _tr("LOW", 60.0, 1, 600.0)],
    2: [_tr("LOW", 10.0)], 3: [_tr("LOW", 10.0)]}
REGIME_CAPITAL = {0: 1000.0, 1: 2000.0, 2: 1000.0, 3: 1000.0}


def _regime_grid(metric: SensitivityMetric) -> object:
    return sweep_grid(["A", "B"], [(1, 2), (10, 20)],
                      [(i, (1 + i // 2, (10, 20)[i % 2]), {metric.value: float(i)})
                       for i in range(4)], metric)


@pytest.mark.parametrize(("metric", "low", "variants"), [
    # v0 LOW: +100, -50, +30 (80); v1 LOW: +60, +60 (120)
    ("net_pnl_inr", (80 + 120) / 2, 2),
    ("expectancy_inr", (80 / 3 + 60) / 2, 2),
    ("win_rate", (2 / 3 + 1) / 2, 2),          # per variant, then the mean
    ("profit_factor", None, 2),                 # v0 130/50 = 2.6, v1 no loss: unbounded
    # per trade, sample sd: v0 mean 26.67, deviations 73.33, -76.67, 3.33 -> sd 75.06;
    # v1 two equal trades, sd 0: no value, so the mean is v0's alone
    ("sharpe", (80 / 3) / math.sqrt((73.333**2 + 76.667**2 + 3.333**2) / 2), 1),
    # cumulative trade P&L: v0 100, 50, 80 -> 50; v1 60, 120 -> 0
    ("max_drawdown_inr", (50 + 0) / 2, 2),
    ("return_on_capital", (80 / 1000 + 120 / 2000) / 2, 2),
    # all enter at once: v0 blocks 3 x 400 = 1,200, v1 2 x 600 = 1,200
    ("return_on_margin", (80 / 1200 + 120 / 1200) / 2, 2),
    ("calmar", None, 0),                        # no time axis per regime: no value
])
def test_the_regime_table_measures_the_chosen_metric(metric: str, low: float | None,
                                                     variants: int) -> None:
    m = parse_metric(metric)
    cells = {(c.param, c.value, c.regime): c
             for c in regime_sensitivity(_regime_grid(m), REGIME_TRADES,  # type: ignore[arg-type]
                                         REGIME_CAPITAL)}
    cell = cells[("A", 1, "LOW")]
    assert cell.metric == (pytest.approx(low, rel=1e-4) if low is not None else None)
    assert cell.metric_variants == variants
    # the net P&L and the pooled win rate stay: (80 + 120) / 2, 4 winners of 5
    assert cell.mean_pnl_inr == 100.0 and cell.win_rate == pytest.approx(0.8)


def test_the_regime_sheet_has_the_metric_column(tmp_path: Path) -> None:
    grid = _regime_grid(SensitivityMetric.EXPECTANCY)
    report = sensitivity(grid, trades=REGIME_TRADES,  # type: ignore[arg-type]
                         capital_inr=REGIME_CAPITAL)
    out = write_sheet_writers([("BT_Sensitivity", lambda ws: write_sensitivity(ws, report))],
                              tmp_path / "r.xlsx")
    rows = list(load_workbook(out)["BT_Sensitivity"].iter_rows(values_only=True))
    title = next(i for i, r in enumerate(rows) if r[0] and "by volatility regime" in str(r[0]))
    assert rows[title][0].startswith("net P&L and expectancy_inr by volatility regime")
    head = rows[title + 2]
    assert head[5:9] == ("mean_pnl_inr", "win_rate", "mean_expectancy_inr", "metric_variants")
    body = {(r[0], r[1], r[2]): r for r in rows[title + 3:] if r[0] in ("A", "B")}
    # A = 1, HIGH: only v0 traded there (-20); its expectancy -20 over 1 variant
    assert body[("A", 1, "HIGH")][7:9] == (-20.0, 1)
    assert body[("A", 1, "LOW")][7] == pytest.approx((80 / 3 + 60) / 2)


def test_the_best_drawdown_is_the_lowest() -> None:
    # BT_Sweep stores the drawdown as positive rupees: 500, 100, 300 -> A = 2 is the best
    grid = sweep_grid(["A"], [A], [(i, (a,), {"max_drawdown_inr": dd})
                                   for i, (a, dd) in enumerate(zip(A, (500.0, 100.0, 300.0),
                                                                   strict=True))],
                      SensitivityMetric.MAX_DRAWDOWN)
    assert grid.best.values == (2,)
    st = stability(grid)
    # neighbours 500 and 300, mean 400: 300 rupees deeper than the best's 100 -> drop 3.0
    assert st.neighbour_mean == 400.0
    assert st.drop == pytest.approx((400 - 100) / 100)
    assert st.worst_drop == pytest.approx((500 - 100) / 100) and st.label == "spike"


def test_the_drawdown_sheet_says_lower_is_better_and_reverses_the_colours(
        tmp_path: Path) -> None:
    grid = sweep_grid(["A", "B"], [A, B], _rows(PNL, "max_drawdown_inr"),
                      SensitivityMetric.MAX_DRAWDOWN)
    # the lowest, 1, at (1, 10) (variant 0) and (3, 30) (variant 8): the lower number wins
    assert (grid.best.index, grid.best.values) == (0, (1, 10))
    report = sensitivity(grid)
    out = write_sheet_writers([("BT_Sensitivity", lambda ws: write_sensitivity(ws, report))],
                              tmp_path / "d.xlsx")
    ws = load_workbook(out)["BT_Sensitivity"]
    assert ws["A1"].value == "Sensitivity of max_drawdown_inr (lower is better)"
    (rules,) = [r.rules for r in ws.conditional_formatting]
    scale = rules[0].colorScale
    assert [c.rgb[-6:] for c in scale.color] == ["63BE7B", "FFEB84", "F8696B"]  # green lowest
