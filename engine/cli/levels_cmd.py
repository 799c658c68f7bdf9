"""``posbt levels SYMBOL --at TIMESTAMP --method METHOD [--json]`` and ``posbt data import levels``.

Stage: CLI over ``engine.structure``. ``levels`` prints the support/resistance levels a
decision at ``--at`` would see (computed from bars before that day), their strength, touches
and bands, the market regime and any notes (e.g. which volume stood in for index volume).
``data import levels FILE.csv`` loads user levels (symbol,as_of,level,kind,strength) into
``sr_levels`` for the EXTERNAL method; it joins the ``posbt data import`` group, which this
module exposes as ``import_group`` for ``data_cmds.SUBCOMMANDS``.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click
from rich.table import Table

from engine.cli.common import console, get_ctx, reports_errors
from engine.cli.import_cmds import _allow_opt, _report_opt, _run, import_group
from engine.config.enums import SRMethod
from engine.config.models.structure import MarketStructureConfig
from engine.structure.external import import_levels
from engine.structure.levels import LevelReport, levels_report_at

__all__ = ["import_group", "levels", "levels_import"]

_METHODS = click.Choice([m.value for m in SRMethod], case_sensitive=False)


def report_dict(report: LevelReport) -> dict[str, object]:
    """A JSON-ready view of ``report``."""
    regime = report.regime
    return {
        "symbol": report.symbol, "on": report.on.isoformat(), "method": report.method,
        "reference_pts": report.reference_pts, "atr_pts": report.atr_pts,
        "band_pts": report.band_pts, "vol_state": report.vol_state.value,
        "regime": None if regime is None else {
            "regime": regime.regime.value, "adx": regime.adx,
            "slope_atr_per_bar": regime.slope_atr_per_bar, "width_atr": regime.width_atr},
        "levels": [{"level": lv.level, "kind": lv.kind.value, "strength": lv.strength,
                    "method": lv.method, "label": lv.label, "touches": lv.touches,
                    "last_tested": None if lv.last_tested is None else lv.last_tested.isoformat(),
                    "band_pts": lv.band_pts, "zone": None if lv.zone is None else list(lv.zone)}
                   for lv in report.levels],
        "notes": list(report.notes),
    }


def _print(report: LevelReport) -> None:
    out = console()
    table = Table(title=f"{report.symbol} levels for {report.on} ({report.method}); "
                        f"reference close {report.reference_pts:,.2f}")
    for col in ("level", "kind", "strength", "method", "label", "touches", "last tested", "band"):
        table.add_column(col, justify="right" if col in ("level", "strength", "touches", "band")
                         else "left")
    for lv in sorted(report.levels, key=lambda lv: -lv.level):
        table.add_row(f"{lv.level:,.2f}", lv.kind.value, f"{lv.strength:.2f}", lv.method, lv.label,
                      str(lv.touches), "" if lv.last_tested is None else str(lv.last_tested),
                      f"±{lv.band_pts:,.1f}")
    out.print(table)
    if report.regime is not None:
        r = report.regime
        out.print(f"regime: {r.regime.value} (ADX {r.adx:.1f}, MA slope {r.slope_atr_per_bar:+.2f} "
                  f"ATR/bar, 20-bar range {r.width_atr:.1f} ATR); volatility {report.vol_state.value}, "
                  f"ATR {report.atr_pts:,.1f} pts")
    for note in report.notes:
        out.print(f"note: {note}")


@click.command()
@click.argument("symbol")
@click.option("--at", "at", required=True, type=click.DateTime(
    formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M",
             "%Y-%m-%d %H:%M"]), help="Decision time (IST, naive); levels use bars before its day.")
@click.option("--method", "method", type=_METHODS, default=SRMethod.PIVOT.value, show_default=True,
              help="Primary S/R method.")
@click.option("--secondary", "secondary", type=_METHODS, default=None,
              help="Secondary method merged at a lower weight.")
@click.option("--min-strength", type=click.FloatRange(0, 1), default=None,
              help="Drop weaker levels (default: the config's SRStrengthThreshold, 0.5).")
@click.option("--json", "as_json", is_flag=True, default=False, help="Print JSON instead of a table.")
@reports_errors
def levels(symbol: str, at: datetime, method: str, secondary: str | None,
           min_strength: float | None, as_json: bool) -> None:
    """Support/resistance levels of SYMBOL for a decision at --at, with strength."""
    fields: dict[str, object] = {"primary_method": SRMethod(method.upper())}
    if secondary is not None:
        fields["secondary_method"] = SRMethod(secondary.upper())
    if min_strength is not None:
        fields["level_strength_threshold"] = min_strength
    config = MarketStructureConfig.model_validate(fields)
    store = get_ctx().open_store(read_only=True)
    try:
        report = levels_report_at(store, symbol.upper(), at, config.params())
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(report_dict(report), indent=2))
    else:
        _print(report)


@import_group.command(name="levels")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_report_opt
@_allow_opt
@reports_errors
def levels_import(file: Path, report_path: Path | None, allow_rejected_rows: bool) -> None:
    """Support/resistance levels CSV (symbol,as_of,level,kind,strength) for the EXTERNAL method."""
    _run("levels", [file], import_levels, report_path, allow_rejected_rows)
