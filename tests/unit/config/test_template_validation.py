"""The shipped template's data validation, read back with openpyxl: every parameter cell of
every strategy column (and the columns and rows users add) has one; enums and booleans get
dropdowns, bounded numbers a range from the model, everything the description and unit as
its input message; the row sheets' headers carry description and unit as notes; and every
value the template holds passes its own validation."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.utils import column_index_from_string, range_boundaries

from engine.config.layout import EXTRA_STRATEGY_COLS, FIRST_STRATEGY_COL, ROW_SHEET_ROWS
from engine.config.registry import Sheet, by_excel_name, params

TEMPLATE = Path(__file__).resolve().parents[3] / "workbook_templates" / "posbt_template.xlsx"


def _validations(ws: openpyxl.worksheet.worksheet.Worksheet) -> dict[tuple[int, int], object]:
    """(row, col) -> the validation covering it (each cell has at most one)."""
    out: dict[tuple[int, int], object] = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            c1, r1, c2, r2 = range_boundaries(rng)
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    assert (r, c) not in out, f"two validations on {ws.title} r{r}c{c}"
                    out[(r, c)] = dv
    return out


def _passes(dv: object, value: object) -> bool:
    kind = dv.type  # type: ignore[attr-defined]
    if value is None or kind is None:
        return True
    if kind == "list":
        choices = dv.formula1.strip('"').split(",")  # type: ignore[attr-defined]
        text = ("TRUE" if value else "FALSE") if isinstance(value, bool) else str(value)
        return text in choices
    lo = float(dv.formula1)  # type: ignore[attr-defined]
    if dv.operator == "between":  # type: ignore[attr-defined]
        hi = float(dv.formula2)  # type: ignore[attr-defined]
        ok = lo <= float(value) <= hi  # type: ignore[arg-type]
    elif dv.operator == "greaterThanOrEqual":  # type: ignore[attr-defined]
        ok = float(value) >= lo  # type: ignore[arg-type]
    else:
        ok = float(value) <= lo  # type: ignore[arg-type]
    return ok and (kind != "whole" or float(value).is_integer())  # type: ignore[arg-type]


def test_positional_validation_covers_every_strategy_column_and_added_ones() -> None:
    ws = openpyxl.load_workbook(TEMPLATE)["PositionalParameter"]
    covered = _validations(ws)
    known = by_excel_name(Sheet.POSITIONAL)
    n_strategies = ws.max_column - FIRST_STRATEGY_COL + 1
    last = FIRST_STRATEGY_COL + n_strategies - 1 + EXTRA_STRATEGY_COLS
    checked = 0
    for r in range(2, ws.max_row + 1):
        name = ws.cell(r, 2).value
        if name not in known:
            continue  # a group's section row
        p = known[name]
        for c in (FIRST_STRATEGY_COL, ws.max_column, last):  # first, last, a user's added
            dv = covered.get((r, c))
            assert dv is not None, f"PositionalParameter r{r}c{c} ({name}) has no validation"
            assert dv.promptTitle == name and p.meta.description in dv.prompt
        dv = covered[(r, FIRST_STRATEGY_COL)]
        if p.kind == "bool":
            assert dv.type == "list" and dv.formula1 == '"TRUE,FALSE"', name
        elif p.kind == "enum":
            assert dv.type == "list" and dv.formula1.strip('"').split(",") == list(p.choices)
        elif p.kind in ("int", "float") and p.ge is not None and p.le is not None:
            assert dv.type == ("whole" if p.kind == "int" else "decimal"), name
            assert (float(dv.formula1), float(dv.formula2)) == (p.ge, p.le), name
        for c in range(FIRST_STRATEGY_COL, ws.max_column + 1):  # the template's own values
            assert _passes(dv, ws.cell(r, c).value), (name, ws.cell(r, c).value)
        checked += 1
    assert checked == len(params(Sheet.POSITIONAL))
    assert column_index_from_string("A") == 1


def test_row_sheets_cover_added_rows_and_carry_descriptions_and_units() -> None:
    wb = openpyxl.load_workbook(TEMPLATE)
    for sheet in (Sheet.LEG, Sheet.ADJUSTMENT):
        ws = wb[sheet.value]
        covered = _validations(ws)
        known = by_excel_name(sheet)
        for c in range(2, ws.max_column + 1):
            name = ws.cell(1, c).value
            p = known[name]
            note = ws.cell(1, c).comment
            assert note is not None and p.meta.description in note.text, (sheet, name)
            if p.meta.unit:
                assert p.meta.unit in note.text, (sheet, name)
            for r in (2, ROW_SHEET_ROWS):  # the first row and one a user adds
                dv = covered.get((r, c))
                assert dv is not None and dv.promptTitle == name, (sheet, name, r)
            for r in range(2, ws.max_row + 1):
                assert _passes(covered[(r, c)], ws.cell(r, c).value), (sheet, name, r)
        header = [ws.cell(1, c).value for c in range(1, ws.max_column + 1)]
        for p in params(sheet):
            if p.kind == "bool":  # RuleEnabled and the like: a TRUE/FALSE dropdown
                assert covered[(2, header.index(p.excel_name) + 1)].formula1 == '"TRUE,FALSE"'
