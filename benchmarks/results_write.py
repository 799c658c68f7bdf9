"""Benchmark of the results workbook: write_results on a 10,000-trade run (issue 17, bad input:
"sheets stay under a few seconds to write").

Run: ``.venv/bin/python benchmarks/results_write.py [--trades 10000] [--source BOOK.xlsx]``.
The run is the results tests' fake (tests/unit/results/fakes.py): one short straddle a day,
a third of them adjusted, so 10,000 trades have about 60,000 fills. Prints, per BT_* sheet,
the wall and CPU seconds spent filling it (tables, charts) and writing its XML into the package
at save, then the whole call's wall and CPU seconds (user + sys of this process), the file's
size and the load average (a shared machine: wall time there says little, CPU time more).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.results import excel, xlsx_rows
from tests.unit.results.fakes import make_result, week_trades

Clock = tuple[float, float]


def _now() -> Clock:
    t = os.times()
    return time.perf_counter(), t.user + t.system


def _timed(fn: Callable[..., Any], spent: dict[str, list[float]], what: str,
           sheet_arg: int = 0) -> Callable[..., Any]:
    """``fn`` adding its wall and CPU seconds to ``spent[sheet title]`` (fill or save); the
    sheet is its argument ``sheet_arg``."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        wall0, cpu0 = _now()
        try:
            return fn(*args, **kwargs)
        finally:
            wall1, cpu1 = _now()
            acc = spent[args[sheet_arg].title]
            col = 0 if what == "fill" else 2
            acc[col] += wall1 - wall0
            acc[col + 1] += cpu1 - cpu0

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trades", type=int, default=10_000)
    parser.add_argument("--source", type=Path, default=None,
                        help="a config workbook to write the results into a copy of")
    args = parser.parse_args()
    res = make_result("Many", week_trades(args.trades, start=dt.date(1995, 1, 2), every_days=1))
    spent: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    for name in ("write_summary", "write_monthly", "write_trade_charts", "write_payoff",
                 "_write_table", "_equity_chart", "_band_chart"):
        setattr(excel, name, _timed(getattr(excel, name), spent, "fill"))
    writer = xlsx_rows._Writer
    writer.write_worksheet = _timed(  # type: ignore[method-assign]
        writer.write_worksheet, spent, "save", sheet_arg=1)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "results.xlsx"
        wall0, cpu0 = _now()
        excel.write_results([res], out, source_workbook=args.source)
        wall1, cpu1 = _now()
        size_mb = out.stat().st_size / 1e6
    print(f"{args.trades:,} trades, {len(res.fills):,} fills")
    print(f"{'sheet':<16}{'fill wall':>10}{'fill cpu':>10}{'save wall':>10}{'save cpu':>10}")
    for title, (fw, fc, sw, sc) in spent.items():
        print(f"{title:<16}{fw:>10.2f}{fc:>10.2f}{sw:>10.2f}{sc:>10.2f}")
    print(f"write_results: {wall1 - wall0:.2f} s wall, {cpu1 - cpu0:.2f} s CPU (user+sys), "
          f"{size_mb:.1f} MB; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
