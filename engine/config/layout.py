"""The config workbook layout: sheet names, headers, and configs -> sheets to write.

Config stage (an output of the models). PositionalParameter has columns Group,
Parameter, Description, Unit/Range and then one column per strategy, with a bold section
row per group; LegParameter has one row per leg (StrategyName + LegID), AdjustmentRules
one row per rule (StrategyName + RuleID), GlobalDefaults Parameter / Value rows, and
Events the event calendar. Every parameter cell carries a data validation from the model
(enum dropdowns, TRUE/FALSE for booleans, numeric ranges from the bounds, the description
and unit as the input message), reaching past the last strategy column and down the rows
users add; the row sheets' headers carry the description and unit as notes. Used by
``posbt template new`` and ``posbt convert``.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

from engine.config.models.strategy import StrategyConfig
from engine.config.registry import ParamInfo, Sheet, groups_in_order, is_acted_on, params
from engine.workbook.protocol import SheetSpec, Validation, ValidationKind
from engine.workbook.protocol import column_letter as get_column_letter

POSITIONAL_HEADER = ("Group", "Parameter", "Description", "Unit/Range")
FIRST_STRATEGY_COL = len(POSITIONAL_HEADER) + 1
GLOBAL_DEFAULTS = "GlobalDefaults"
EVENTS = "Events"
VOL_OVERRIDES = "VolatilityOverrides"
EVENTS_HEADER = ("Date", "Symbol", "Name", "BlackoutEntry", "BlackoutAdjustment")
EXTRA_STRATEGY_COLS = 40  # validation reaches this many columns past the last strategy
ROW_SHEET_ROWS = 1000     # ... and down to this row on the one-row-per-item sheets


def to_cell(value: Any) -> object:
    """A model value as a workbook cell value (lists as comma-separated text)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return ", ".join(str(to_cell(v)) for v in value)
    return value


