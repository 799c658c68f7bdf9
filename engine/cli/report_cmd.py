"""``posbt report``: the HTML tearsheet of a results workbook or of a stored run."""

from __future__ import annotations

from pathlib import Path

import click

from engine.cli.common import console, get_ctx, reports_errors
from engine.errors import PosbtError


@click.command("report")
@click.argument("source")
@click.option("--html", "html_out", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="The page to write (one self-contained .html file).")
@reports_errors
def report(source: str, html_out: Path) -> None:
    """Write the HTML tearsheet of SOURCE: a results workbook (.xlsx) or a run id from
    `posbt runs list`."""
    from engine.results.report import for_strategy, from_workbook, write_html

    path = Path(source)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        if not path.is_file():
            raise PosbtError(f"no such results workbook: {path}", place="SOURCE")
        sheet = from_workbook(path)
    else:
        from engine.home import results_db_path
        from engine.results.store import ResultsStore

        store = ResultsStore(results_db_path(get_ctx().home))
        try:
            run = store.run(source)
        finally:
            store.close()
        out_path = run.get("out_path")
        if not out_path or not Path(str(out_path)).is_file():
            raise PosbtError(f"run {source} has no results workbook on disk "
                             f"({out_path or 'none recorded'}); run it again or pass the "
                             "workbook", place="SOURCE")
        sheet = for_strategy(from_workbook(Path(str(out_path))), str(run["strategy"]),
                             title=f"{run['strategy']} (run {source})")
    written = write_html(sheet, html_out)
    console().print(f"tearsheet: {written}")
