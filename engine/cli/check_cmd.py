"""``posbt data check``: report problems in the stored market data.

Stage: CLI over ``engine.data.checks``. Prints one row per (check, table, symbol) with a
count and an example; exits 1 when any finding is an error (warnings and information, such
as derived spot, no-trade bars and stale contracts, exit 0).
"""

from __future__ import annotations

import click
from rich.table import Table

from engine.cli.common import console, get_ctx, reports_errors
from engine.data.checks import has_errors, run_checks


@click.command()
@reports_errors
def check() -> None:
    """Errors (bad prices, duplicates, impossible values), warnings, and information."""
    store = get_ctx().open_store(read_only=True)
    try:
        findings = run_checks(store)
    finally:
        store.close()
    out = console()
    if not findings:
        out.print("no problems found")
        return
    table = Table(title="data check")
    for col in ("severity", "check", "table", "symbol", "count", "example"):
        table.add_column(col)
    for f in findings:
        table.add_row(f.severity.value, f.check, f.table, f.symbol, f"{f.count:,}", f.example)
    out.print(table)
    errors = sum(f.count for f in findings if f.severity == "ERROR")
    warnings = sum(f.count for f in findings if f.severity == "WARNING")
    info = sum(1 for f in findings if f.severity == "INFO")
    out.print(f"{errors:,} error(s), {warnings:,} warning(s), {info:,} note(s) for information")
    if has_errors(findings):
        raise click.exceptions.Exit(1)
