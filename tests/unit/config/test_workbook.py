"""Workbook source: the corpus of broken workbooks (message and place), layouts, round trips."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from engine.config import load_config
from engine.config.export import write_config
from engine.config.templates import example_configs


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """The three plan examples written as a config workbook."""
    path = tmp_path / "book.xlsx"
    write_config(path, example_configs())
    return path


def _cell_of(ws, name: str) -> str:  # type: ignore[no-untyped-def]
    """Address of strategy column E on the row of parameter ``name``."""
    for row in ws.iter_rows(min_col=2, max_col=2):
        if row[0].value == name:
            return f"E{row[0].row}"
    raise KeyError(name)


def _edit(path: Path, fn) -> list[str]:  # type: ignore[no-untyped-def]
    wb = openpyxl.load_workbook(path)
    fn(wb)
    wb.save(path)
    return [f"{p.severity}: {p}" for p in load_config(path, strict=False).report.problems
            if p.severity == "error" or "not yet acted on" not in p.message]


def test_workbook_round_trip_equals_models(book: Path) -> None:
    loaded = load_config(book)
    assert loaded.configs() == example_configs()


def test_text_in_a_numeric_cell(book: Path) -> None:
    def edit(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb["PositionalParameter"]
        ws[_cell_of(ws, "IVPLookback")] = "lots"
    out = _edit(book, edit)
    ws = openpyxl.load_workbook(book)["PositionalParameter"]
    addr = _cell_of(ws, "IVPLookback")
    assert out == [f"error: PositionalParameter!{addr} (IVPLookback): expected a whole number, "
                   "got 'lots'"]


def test_min_above_max_message_matches_design(book: Path) -> None:
    def edit(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb["PositionalParameter"]
        ws[_cell_of(ws, "IVPMinEntry")] = 0.9
    out = _edit(book, edit)
    ws = openpyxl.load_workbook(book)["PositionalParameter"]
    assert out == [f"error: PositionalParameter!{_cell_of(ws, 'IVPMinEntry')} (IVPMinEntry): "
                   "must be <= IVPMaxEntry (0.7), got 0.9"]


def test_unknown_enum_value_any_case_accepted(book: Path) -> None:
    def edit(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb["PositionalParameter"]
        ws[_cell_of(ws, "PositionType")] = "DAILY"
        ws[_cell_of(ws, "RollFrequency")] = "monthly"  # case does not matter
    out = _edit(book, edit)
    ws = openpyxl.load_workbook(book)["PositionalParameter"]
    assert out == [f"error: PositionalParameter!{_cell_of(ws, 'PositionType')} (PositionType): "
                   "must be one of WEEKLY, MONTHLY, CUSTOM, got 'DAILY'"]


def test_missing_sheet(book: Path) -> None:
    out = _edit(book, lambda wb: wb.remove(wb["PositionalParameter"]))
    assert len(out) == 1
    assert out[0].startswith(f"error: {book}: workbook has no PositionalParameter sheet")


def test_missing_required_column(book: Path) -> None:
    def edit(wb) -> None:  # type: ignore[no-untyped-def]
        wb["LegParameter"]["B1"] = None  # LegID header gone
    assert _edit(book, edit) == ["error: LegParameter!1: missing required column LegID"]


def test_duplicate_leg_id(book: Path) -> None:
    def edit(wb) -> None:  # type: ignore[no-untyped-def]
        wb["LegParameter"]["B3"] = wb["LegParameter"]["B2"].value  # SHORT twice
    assert _edit(book, edit) == ["error: LegParameter!B3 (LegID): duplicate LegID 'SHORT'"]


def test_leg_of_unknown_strategy(book: Path) -> None:
    def edit(wb) -> None:  # type: ignore[no-untyped-def]
        wb["LegParameter"]["A2"] = "Nope"
    out = _edit(book, edit)
    assert "error: LegParameter!A2: strategy 'Nope' is not in PositionalParameter" in out


def test_merged_header_cells(book: Path) -> None:
    out = _edit(book, lambda wb: wb["LegParameter"].merge_cells("C1:D1"))
    assert out == ["error: LegParameter!C1: merged header cells C1:D1: unmerge them so every "
                   "column has its own name"]


def test_formula_without_value(book: Path) -> None:
    def edit(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb["PositionalParameter"]
        ws[_cell_of(ws, "ShortLegDTE")] = "=3+4"
    out = _edit(book, edit)
    ws = openpyxl.load_workbook(book)["PositionalParameter"]
    assert out == [f"error: PositionalParameter!{_cell_of(ws, 'ShortLegDTE')} (ShortLegDTE): "
                   "formula =3+4 has no computed value; open and save the workbook in Excel, "
                   "or type the value"]


def test_blank_row_hidden_sheet_extra_column_are_warnings(book: Path) -> None:
    def edit(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb["LegParameter"]
        ws.insert_rows(3)
        ws.cell(row=1, column=ws.max_column + 1, value="Colour")
        wb["AdjustmentRules"].sheet_state = "hidden"
    out = _edit(book, edit)
    assert out[0].startswith("warning: LegParameter!")
    assert "unknown column 'Colour'" in out[0] and out[0].endswith("(ignored)")
    assert "warning: LegParameter!A3: blank row inside the table (rows below it are still " \
           "read)" in out
    assert "warning: AdjustmentRules: sheet is hidden; its values are used" in out
    assert load_config(book).configs() == example_configs()  # nothing else changed


def test_date_typed_as_text(book: Path) -> None:
    def edit(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb["PositionalParameter"]
        ws[_cell_of(ws, "StartDate")] = "2024-01-05"
        ws[_cell_of(ws, "EndDate")] = "05/01/2024"
    out = _edit(book, edit)
    ws = openpyxl.load_workbook(book)["PositionalParameter"]
    start, end = _cell_of(ws, "StartDate"), _cell_of(ws, "EndDate")
    assert out == [
        f"warning: PositionalParameter!{start} (StartDate): date typed as text; read as "
        "2024-01-05 (format the cell as a date)",
        f"error: PositionalParameter!{end} (EndDate): expected a date (a date cell or "
        "YYYY-MM-DD), got '05/01/2024'",
    ]


def test_rule_cell_for_another_type_and_unknown_parameter(book: Path) -> None:
    def edit(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb["AdjustmentRules"]
        col = [c.value for c in ws[1]].index("ScalpingThreshold") + 1
        ws.cell(row=2, column=col, value=0.5)  # row 2 is a ROLL_UP rule
        pp = wb["PositionalParameter"]
        pp[f"B{pp.max_row}"] = "IVPMinEntyr"
    out = _edit(book, edit)
    assert "error: AdjustmentRules!A2 (ScalpingThreshold): ScalpingThreshold does not apply " \
           "to RuleType ROLL_UP (only REVERSE_BUY)" in out
    assert any("unknown parameter 'IVPMinEntyr'; did you mean IVPMinEntry?" in o for o in out)


def test_transposed_layout_and_global_defaults(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "PositionalParameter"
    ws.append(["StrategyName", "ShortLegDTE", "IVPMinEntry", "StartDate"])
    ws.append(["A", 14, 0.2, date(2024, 1, 2)])
    ws.append(["B", 7, None, None])
    gd = wb.create_sheet("GlobalDefaults")
    gd.append(["Parameter", "Value"])
    gd.append(["IVPMinEntry", 0.1])
    vo = wb.create_sheet("VolatilityOverrides")
    vo.append(["StrategyName", "Regime", "Parameter", "Value"])
    vo.append(["B", "HIGH", "ShortLegDTE", 21])
    wb.save(path)
    loaded = load_config(path)
    a, b = loaded.strategies["A"], loaded.strategies["B"]
    assert (a.config.short_leg_dte, a.config.volatility_filter.ivp_min_entry) == (14, 0.2)
    assert a.config.backtest.start_date == date(2024, 1, 2)
    assert b.config.volatility_filter.ivp_min_entry == 0.1  # from GlobalDefaults
    from engine.config.enums import VolRegime
    assert b.for_regime(VolRegime.HIGH).short_leg_dte == 21


def test_workbook_yaml_workbook_loses_nothing(book: Path, tmp_path: Path) -> None:
    yml, book2 = tmp_path / "c.yaml", tmp_path / "c2.xlsx"
    write_config(yml, load_config(book).configs())
    write_config(book2, load_config(yml).configs())
    assert load_config(book2).configs() == load_config(book).configs() == example_configs()
