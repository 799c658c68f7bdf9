"""``posbt validate``, ``posbt template new`` and ``posbt convert`` (config stage CLI).

``validate`` prints every problem with its place and exits 0 when the file is valid
(warnings allowed), 1 when it is not. ``template new`` writes a workbook generated from
the models; ``convert`` turns a workbook into YAML and back.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from engine.cli.common import console, reports_errors
from engine.config.loader import load_config

SHOWN_NAMES = 10  # strategies named in validate's summary line; a count for the rest


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--quiet-warnings", is_flag=True, help="Print errors only.")
@reports_errors
def validate(file: Path, quiet_warnings: bool) -> None:
    """Check a config workbook or YAML file; list every problem with its place."""
    loaded = load_config(file, strict=False)
    report = loaded.report
    out = console()
    for p in report.errors:
        click.echo(f"error: {p}", err=True)
    if not quiet_warnings:
        for p in report.warnings:
            click.echo(f"warning: {p}", err=True)
    shown = list(loaded.strategies)[:SHOWN_NAMES]
    more = len(loaded.strategies) - len(shown)
    names = (", ".join(shown) or "none") + (f" and {more:,} more" if more > 0 else "")
    if report.ok:
        out.print(f"valid: {len(loaded.strategies)} strategies ({names}); "
                  f"{len(report.warnings)} warnings")
        return
    out.print(f"invalid: {len(report.errors)} errors, {len(report.warnings)} warnings")
    sys.exit(1)


@click.group()
def template() -> None:
    """Generate config workbooks from the parameter models."""


@template.command("new")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--example", "examples", multiple=True,
              help="Preload this example strategy (repeatable; default: all plan examples). "
                   "Use 'none' for an empty template.")
@reports_errors
def template_new(out: Path, examples: tuple[str, ...]) -> None:
    """Write a new config workbook to OUT.xlsx."""
    from engine.config.templates import write_template

    names = [e for e in examples if e.lower() != "none"] if examples else None
    write_template(out, names)
    console().print(f"wrote {out}")


@click.command()
@click.argument("src", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("dst", type=click.Path(dir_okay=False, path_type=Path))
@reports_errors
def convert(src: Path, dst: Path) -> None:
    """Convert a config between .xlsx and .yaml (validated on the way)."""
    from engine.config.export import write_config

    loaded = load_config(src)
    write_config(dst, loaded.configs())
    console().print(f"wrote {dst} ({len(loaded.strategies)} strategies)")


COMMANDS = (validate, template, convert)