def _value(obj: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        obj = getattr(obj, key)
    return obj


def _fmt(p: ParamInfo) -> str | None:
    if p.kind == "time":
        return "hh:mm"
    if p.kind == "date":
        return "yyyy-mm-dd"
    if p.meta.unit == "fraction 0-1":
        return "0%"
    return None


def unit_range(p: ParamInfo) -> str:
    """The Unit/Range column text."""
    parts = [p.meta.unit, p.range_text if p.kind != "enum" else ""]
    return "; ".join(x for x in parts if x)


NOT_ACTED_MARK = " (accepted, not yet acted on)"


def description(p: ParamInfo) -> str:
    """The parameter's description, marked when no row of the effect table shows the engine
    acting on it (``engine.config.effects``)."""
    return p.meta.description + ("" if is_acted_on(p) else NOT_ACTED_MARK)


def help_text(p: ParamInfo) -> str:
    """The description and unit/range of a parameter, as a note or input message."""
    scope = f" ({', '.join(p.rule_types)} only)" if p.rule_types else ""
    unit = unit_range(p) if p.kind != "enum" else " | ".join(p.choices)
    return description(p) + scope + (f"\nUnit/range: {unit}" if unit else "")


def validation(p: ParamInfo, cell_range: str) -> Validation:
    """The cells' validation from the parameter's type: a dropdown of an enum's choices,
    TRUE/FALSE for a boolean, a numeric range from the model's bounds, else the input
    message only; every kind shows the description and unit when a cell is selected."""
    title, prompt = p.excel_name, help_text(p)
    if p.kind == "enum":
        return Validation(cell_range, p.choices, title=title, prompt=prompt)
    if p.kind == "bool":
        return Validation(cell_range, ("TRUE", "FALSE"), title=title, prompt=prompt)
    if p.kind in ("int", "float") and (p.ge is not None or p.le is not None):
        kind = ValidationKind.WHOLE if p.kind == "int" else ValidationKind.DECIMAL
        return Validation(cell_range, kind=kind, minimum=p.ge, maximum=p.le, title=title,
                          prompt=prompt)
    return Validation(cell_range, kind=ValidationKind.ANY, title=title, prompt=prompt)


def positional_sheet(configs: Sequence[StrategyConfig]) -> SheetSpec:
    """PositionalParameter with one column per strategy."""
    names = [c.strategy_name for c in configs] or ["Defaults"]
    rows: list[list[object]] = [[*POSITIONAL_HEADER, *names]]
    bold = {1}
    formats: dict[str, str] = {}
    validations: list[Validation] = []
    # validation covers the strategy columns a user adds, not only the template's
    last_col = get_column_letter(FIRST_STRATEGY_COL + len(names) - 1 + EXTRA_STRATEGY_COLS)
    first_col = get_column_letter(FIRST_STRATEGY_COL)
    for group in groups_in_order():
        rows.append([group.value])
        bold.add(len(rows))
        for p in params(Sheet.POSITIONAL):
            if p.meta.group is not group:
                continue
            values = [to_cell(_value(c, p.path)) for c in configs] if configs else \
                [to_cell(p.default)]
            rows.append([group.value, p.excel_name, description(p), unit_range(p),
                         *values])
            r = len(rows)
            fmt = _fmt(p)
            for col in range(FIRST_STRATEGY_COL, FIRST_STRATEGY_COL + len(names)):
                if fmt:
                    formats[f"{get_column_letter(col)}{r}"] = fmt
            validations.append(validation(p, f"{first_col}{r}:{last_col}{r}"))
    widths = {1: 20.0, 2: 26.0, 3: 50.0, 4: 24.0}
    widths.update({FIRST_STRATEGY_COL + i: 24.0 for i in range(len(names))})
    return SheetSpec(Sheet.POSITIONAL.value, rows, freeze=f"{first_col}2", bold_rows=bold,
                     number_formats=formats, validations=validations, column_widths=widths)


def _row_sheet(sheet: Sheet, items: list[tuple[str, Any]], extra_rows: int = 20
               ) -> SheetSpec:
    ps = params(sheet)
    rows: list[list[object]] = [["StrategyName", *(p.excel_name for p in ps)]]
    for name, obj in items:
        row: list[object] = [name]
        for p in ps:
            applies = not p.rule_types or str(to_cell(obj.rule_type)) in p.rule_types
            row.append(to_cell(_value(obj, p.path)) if applies else None)
        rows.append(row)
    last = max(len(rows) + extra_rows, ROW_SHEET_ROWS)  # the rows users add are covered
    validations = [Validation(f"A2:A{last}", kind=ValidationKind.ANY, title="StrategyName",
                              prompt="The strategy this row belongs to: a column name of "
                                     "PositionalParameter")]
    formats: dict[str, str] = {}
    notes = {"A1": "The strategy this row belongs to (a column name of PositionalParameter)"}
    for i, p in enumerate(ps, start=2):
        col = get_column_letter(i)
        validations.append(validation(p, f"{col}2:{col}{last}"))
        notes[f"{col}1"] = help_text(p)
        fmt = _fmt(p)
        if fmt:
            formats.update({f"{col}{r}": fmt for r in range(2, len(rows) + 1)})
    return SheetSpec(sheet.value, rows, freeze="C2", validations=validations,
                     number_formats=formats, notes=notes,
                     column_widths={i: 16.0 for i in range(1, len(ps) + 2)})


def config_sheets(configs: Sequence[StrategyConfig]) -> list[SheetSpec]:
    """Every config sheet for ``configs`` (an empty template when there are none)."""
    legs = [(c.strategy_name, leg) for c in configs for leg in c.legs]
    rules = [(c.strategy_name, rule) for c in configs for rule in c.adjustment_rules]
    return [
        positional_sheet(configs),
        _row_sheet(Sheet.LEG, legs),
        _row_sheet(Sheet.ADJUSTMENT, rules),
        SheetSpec(GLOBAL_DEFAULTS, [["Parameter", "Value", "Description"]],
                  column_widths={1: 26.0, 2: 16.0, 3: 50.0}),
        SheetSpec(VOL_OVERRIDES, [["StrategyName", "Regime", "Parameter", "Value"]],
                  validations=[Validation("B2:B200", ("LOW", "MEDIUM", "HIGH", "EXTREME"))]),
        SheetSpec(EVENTS, [list(EVENTS_HEADER)], number_formats={},
                  column_widths={1: 14.0, 3: 30.0}),
    ]



SWEEP = "Sweep"
SWEEP_HEADER = ("Parameter", "Values", "Notes")
SWEEP_ROWS = 40  # rows formatted as text, so a list such as 200,400 is not read as 200400


def sweep_sheet() -> SheetSpec:
    """The template's Sweep sheet (read by ``posbt sweep BOOK.xlsx`` when no ``--param`` is
    given): a header, then one parameter a row; empty, so the template validates."""
    return SheetSpec(
        SWEEP, [list(SWEEP_HEADER)],
        number_formats={f"B{r}": "@" for r in range(2, SWEEP_ROWS + 2)},
        column_widths={1: 28.0, 2: 22.0, 3: 50.0},
        notes={"A1": "One swept parameter a row: a PositionalParameter Excel name "
                     "(WingWidthPts) or YAML path (exit_rules.stop_loss); Leg2.StrikeValue "
                     "for the strategy's 2nd LegParameter row, Rule1.PriceMoveThreshold for "
                     "its 1st AdjustmentRules row.",
               "B1": "A list (200,400) or an inclusive range start:stop:step (200:600:100). "
                     "posbt sweep BOOK.xlsx --strategy NAME runs every combination."})
