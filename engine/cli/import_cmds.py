"""``posbt data import ...``: load real market files into the store.

Stage: CLI over ``engine.data.importers``. Subcommands: ``bhavcopy``, ``spot``, ``vix``,
``minute [--mapping FILE]``, ``table --mapping FILE``, ``events``; each takes files, .zip
archives and folders (read recursively, in the date order of the file names). Each data
file is one transaction; the command shows one progress bar over all files, one line per
file, the rejected rows (file:line: reason), a summary at the end (files, rows, rejected,
skipped as already stored), can write every rejection with ``--report``, and exits 1 when
a file was rejected whole or (unless ``--allow-rejected-rows``) any row was rejected.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import click
from rich.console import Console

from engine.cli.common import console, get_ctx, progress, reports_errors
from engine.data.duckdb_store import DuckDBStore
from engine.data.importers import (
    ImportReport,
    import_bhavcopy,
    import_events,
    import_spot,
    import_table,
    import_vix,
)
from engine.data.importers.inputs import (
    TABLE_SUFFIXES,
    InputFile,
    expand_inputs,
    import_input,
)
from engine.data.importers.readahead import minute_importer
from engine.data.importers.report import write_reports_csv
from engine.errors import ImportRejectedError

ImportOne = Callable[[DuckDBStore, Path], ImportReport]
# the importer of a command's files, opened once for all of them (the minute import reads
# each file one ahead: ``readahead``)
Session = Callable[[Sequence[InputFile]], AbstractContextManager[ImportOne]]
SHOWN_REJECTIONS = 20

_PATH = click.Path(path_type=Path)
_FILE = click.Path(dir_okay=False, path_type=Path)
_report_opt = click.option("--report", "report_path", type=_FILE, default=None,
                           help="Write every rejected row (file,line,reason) to this CSV.")
_allow_opt = click.option("--allow-rejected-rows", is_flag=True, default=False,
                          help="Exit 0 when only some rows (not whole files) were rejected.")
_files_arg = click.argument("files", nargs=-1, required=True, type=_PATH)
_replace_opt = click.option("--replace", is_flag=True, default=False,
                            help="A corrected file: its rows replace stored rows with the same "
                                 "key (without it, stored rows are kept and differences named).")


@click.group(name="import")
def import_group() -> None:
    """Import bhavcopies, index closes, India VIX, vendor minute bars, mapped tables, events.

    Every command takes files, .zip archives and folders (read recursively, in date order).
    """


@dataclass
class _Tally:
    reports: list[ImportReport] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        rows = sum(r.rows_read for r in self.reports)
        inserted = sum(r.total_inserted for r in self.reports)
        stored = sum(sum(r.skipped.values()) for r in self.reports)
        rejected = sum(len(r.rejected) for r in self.reports)
        ignored = sum(sum(r.ignored.values()) for r in self.reports)
        differ = sum(sum(r.differing.values()) for r in self.reports)
        replaced = sum(sum(r.replaced.values()) for r in self.reports)
        n = len(self.reports) + len(self.failed)
        text = (f"summary: {n} file(s), {len(self.reports)} imported, {len(self.failed)} "
                f"rejected whole, {len(self.skipped)} skipped; {rows:,} rows read, "
                f"{inserted:,} inserted, {stored:,} skipped as already stored, {ignored:,} "
                f"ignored, {rejected:,} rejected")
        if replaced:
            text += f"; {replaced:,} stored rows replaced"
        if differ:
            text += (f"; {differ:,} stored rows differ from the files (kept; --replace takes "
                     "the files' values)")
        return text


def _each(one: ImportOne) -> Session:
    """The session of an importer that takes each file on its own."""
    return lambda _items: nullcontext(one)


def _import_all(label: str, names: Sequence[Path], session: Session, suffixes: Sequence[str],
                out: Console, err: Console) -> _Tally:
    found = expand_inputs(names, suffixes)
    tally = _Tally(failed=list(found.problems), skipped=list(found.skipped))
    for name, reason in found.problems:
        err.print(f"rejected: {name}: {reason} (nothing from it was stored)")
    for name, reason in found.skipped:
        err.print(f"skipped: {name}: {reason}")
    if not found.files:
        return tally
    store = get_ctx().open_store(read_only=False)
    try:
        with session(found.files) as one, progress(f"importing {label}",
                                                    total=len(found.files)) as advance:
            for item in found.files:
                try:
                    report = import_input(item, lambda p: one(store, p))
                except ImportRejectedError as exc:
                    tally.failed.append((item.label, exc.message))
                    err.print(f"rejected: {exc} (nothing from this file was stored)")
                else:
                    tally.reports.append(report)
                    out.print(report.summary())
                    for note in report.notes:
                        out.print(f"  note: {note}")
                advance(1)
    finally:
        store.close()
    return tally


def _run(label: str, files: Sequence[Path], one: ImportOne, report_path: Path | None,
         allow_rejected_rows: bool, suffixes: Sequence[str] = (".csv",)) -> None:
    _run_session(label, files, _each(one), report_path, allow_rejected_rows, suffixes)


def _run_session(label: str, files: Sequence[Path], session: Session,
                 report_path: Path | None, allow_rejected_rows: bool,
                 suffixes: Sequence[str] = (".csv",)) -> None:
    out, err = console(), console(stderr=True)
    tally = _import_all(label, files, session, suffixes, out, err)
    _show_rejections(tally.reports)
    out.print(tally.summary())
    if report_path is not None:
        n = write_reports_csv(tally.reports, report_path, tally.failed)
        out.print(f"report: {n} rejection(s) written to {report_path}")
    rows_rejected = sum(len(r.rejected) for r in tally.reports)
    if tally.failed:
        raise click.exceptions.Exit(1)
    if rows_rejected and not allow_rejected_rows:
        err.print(f"{rows_rejected} row(s) rejected; the rest loaded "
                  "(--allow-rejected-rows exits 0 for this)")
        raise click.exceptions.Exit(1)


def _show_rejections(reports: list[ImportReport]) -> None:
    rejected = [rej for r in reports for rej in r.rejected]
    for rej in rejected[:SHOWN_REJECTIONS]:
        click.echo(f"  {rej.file}:{rej.line}: {rej.reason}", err=True)
    if len(rejected) > SHOWN_REJECTIONS:
        click.echo(f"  ... and {len(rejected) - SHOWN_REJECTIONS} more (use --report FILE)",
                   err=True)


@import_group.command()
@_files_arg
@_report_opt
@_allow_opt
@_replace_opt
@reports_errors
def bhavcopy(files: tuple[Path, ...], report_path: Path | None,
             allow_rejected_rows: bool, replace: bool) -> None:
    """NSE / BSE F&O bhavcopies (NSE's pre-July-2024 layout or UDiFF, told apart by header)."""
    _run("bhavcopy", files, lambda s, p: import_bhavcopy(s, p, replace=replace), report_path,
         allow_rejected_rows)


@import_group.command()
@_files_arg
@click.option("--symbol", default=None,
              help="Index of a plain date,close / OHLC file (an index close file names its "
                   "own); with an index close file, import only this index.")
@_report_opt
@_allow_opt
@_replace_opt
@reports_errors
def spot(files: tuple[Path, ...], symbol: str | None, report_path: Path | None,
         allow_rejected_rows: bool, replace: bool) -> None:
    """Daily index closes: NSE ind_close_all_DDMMYYYY.csv, or date,close / OHLC CSVs."""
    _run("spot", files, lambda s, p: import_spot(s, p, symbol=symbol, replace=replace),
         report_path, allow_rejected_rows)


@import_group.command()
@_files_arg
@_report_opt
@_allow_opt
@_replace_opt
@reports_errors
def vix(files: tuple[Path, ...], report_path: Path | None, allow_rejected_rows: bool,
        replace: bool) -> None:
    """NSE India VIX history CSVs (-> vix_bars INDIAVIX, daily)."""
    _run("India VIX", files, lambda s, p: import_vix(s, p, replace=replace), report_path,
         allow_rejected_rows)


@import_group.command()
@_files_arg
@click.option("--mapping", type=_FILE, default=None,
              help="YAML mapping (target: minute) for a vendor layout other than GDFL.")
@_report_opt
@_allow_opt
@_replace_opt
@reports_errors
def minute(files: tuple[Path, ...], mapping: Path | None, report_path: Path | None,
           allow_rejected_rows: bool, replace: bool) -> None:
    """Vendor minute CSVs (GDFL layout: Ticker,Date,Time,Open,High,Low,Close,Volume,OI)."""
    def session(items: Sequence[InputFile]) -> AbstractContextManager[ImportOne]:
        # each file on disk is read one ahead while the one before it is stored (a zip
        # member is read in its turn); still one transaction per file, in order
        return minute_importer([i.path for i in items if i.member is None], mapping,
                               replace=replace)

    _run_session("minute bars", files, session, report_path, allow_rejected_rows)


@import_group.command()
@_files_arg
@click.option("--mapping", type=_FILE, required=True,
              help="YAML mapping: target table, columns, formats, constants, multipliers.")
@_report_opt
@_allow_opt
@_replace_opt
@reports_errors
def table(files: tuple[Path, ...], mapping: Path, report_path: Path | None,
          allow_rejected_rows: bool, replace: bool) -> None:
    """Any CSV or Parquet file into a canonical table through a column mapping."""
    _run("table", files, lambda s, p: import_table(s, p, mapping, replace=replace),
         report_path, allow_rejected_rows, TABLE_SUFFIXES)


@import_group.command()
@_files_arg
@_report_opt
@_allow_opt
@reports_errors
def events(files: tuple[Path, ...], report_path: Path | None, allow_rejected_rows: bool) -> None:
    """Event calendar CSV (date,symbol,name,blackout_entry,blackout_adjustment)."""
    _run("events", files, import_events, report_path, allow_rejected_rows)
