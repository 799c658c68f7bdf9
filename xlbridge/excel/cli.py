"""``posbt excel install | uninstall | doctor | build-addin`` (registered through the
``posbt.commands`` entry point, like ``posbt serve``).

Excel-side set-up, the CLI face of :mod:`xlbridge.excel.install` and
:mod:`xlbridge.excel.doctor`. Every step prints a line; the first failure prints what
went wrong and exits 1, so the installer scripts stop there.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from engine.cli.common import get_ctx, reports_errors
from engine.errors import PosbtError
from xlbridge.excel.layout import Layout
from xlbridge.settings import DEFAULT_PORT


def _layout(port: int) -> Layout:
    return Layout.for_this_machine(get_ctx().home, port)


@click.group("excel")
def excel() -> None:
    """Set up Excel: the posbt.xlam add-in, its settings and the server at login."""


@excel.command("install")
@click.option("--port", type=click.IntRange(1024, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port of the local server.")
@click.option("--no-autostart", is_flag=True,
              help="Do not register the server to start at login (start `posbt serve` yourself).")
@reports_errors
def install_cmd(port: int, no_autostart: bool) -> None:
    """Build and register posbt.xlam, write posbt.conf, start the server at login."""
    from xlbridge.excel.install import install

    layout = _layout(port)
    install(layout, click.echo, autostart_on=not no_autostart)
    click.echo("Done. Start Excel: the posbt tab and =POSBT_IVP(\"NIFTY\") are there. "
               "Check any time with `posbt excel doctor`.")


@excel.command("uninstall")
@reports_errors
def uninstall_cmd() -> None:
    """Remove the add-in, posbt.conf and the login service (market data and results stay)."""
    from xlbridge.excel.install import Manifest, uninstall

    manifest = Manifest.read(Layout.for_this_machine(get_ctx().home).manifest)
    layout = _layout(manifest.port if manifest else DEFAULT_PORT)
    problems = uninstall(layout, click.echo)
    if problems:
        raise PosbtError("not everything could be removed: " + "; ".join(problems))
    click.echo("Removed.")


@excel.command("doctor")
def doctor_cmd() -> None:
    """Check every piece of the Excel set-up and the running server; exit 1 on a problem."""
    from xlbridge.excel.doctor import doctor
    from xlbridge.excel.install import Manifest

    manifest = Manifest.read(Layout.for_this_machine(get_ctx().home).manifest)
    checks = doctor(_layout(manifest.port if manifest else DEFAULT_PORT))
    for check in checks:
        click.echo(check.line())
    bad = [c for c in checks if not c.ok]
    click.echo(f"{len(bad)} problem(s)." if bad else "All good.")
    sys.exit(1 if bad else 0)


@excel.command("build-addin")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@reports_errors
def build_addin_cmd(out: Path) -> None:
    """Build posbt.xlam to OUT (to copy to a machine with Excel)."""
    from xlbridge.addin.build import CONF_SHEET, build, xlwings_version

    build(out)
    click.echo(f"wrote {out} (xlwings VBA {xlwings_version()}, settings {CONF_SHEET})")
