"""``posbt abtest``: two strategies (or one and a parameter change), paired by cycle."""

from __future__ import annotations

from pathlib import Path

import click

from engine.cli.common import console, get_ctx, reports_errors


@click.command("abtest")
@click.argument("config", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("strategy_a")
@click.argument("strategy_b", required=False)
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="B is A with this parameter changed (Excel name or YAML path). Repeatable.")
@click.option("--cycle", type=click.Choice(["week", "month"]), default="week",
              show_default=True, help="Trades are paired by the week or month they entered.")
@click.option("--resamples", type=int, default=9999, show_default=True,
              help="Bootstrap and permutation resamples.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the resampling.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A/B workbook (default: <config>_abtest.xlsx beside the input).")
@click.option("--replace", is_flag=True,
              help="Overwrite --out even when it is not a posbt results workbook.")
@reports_errors
def abtest(config: Path, strategy_a: str, strategy_b: str | None, params: tuple[str, ...],
           cycle: str, resamples: int, seed: int, out: Path | None, replace: bool) -> None:
    """A/B test two strategies, or one and a parameter change, with trades paired by cycle."""
    from engine.api import abtest_file

    outcome = abtest_file(config, get_ctx().home, strategy_a, strategy_b, param_specs=params,
                          cycle=cycle, n_resamples=resamples, seed=seed, out=out,
                          replace=replace)
    t = outcome.test
    c = console()
    c.print(f"A = {outcome.label_a}, B = {outcome.label_b}: {len(t.cycles)} paired {cycle}s "
            f"(only A {t.only_a}, only B {t.only_b})", markup=False)
    c.print(f"mean difference A - B per {cycle}: {t.mean_diff_inr:,.0f} INR, "
            f"{t.confidence:.0%} CI [{t.ci_low_inr:,.0f}, {t.ci_high_inr:,.0f}], "
            f"permutation p = {t.p_value:.3g}", markup=False)
    if t.sharpe_diff_se == t.sharpe_diff_se:
        c.print(f"Sharpe per {cycle}: A {t.sharpe_a:.3f}, B {t.sharpe_b:.3f}, difference "
                f"{t.sharpe_diff:.3f} (SE {t.sharpe_diff_se:.3f}, p = {t.sharpe_p_value:.3g})",
                markup=False)
    c.print(f"results: {outcome.out_path}", markup=False)
