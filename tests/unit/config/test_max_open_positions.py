"""MaxOpenPositions: 0 or negative is an error naming the workbook cell or the YAML line."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from engine.config import load_config
from engine.config.export import write_config
from engine.config.templates import example_configs
from engine.errors import PosbtError
from tests.unit.config.test_workbook import _cell_of, _edit


@pytest.mark.parametrize("value", [0, -2])
def test_a_workbook_cell_below_one_is_an_error_at_that_cell(tmp_path: Path, value: int) -> None:
    book = tmp_path / "book.xlsx"
    write_config(book, example_configs())

    def edit(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb["PositionalParameter"]
        ws[_cell_of(ws, "MaxOpenPositions")] = value
    out = _edit(book, edit)
    addr = _cell_of(openpyxl.load_workbook(book)["PositionalParameter"], "MaxOpenPositions")
    assert out == [f"error: PositionalParameter!{addr} (MaxOpenPositions): must be >= 1, "
                   f"got {value}"]


@pytest.mark.parametrize("value", [0, -1])
def test_a_yaml_value_below_one_is_an_error_at_that_line(tmp_path: Path, value: int) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("strategies:\n"
                    "  - strategy_name: Fly\n"
                    "    strategy_subtype: IRON_FLY\n"
                    "    wing_width_pts: 300\n"
                    "    position_limits:\n"
                    f"      max_open_positions: {value}\n", encoding="utf-8")
    with pytest.raises(PosbtError) as info:
        load_config(path)
    assert (f"s.yaml:6 strategies[0].position_limits.max_open_positions (MaxOpenPositions): "
            f"must be >= 1, got {value}") in str(info.value)
