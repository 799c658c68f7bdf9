"""SheetGrid (issue 14, item 10): the rectangle and cells a grid of values gives, written
out by hand: from A1 to the last row and column holding a cell, a missing cell empty."""

from __future__ import annotations

from engine.workbook.protocol import Cell, SheetGrid


def test_rectangle_from_a1_with_missing_cells_empty() -> None:
    # cells at B1 (text), C3 (a number with a formula); row 2 absent, row 4 an empty line
    grid = SheetGrid({1: {2: "x"}, 3: {3: 2.0}, 4: {}}, {3: {3: "=1+1"}})
    assert (grid.max_row, grid.max_col) == (3, 3)  # row 4 holds nothing: not counted
    assert grid.rows() == [
        [Cell(1, 1, "A1", None), Cell(1, 2, "B1", "x"), Cell(1, 3, "C1", None)],
        [Cell(2, 1, "A2", None), Cell(2, 2, "B2", None), Cell(2, 3, "C2", None)],
        [Cell(3, 1, "A3", None), Cell(3, 2, "B3", None), Cell(3, 3, "C3", 2.0, "=1+1")],
    ]
    assert grid.row(3)[2].formula == "=1+1" and not grid.row(3)[2].blank
    assert grid.cell(1, 2) == Cell(1, 2, "B1", "x")
    assert grid.cell(2, 28) == Cell(2, 28, "AB2", None)  # 28 = 26 + 2: AB
    assert grid.row(3) == grid.rows()[2]


def test_empty_grid_has_no_rows() -> None:
    grid = SheetGrid({}, {})
    assert (grid.max_row, grid.max_col, grid.rows()) == (0, 0, [])
    assert SheetGrid({2: {}}, {}).rows() == []
