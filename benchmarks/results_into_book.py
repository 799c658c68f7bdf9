"""Benchmark of Run Backtest's file side: FileBook.replace_result_sheets putting a 10,000-trade
results workbook's BT_* sheets into a copy of the template workbook (issue 17: "10,000 trades,
sheets stay under a few seconds to write"; it took 291 s copying cell by cell).

Run: ``.venv/bin/python benchmarks/results_into_book.py [--trades 10000] [--reference]``.
The run is the results tests' fake (tests/unit/results/fakes.py), written by the engine
(``write_results``). Prints the wall and CPU seconds (user + sys of this process) of each
phase: cutting the packages (sheetrows.split_package), openpyxl's loads, copying the heads
(_copy_sheet), rewriting the cut rows' styles and strings (RowsTail.rebased) and the save;
then the whole call, first into the bare template, then again into the book that now holds
the previous run's sheets (Run Backtest pressed twice), and the load average (a shared machine:
wall time there says little, CPU time more). ``--reference`` also times the cell-by-cell copy
the tests compare against (minutes for 10,000 trades).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import openpyxl

from engine.results import excel, xlsx_rows
from tests.unit.results.fakes import make_result, week_trades
from xlbridge import resultbooks, sheetrows

Clock = tuple[float, float]
TEMPLATE = Path(__file__).resolve().parents[1] / "workbook_templates" / "posbt_template.xlsx"


def _now() -> Clock:
    t = os.times()
    return time.perf_counter(), t.user + t.system


def _timed(fn: Callable[..., Any], spent: dict[str, list[float]], what: str
           ) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        wall0, cpu0 = _now()
        try:
            return fn(*args, **kwargs)
        finally:
            wall1, cpu1 = _now()
            spent[what][0] += wall1 - wall0
            spent[what][1] += cpu1 - cpu0

    return wrapper


def _run(label: str, call: Callable[[], Any], spent: dict[str, list[float]]) -> None:
    spent.clear()
    wall0, cpu0 = _now()
    call()
    wall1, cpu1 = _now()
    print(f"{label}: {wall1 - wall0:.2f} s wall, {cpu1 - cpu0:.2f} s CPU (user+sys)")
    for what, (wall, cpu) in spent.items():
        print(f"  {what:<28}{wall:>8.2f} s wall{cpu:>8.2f} s CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trades", type=int, default=10_000)
    parser.add_argument("--reference", action="store_true",
                        help="also time the cell-by-cell copy (slow)")
    args = parser.parse_args()
    res = make_result("Many", week_trades(args.trades, start=dt.date(1995, 1, 2), every_days=1))
    spent: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    patched: list[tuple[Any, str, Callable[..., Any], str]] = [
        (resultbooks, "split_package", sheetrows.split_package, "cut packages (split_package)"),
        (openpyxl, "load_workbook", openpyxl.load_workbook, "openpyxl load"),
        (resultbooks, "_copy_sheet", resultbooks._copy_sheet, "copy heads (_copy_sheet)"),
        (sheetrows.RowsTail, "rebased", sheetrows.RowsTail.rebased,
         "restyle cut rows (rebased)"),
        (resultbooks, "save_workbook", xlsx_rows.save_workbook, "save (save_workbook)"),
    ]
    for owner, name, fn, what in patched:
        setattr(owner, name, _timed(fn, spent, what))
    with tempfile.TemporaryDirectory() as tmp:
        out, book = Path(tmp) / "results.xlsx", Path(tmp) / "book.xlsx"
        wall0, cpu0 = _now()
        excel.write_results([res], out)
        wall1, cpu1 = _now()
        print(f"{args.trades:,} trades, {len(res.fills):,} fills; results workbook "
              f"{out.stat().st_size / 1e6:.1f} MB written in {wall1 - wall0:.2f} s wall, "
              f"{cpu1 - cpu0:.2f} s CPU")
        shutil.copy(TEMPLATE, book)
        fb = resultbooks.FileBook(book)
        _run("replace_result_sheets into the template", lambda: fb.replace_result_sheets(out),
             spent)
        _run("again, into the book holding those sheets",
             lambda: fb.replace_result_sheets(out), spent)
        print(f"book {book.stat().st_size / 1e6:.1f} MB")
        if args.reference:
            from tests.unit.xlbridge.test_resultbooks import reference_copy

            shutil.copy(TEMPLATE, book)
            _run("reference cell-by-cell copy", lambda: reference_copy(out, book), spent)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
