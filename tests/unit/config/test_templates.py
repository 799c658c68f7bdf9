"""Generated artefacts: template and docs match the models; the CLI template/convert."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from engine.cli.main import cli
from engine.config import load_config
from engine.config.examples import EXAMPLES
from engine.config.registry import Sheet, by_excel_name, parameter_count, params
from engine.config.templates import example_configs, generate, parameters_md
from engine.config.yaml_source import load_yaml

from .conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[3]


def _values(path: Path) -> dict[str, list[tuple[object, ...]]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb}


def test_committed_template_and_docs_match_the_models(tmp_path: Path) -> None:
    template, docs = generate(tmp_path)
    assert _values(ROOT / "workbook_templates" / "posbt_template.xlsx") == _values(template), \
        "template drifted: run scripts/gen_templates.py"
    assert (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8") == \
        docs.read_text(encoding="utf-8"), "docs drifted: run scripts/gen_templates.py"


def test_examples_equal_the_plan_fixtures() -> None:
    fixtures = {d["strategy_name"]: d for f in sorted(FIXTURES.glob("plan_example*.yaml"))
                for d in load_yaml(f)}
    assert fixtures == EXAMPLES


def test_enough_parameters_with_complete_metadata() -> None:
    assert len(params(Sheet.POSITIONAL)) >= 180
    assert parameter_count() >= 280
    for sheet in Sheet:
        by_excel_name(sheet)  # raises on a duplicate Excel name
        for p in params(sheet):
            assert p.meta.description and p.meta.group is not None, p.excel_name


def test_docs_list_not_yet_acted_on() -> None:
    text = parameters_md()
    assert "| IVPMinEntry | `volatility_filter.ivp_min_entry` | float | 0.0 | fraction 0-1; 0..1 |" \
        in text
    assert "## Accepted, not yet acted on" in text
    assert "- AdjustmentRules: VolAdjustedSizing" in text  # acted-on ones leave this list
    assert "- AdjustmentRules: ScalpingThreshold" not in text


def test_template_has_validation_lists_frozen_panes_and_formats(tmp_path: Path) -> None:
    template, _ = generate(tmp_path)
    wb = openpyxl.load_workbook(template)
    ws = wb["PositionalParameter"]
    assert ws.freeze_panes == "E2"
    assert [c.value for c in ws[1]][:5] == ["Group", "Parameter", "Description", "Unit/Range",
                                            "Conservative_Weekly_Calendar_IVP"]
    lists = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert '"WEEKLY,MONTHLY,CUSTOM"' in lists
    row = next(r for r in ws.iter_rows() if r[1].value == "IVPMinEntry")
    assert row[4].value == pytest.approx(0.30) and row[4].number_format == "0%"
    assert set(wb.sheetnames) >= {"PositionalParameter", "LegParameter", "AdjustmentRules",
                                  "GlobalDefaults", "Events"}


def test_cli_template_new_and_convert_both_ways(home: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    book, yml, back = tmp_path / "t.xlsx", tmp_path / "t.yaml", tmp_path / "back.xlsx"
    result = runner.invoke(cli, ["template", "new", "--example",
                                 "Aggressive_Iron_Fly_Vol_Aware", str(book)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(cli, ["convert", str(book), str(yml)]).exit_code == 0
    assert runner.invoke(cli, ["convert", str(yml), str(back)]).exit_code == 0
    assert load_config(back).configs() == example_configs(["Aggressive_Iron_Fly_Vol_Aware"])
    bad = runner.invoke(cli, ["template", "new", "--example", "Nope", str(book)])
    assert bad.exit_code == 1 and "unknown example 'Nope'" in bad.output
    empty = runner.invoke(cli, ["template", "new", "--example", "none", str(book)])
    assert empty.exit_code == 0
    # the empty template's one column is named Defaults and reads back as the model defaults
    from engine.config import StrategyConfig
    assert load_config(book).configs() == [StrategyConfig(strategy_name="Defaults")]


@pytest.mark.libreoffice
def test_libreoffice_opens_the_template(tmp_path: Path) -> None:
    template, _ = generate(tmp_path)
    soffice = shutil.which("soffice")
    assert soffice is not None
    run = subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir",
                          str(tmp_path), str(template)], capture_output=True, timeout=180,
                         check=False)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "posbt_template.pdf").stat().st_size > 0
    # round trip through LibreOffice's own xlsx writer: values still equal the models
    out = tmp_path / "lo"
    subprocess.run([soffice, "--headless", "--convert-to", "xlsx", "--outdir", str(out),
                    str(template)], capture_output=True, timeout=180, check=True)
    assert load_config(out / "posbt_template.xlsx").configs() == example_configs()
