"""Workbook cells that fooled the reader (issue 14, items 6, 7 and 10): a text date that is
no day, TRUE in a number cell, merged cells hiding a value, a CUSTOM strategy whose legs
were deleted, Lots over MaxLots reported once at its own cell, and a StartDate before the
store's data named at its cell."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from engine.config import load_config
from engine.config.export import write_config
from engine.config.templates import example_configs
from engine.data.duckdb_store import DuckDBStore
from tests.unit.config.test_workbook import _cell_of, _edit
from tests.unit.simulation.builder import load_market
from tests.unit.simulation.test_golden import FLY_QUOTES, FLY_SPOT, STAMPS, W1

__all__ = ["book"]


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """The three plan examples written as a config workbook (E, F, G: one per strategy)."""
    path = tmp_path / "book.xlsx"
    write_config(path, example_configs())
    return path


def _errors(book: Path, fn) -> list[str]:  # type: ignore[no-untyped-def]
    return [e for e in _edit(book, fn) if e.startswith("error: ")]


def test_a_text_date_that_is_no_calendar_day(book: Path) -> None:
    def edit(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb["PositionalParameter"]
        ws[_cell_of(ws, "StartDate")] = "2025-02-31"
    cell = _cell_of(openpyxl.load_workbook(book)["PositionalParameter"], "StartDate")
    assert _errors(book, edit) == [
        f"error: PositionalParameter!{cell} (StartDate): '2025-02-31' is not a calendar date "
        "(day is out of range for month)"]


def test_true_in_a_whole_number_cell(book: Path) -> None:
    def edit(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb["PositionalParameter"]
        ws[_cell_of(ws, "Lots")] = True
    cell = _cell_of(openpyxl.load_workbook(book)["PositionalParameter"], "Lots")
    assert _errors(book, edit) == [
        f"error: PositionalParameter!{cell} (Lots): expected a whole number, got TRUE"]


def test_merged_cells_hiding_a_value(book: Path) -> None:
    ws0 = openpyxl.load_workbook(book)["PositionalParameter"]
    row = int(_cell_of(ws0, "Lots")[1:])

    def edit(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb["PositionalParameter"]
        ws.cell(row, 6).value = 3  # F holds 3 lots, then E:F is merged over it
        ws.merge_cells(start_row=row, start_column=5, end_row=row, end_column=6)
    assert _errors(book, edit) == [
        f"error: PositionalParameter!E{row}: merged cells E{row}:F{row} hide the value of "
        f"F{row} (read as empty): unmerge them and fill each cell"]


def test_merged_cells_on_legparameter(book: Path) -> None:
    def edit(wb) -> None:  # type: ignore[no-untyped-def]
        wb["LegParameter"].merge_cells("C2:D3")
    errors = _errors(book, edit)
    assert errors[0] == ("error: LegParameter!C2: merged cells C2:D3 hide the value of D2, "
                         "C3, D3 (read as empty): unmerge them and fill each cell")


def test_custom_strategy_without_its_legs(book: Path) -> None:
    configs = example_configs()
    custom = next(c for c in configs if c.strategy_subtype.value == "CUSTOM")
    col = "EFG"[configs.index(custom)]
    row = int(_cell_of(openpyxl.load_workbook(book)["PositionalParameter"],
                       "StrategySubtype")[1:])
    place = f"PositionalParameter!{col}{row} (StrategySubtype)"

    def drop_rows(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb["LegParameter"]
        for r in range(ws.max_row, 1, -1):
            if ws.cell(r, 1).value == custom.strategy_name:
                ws.delete_rows(r)
    out = _edit(book, drop_rows)
    assert f"error: {place}: a CUSTOM strategy needs its legs on LegParameter: " \
           f"LegParameter has no rows with StrategyName {custom.strategy_name}; it cannot run" \
           in out

    def drop_sheet(wb) -> None:  # type: ignore[no-untyped-def]
        del wb["LegParameter"]
    assert f"error: {place}: a CUSTOM strategy needs its legs on LegParameter: the " \
           "workbook has no LegParameter sheet; it cannot run" in _edit(book, drop_sheet)


def test_empty_template_column_is_a_warning_a_strategy_built_on_it_an_error(
        tmp_path: Path) -> None:
    """The empty template's Defaults column is CUSTOM with no legs but holds only defaults:
    a template column, so a warning and the template validates. Once the user sets a value
    in it (here Symbol BANKNIFTY) it is a strategy that cannot run: an error at its
    StrategySubtype cell (column E, the first strategy column)."""
    from engine.config.templates import write_template

    path = tmp_path / "empty.xlsx"
    write_template(path, [])
    ws = openpyxl.load_workbook(path)["PositionalParameter"]
    subtype = _cell_of(ws, "StrategySubtype")
    report = load_config(path, strict=False).report
    assert report.errors == []
    assert [f"{p.place}" for p in report.problems if "needs its legs" in p.message] == \
        [f"PositionalParameter!{subtype}"]

    def set_symbol(wb) -> None:  # type: ignore[no-untyped-def]
        sheet = wb["PositionalParameter"]
        sheet[_cell_of(sheet, "Symbol")] = "BANKNIFTY"
    out = _edit(path, set_symbol)
    assert f"error: PositionalParameter!{subtype} (StrategySubtype): a CUSTOM strategy needs " \
           "its legs on LegParameter: LegParameter has no rows with StrategyName Defaults; it " \
           "cannot run" in out


def test_lots_over_max_lots_reported_once_at_its_cell(book: Path) -> None:
    def edit(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb["PositionalParameter"]
        ws[_cell_of(ws, "Lots")] = 50
    cell = _cell_of(openpyxl.load_workbook(book)["PositionalParameter"], "Lots")
    errors = _errors(book, edit)
    # the strategy in E has legs without their own LegLots: each takes 50 > MaxLots 10
    assert errors == [f"error: PositionalParameter!{cell} (Lots): 50 lots (taken by every leg "
                      "without its own LegLots) exceed MaxLots (10)"]


def test_start_date_before_the_store_names_its_cell(book: Path, tmp_path: Path) -> None:
    store = DuckDBStore(tmp_path / "market.duckdb")
    load_market(store, STAMPS, FLY_SPOT, FLY_QUOTES, [(W1, "WEEKLY")])
    first, last = min(STAMPS).date(), max(STAMPS).date()
    wb = openpyxl.load_workbook(book)
    ws = wb["PositionalParameter"]
    cell = _cell_of(ws, "StartDate")
    ws[cell] = dt.datetime(2020, 1, 1)
    ws[_cell_of(ws, "Symbol")] = "NIFTY"
    ws[_cell_of(ws, "BarInterval")] = "5m"
    wb.save(book)
    report = load_config(book, store=store, strict=False).report
    store.close()
    mine = [str(p) for p in report.errors if "StartDate 2020-01-01" in p.message]
    assert mine == [f"PositionalParameter!{cell} (StartDate): StartDate 2020-01-01 is before "
                    f"the data: the store holds NIFTY 5m bars from {first} to {last}; set a "
                    "later StartDate or leave it blank"]
