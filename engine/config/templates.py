"""Generated artefacts: the shipped template workbook and docs/parameters.md.

Config stage output, from the same models as everything else. ``python -m
engine.config.templates`` (or scripts/gen_templates.py) regenerates both; a test fails
when the committed files drift from the models.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from engine.config.effects import EFFECTS, SCENARIOS
from engine.config.examples import template_strategies
from engine.config.layout import config_sheets, to_cell, unit_range
from engine.config.models.strategy import StrategyConfig
from engine.config.registry import Sheet, is_acted_on, params
from engine.errors import PosbtError

TEMPLATE_NAME = "posbt_template.xlsx"
_SHEET_NOTES = {
    Sheet.POSITIONAL: "one row per parameter, one column per strategy",
    Sheet.LEG: "one row per leg, keyed by StrategyName + LegID",
    Sheet.ADJUSTMENT: "one row per rule, keyed by StrategyName + RuleID; a cell applies "
                      "only to the rule types named",
}


def shipped_template() -> Traversable:
    """The shipped template workbook, read from the installed package (the repository's
    workbook_templates/ folder is the ``engine.workbook_templates`` package)."""
    return resources.files("engine.workbook_templates").joinpath(TEMPLATE_NAME)


def example_configs(names: Sequence[str] | None = None) -> list[StrategyConfig]:
    """The template's strategies (all, or those named), validated: the plan's examples with
    their added LegParameter rows, then the demo strategies."""
    known = template_strategies()
    chosen = list(known) if names is None else list(names)
    unknown = [n for n in chosen if n not in known]
    if unknown:
        raise PosbtError(f"unknown example {unknown[0]!r}; choose from " + ", ".join(known),
                         place="--example")
    return [StrategyConfig.model_validate(known[n]) for n in chosen]


def write_template(out: Path, names: Sequence[str] | None = None) -> None:
    """Write a config workbook with the chosen examples as strategy columns."""
    from engine.config.layout import sweep_sheet
    from engine.workbook.openpyxl_adapter import OpenpyxlWriter

    OpenpyxlWriter(Path(out)).write_sheets([*config_sheets(example_configs(names)),
                                            sweep_sheet()])


def _cell_text(value: object) -> str:
    text = "" if value is None else str(to_cell(value))
    return text.replace("|", "\\|")


def parameters_md() -> str:
    """The parameter reference, one table per sheet."""
    lines = ["# posbt parameter reference", "",
             "Generated from engine/config by `python -m engine.config.templates`; do not "
             "edit by hand.", "",
             "Fractions such as IVP are in [0, 1] (0.30 = 30%). A price move is a fraction of "
             "spot unless the name ends in Pts. Greek limits are per position in rupees per "
             "unit of the greek.", ""]
    not_acted: list[str] = []
    total = 0
    for sheet in Sheet:
        ps = params(sheet)
        total += len(ps)
        lines += [f"## {sheet.value}", "", f"{_SHEET_NOTES[sheet]}; {len(ps)} parameters.", "",
                  "| Group | Excel name | Field | Type | Default | Unit / range | "
                  "Description | Acted on | Aliases |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for p in ps:
            acted = is_acted_on(p)
            if not acted:
                not_acted.append(f"{sheet.value}: {p.excel_name}")
            scope = f" ({', '.join(p.rule_types)} only)" if p.rule_types else ""
            group = p.meta.group.value if p.meta.group else ""
            default = "required" if p.required else _cell_text(p.default)
            lines.append(f"| {group} | {p.excel_name} | `{p.dotted}` | {p.kind} | {default} | "
                         f"{_cell_text(unit_range(p))} | {_cell_text(p.meta.description + scope)} | "
                         f"{'yes' if acted else 'not yet'} | {', '.join(p.meta.aliases)} |")
        lines.append("")
    lines += ["## Accepted, not yet acted on", "",
              f"{len(not_acted)} of {total} parameters are read and validated but no backtest "
              "has been shown to change with them yet; `posbt validate` warns when one is set "
              "away from its default.", ""]
    lines += [f"- {n}" for n in not_acted]
    lines += ["", *_proof_lines(total)]
    return "\n".join(lines) + "\n"


def _shown_value(value: object) -> str:
    if value is None:
        return "blank"
    if isinstance(value, list | tuple):
        if value and isinstance(value[0], dict):  # whole LegParameter/AdjustmentRules rows
            return " + ".join(",".join(f"{k}:{_shown_value(v)}" for k, v in row.items())
                              for row in value)
        return ",".join(str(v) for v in value) or "(empty)"
    return _cell_text(value)


def _proof_lines(total: int) -> list[str]:
    """The effect table as docs: each acted-on parameter with the run that shows it."""
    lines = ["## How each acted-on parameter is proven", "",
             f"{len(EFFECTS)} parameters are acted on (of {total}): each has a row in the effect "
             "table (`engine/config/effects.py`). `tests/effects` runs the row's scenario (a "
             "seeded synthetic NIFTY/BANKNIFTY market, 15-minute bars, 30 trading days from "
             "2025-01-01) with value A and with value B and fails unless the observable "
             "differs. A parameter is marked acted on only while its row passes.", "",
             *(f"- {k.value}: {v}" for k, v in SCENARIOS.items()), "",
             "| Parameter | Scenario | A | B | Observable | Also set | Note |",
             "|---|---|---|---|---|---|---|"]
    for e in EFFECTS:
        setup = "; ".join(f"{k}={_shown_value(v)}" for k, v in e.setup)
        lines.append(f"| `{e.path}` | {e.scenario.value} | {_shown_value(e.a)} | "
                     f"{_shown_value(e.b)} | {e.observable.value} | {_cell_text(setup)} | "
                     f"{_cell_text(e.note)} |")
    return lines


def generate(root: Path) -> list[Path]:
    """Write workbook_templates/posbt_template.xlsx and docs/parameters.md under ``root``."""
    template = root / "workbook_templates" / TEMPLATE_NAME
    docs = root / "docs" / "parameters.md"
    template.parent.mkdir(parents=True, exist_ok=True)
    docs.parent.mkdir(parents=True, exist_ok=True)
    write_template(template)
    docs.write_text(parameters_md(), encoding="utf-8")
    return [template, docs]


def main(argv: Sequence[str] | None = None) -> None:
    """Regenerate the artefacts under the given root (default: the current folder)."""
    args = list(sys.argv[1:] if argv is None else argv)
    for path in generate(Path(args[0]) if args else Path.cwd()):
        print(f"wrote {path}")


if __name__ == "__main__":  # pragma: no cover
    main()
