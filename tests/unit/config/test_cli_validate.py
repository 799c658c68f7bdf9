"""``posbt validate``: exit 0 when valid (warnings allowed), 1 with every problem when not."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from engine.cli.main import cli
from engine.config.registry import Sheet, by_excel_name, is_acted_on

from .conftest import FIXTURES


def test_validate_plan_example_exit_0(home: Path) -> None:
    result = CliRunner().invoke(
        cli, ["validate", str(FIXTURES / "plan_example2_aggressive_iron_fly.yaml")])
    assert result.exit_code == 0, result.output
    assert "valid: 1 strategies (Aggressive_Iron_Fly_Vol_Aware)" in result.output
    # warnings follow the engine's ACTED_ON list; VolatilityRegime (line 6) is set to HIGH
    regime = by_excel_name(Sheet.POSITIONAL)["VolatilityRegime"]
    line = ("warning: plan_example2_aggressive_iron_fly.yaml:6 volatility_filter."
            "volatility_regime (VolatilityRegime): accepted, not yet acted on")
    assert (line in result.output) is not is_acted_on(regime)


def test_validate_broken_exit_1_lists_all(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("strategy_name: A\nshort_leg_dte: x\nvolatility_filter: {ivr_lookback: 3}\n")
    result = CliRunner().invoke(cli, ["validate", "--quiet-warnings", str(path)])
    assert result.exit_code == 1
    assert "error: bad.yaml:2 short_leg_dte (ShortLegDTE): expected a whole number, got 'x'" \
        in result.output
    assert "error: bad.yaml:3 volatility_filter.ivr_lookback (IVRLookback): must be >= 20, " \
           "got 3" in result.output
    assert "invalid: 2 errors" in result.output
    assert "warning:" not in result.output


def test_validate_missing_or_unknown_file(home: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "nope.yaml: file not found" in result.output
    other = tmp_path / "a.txt"
    other.write_text("x")
    result = CliRunner().invoke(cli, ["validate", str(other)])
    assert result.exit_code == 1
    assert "unknown config file type '.txt'" in result.output


def test_validate_names_at_most_ten_strategies_and_counts_the_rest(home: Path, tmp_path: Path
                                                                  ) -> None:
    from engine.config.examples import template_strategies

    base = next(iter(template_strategies().values()))
    items = [{**base, "strategy_name": f"S{i}"} for i in range(12)]
    cfg = tmp_path / "twelve.yaml"
    cfg.write_text(yaml.safe_dump({"strategies": items}, sort_keys=False))
    result = CliRunner().invoke(cli, ["validate", str(cfg)])
    assert result.exit_code == 0, result.output
    # 12 strategies: the first 10 named, then "and 2 more"
    assert "valid: 12 strategies (S0, S1, S2, S3, S4, S5, S6, S7, S8, S9 and 2 more)" \
        in result.output
