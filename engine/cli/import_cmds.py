"""``posbt data import ...``: load real market files into the store.

Stage: CLI over ``engine.data.importers``. Subcommands: ``bhavcopy FILES...``,
``vix FILE``, ``minute FILES... [--mapping FILE]``, ``table FILE --mapping FILE``,
``events FILE``. Each file is one transaction; the command prints one summary line per
file and the rejected rows (file:line: reason), can write them all with ``--report``,
and exits 1 when a file was rejected whole or (unless ``--allow-rejected-rows``) any row
was rejected.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import click

from engine.cli.common import console, get_ctx, progress, reports_errors
from engine.data.duckdb_store import DuckDBStore
from engine.data.importers import (
    ImportReport,
    import_bhavcopy,
    import_events,
    import_minute,
    import_table,
    import_vix,
)
from engine.data.importers.report import write_reports_csv
from engine.errors import ImportRejectedError

ImportOne = Callable[[DuckDBStore, Path], ImportReport]
SHOWN_REJECTIONS = 20

_FILE = click.Path(dir_okay=False, path_type=Path)
_report_opt = click.option("--report", "report_path", type=_FILE, default=None,
                           help="Write every rejected row (file,line,reason) to this CSV.")
_allow_opt = click.option("--allow-rejected-rows", is_flag=True, default=False,
                          help="Exit 0 when only some rows (not whole files) were rejected.")


@click.group(name="import")
def import_group() -> None:
    """Import NSE bhavcopies, India VIX, vendor minute bars, mapped tables and events."""


def _run(label: str, files: Sequence[Path], one: ImportOne, report_path: Path | None,
         allow_rejected_rows: bool) -> None:
    out, err = console(), console(stderr=True)
    store = get_ctx().open_store(read_only=False)
    reports: list[ImportReport] = []
    failed: list[tuple[str, str]] = []
    try:
        with progress(f"importing {label}", total=len(files)) as advance:
            for path in files:
                try:
                    report = one(store, path)
                except ImportRejectedError as exc:
                    failed.append((str(path), exc.message))
                    err.print(f"rejected: {exc} (nothing from this file was stored)")
                else:
                    reports.append(report)
                    out.print(report.summary())
                    for note in report.notes:
                        out.print(f"  note: {note}")
                advance(1)
    finally:
        store.close()
    _show_rejections(reports, err)
    if report_path is not None:
        n = write_reports_csv(reports, report_path, failed)
        out.print(f"report: {n} rejection(s) written to {report_path}")
    rows_rejected = sum(len(r.rejected) for r in reports)
    if failed:
        raise click.exceptions.Exit(1)
    if rows_rejected and not allow_rejected_rows:
        err.print(f"{rows_rejected} row(s) rejected; the rest loaded "
                  "(--allow-rejected-rows exits 0 for this)")
        raise click.exceptions.Exit(1)


def _show_rejections(reports: list[ImportReport], err: object) -> None:
    rejected = [rej for r in reports for rej in r.rejected]
    for rej in rejected[:SHOWN_REJECTIONS]:
        click.echo(f"  {rej.file}:{rej.line}: {rej.reason}", err=True)
    if len(rejected) > SHOWN_REJECTIONS:
        click.echo(f"  ... and {len(rejected) - SHOWN_REJECTIONS} more (use --report FILE)",
                   err=True)


@import_group.command()
@click.argument("files", nargs=-1, required=True, type=_FILE)
@_report_opt
@_allow_opt
@reports_errors
def bhavcopy(files: tuple[Path, ...], report_path: Path | None,
             allow_rejected_rows: bool) -> None:
    """NSE F&O bhavcopy CSVs (pre-July-2024 layout or UDiFF, told apart by the header)."""
    _run("bhavcopy", files, import_bhavcopy, report_path, allow_rejected_rows)


@import_group.command()
@click.argument("file", type=_FILE)
@_report_opt
@_allow_opt
@reports_errors
def vix(file: Path, report_path: Path | None, allow_rejected_rows: bool) -> None:
    """NSE India VIX history CSV (-> vix_bars INDIAVIX, daily)."""
    _run("India VIX", [file], import_vix, report_path, allow_rejected_rows)


@import_group.command()
@click.argument("files", nargs=-1, required=True, type=_FILE)
@click.option("--mapping", type=_FILE, default=None,
              help="YAML mapping (target: minute) for a vendor layout other than GDFL.")
@_report_opt
@_allow_opt
@reports_errors
def minute(files: tuple[Path, ...], mapping: Path | None, report_path: Path | None,
           allow_rejected_rows: bool) -> None:
    """Vendor minute CSVs (GDFL layout: Ticker,Date,Time,Open,High,Low,Close,Volume,OI)."""
    _run("minute bars", files, lambda s, p: import_minute(s, p, mapping), report_path,
         allow_rejected_rows)


@import_group.command()
@click.argument("file", type=_FILE)
@click.option("--mapping", type=_FILE, required=True,
              help="YAML mapping: target table, columns, formats, constants, multipliers.")
@_report_opt
@_allow_opt
@reports_errors
def table(file: Path, mapping: Path, report_path: Path | None, allow_rejected_rows: bool) -> None:
    """Any CSV or Parquet file into a canonical table through a column mapping."""
    _run("table", [file], lambda s, p: import_table(s, p, mapping), report_path,
         allow_rejected_rows)


@import_group.command()
@click.argument("file", type=_FILE)
@_report_opt
@_allow_opt
@reports_errors
def events(file: Path, report_path: Path | None, allow_rejected_rows: bool) -> None:
    """Event calendar CSV (date,symbol,name,blackout_entry,blackout_adjustment)."""
    _run("events", [file], import_events, report_path, allow_rejected_rows)
