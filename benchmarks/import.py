"""Benchmark: importing vendor 1-minute option CSVs (GDFL layout) into a fresh store.

Writes ``--days`` trading days of 1-minute NIFTY bars from the synthetic market as one
GDFL CSV per day (``NIFTY_YYYYMMDD.csv``: every listed option of the chain, the index and
India VIX, stamped at the bar's last second as GDFL does), then imports them through
``posbt``'s importer in date order (one transaction per file, the columnar path) and
prints rows, wall time, rows a second and peak RSS. Each file is read one ahead (on a
background thread, while the one before it is stored: ``readahead``) as the ``posbt
data import minute`` command does; ``--no-read-ahead`` reads each in its turn. A year (``--days 250``) with
``--strikes 35`` is about 100M rows; smaller runs extrapolate linearly (the work per file
does not grow with the store, because the de-duplicating anti-join reads only the file's
own time span).

    python benchmarks/import.py --days 10            # a scaled run
    python benchmarks/import.py --days 250 --strikes 35 --workdir /big/disk
    python benchmarks/import.py --days 20 --profile  # where the CPU time goes

``--profile`` runs the import under cProfile timed by process CPU (every thread of the
process, so DuckDB's and pyarrow's worker threads count against the call that waits on
them) and prints the calls that used the most of it; the stats file stays in the workdir.

The machine this runs on may be shared: the figures say how many cores it has and its
load average when the import started.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from engine.data.duckdb_store import DuckDBStore
from engine.data.importers.inputs import expand_inputs, import_input
from engine.data.importers.readahead import minute_importer
from engine.data.synthetic import generate_market
from engine.data.synthetic.spec import market_spec

GDFL_SQL = """
COPY (
    SELECT ticker AS "Ticker", strftime(ts - INTERVAL 1 SECOND, '%d/%m/%Y') AS "Date",
           strftime(ts - INTERVAL 1 SECOND, '%H:%M:%S') AS "Time",
           open AS "Open", high AS "High", low AS "Low", close AS "Close",
           volume AS "Volume", oi AS "Open Interest"
    FROM (
        SELECT 'NIFTY' || upper(strftime(expiry, '%d%b%y')) || CAST(CAST(strike AS BIGINT) AS VARCHAR)
                   || "right" || '.NFO' AS ticker, ts, open, high, low, close, volume, oi
        FROM option_bars WHERE symbol = 'NIFTY' AND bar_minutes = 1 AND ts >= $lo AND ts < $hi
        UNION ALL
        SELECT 'NIFTY.NSE', ts, open, high, low, close, 0, 0
        FROM spot_bars WHERE symbol = 'NIFTY' AND bar_minutes = 1 AND ts >= $lo AND ts < $hi
        UNION ALL
        SELECT 'INDIA VIX.NSE_IDX', ts, open, high, low, close, 0, 0
        FROM vix_bars WHERE bar_minutes = 1 AND ts >= $lo AND ts < $hi
    ) ORDER BY ts, ticker
) TO '{path}' (HEADER, DELIMITER ',')
"""


def write_csvs(workdir: Path, days: int, strikes: int) -> list[Path]:
    """Generate the market (once per size) and write one GDFL CSV per trading day."""
    folder = workdir / f"gdfl_{days}d_{strikes}s"
    done = folder / ".complete"
    if done.exists():
        return sorted(folder.glob("NIFTY_*.csv"))
    folder.mkdir(parents=True, exist_ok=True)
    src_path = workdir / f"source_{days}d_{strikes}s.duckdb"
    if src_path.exists():
        src_path.unlink()
    src = DuckDBStore(src_path)
    t0 = time.perf_counter()
    # every weekly and monthly within 60 days, as before the NSE listing rule became the
    # default (4 weeklies + 3 monthlies would be about a third fewer rows a day): the row
    # counts, and so the figures, stay comparable with earlier runs
    generate_market(market_spec(["NIFTY"], days=days, interval_minutes=1, history_days=0,
                                strikes_each_side=strikes, horizon_days=60,
                                weeklies_listed=None, monthlies_listed=None), src)
    print(f"generated the synthetic market in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    day_rows = src.sql("SELECT DISTINCT CAST(ts AS DATE) AS d FROM spot_bars "
                       "WHERE bar_minutes = 1 ORDER BY d").to_pylist()
    paths = []
    for r in day_rows:
        day: dt.date = r["d"]
        path = folder / f"NIFTY_{day:%Y%m%d}.csv"
        lo = dt.datetime.combine(day, dt.time(0))
        src.con.execute(GDFL_SQL.replace("{path}", str(path)),
                        {"lo": lo, "hi": lo + dt.timedelta(days=1)})
        paths.append(path)
    src.close()
    src_path.unlink()
    done.write_text("ok\n")
    print(f"wrote {len(paths)} GDFL CSVs in {time.perf_counter() - t0:.1f} s")
    return paths


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(days: int, strikes: int, workdir: Path, *, profile: bool = False,
        read_ahead: bool = True) -> None:
    """Import the CSVs written by ``write_csvs`` into a fresh store, print the figures."""
    paths = write_csvs(workdir, days, strikes)
    size_mb = sum(p.stat().st_size for p in paths) / 1e6
    store_path = workdir / "bench_import.duckdb"
    for p in (store_path, Path(f"{store_path}.wal")):
        if p.exists():
            p.unlink()
    store = DuckDBStore(store_path)
    load = os.getloadavg()[0]
    inputs = expand_inputs([paths[0].parent])
    t0 = time.perf_counter()
    cpu0 = _cpu_s()
    rows = inserted = rejected = 0
    profiler = cProfile.Profile(time.process_time) if profile else None
    if profiler is not None:
        profiler.enable()
    with minute_importer([i.path for i in inputs.files], read_ahead=read_ahead) as one:
        for item in inputs.files:
            report = import_input(item, lambda p: one(store, p))
            rows += report.rows_read
            inserted += report.total_inserted
            rejected += len(report.rejected)
    store.close()  # inside the timing: the close writes whatever is not checkpointed yet
    if profiler is not None:
        profiler.disable()
    wall = time.perf_counter() - t0
    cpu = _cpu_s() - cpu0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"files           {len(inputs.files)} ({size_mb:,.0f} MB of CSV)")
    print(f"rows read       {rows:,} ({inserted:,} inserted, {rejected:,} rejected)")
    print(f"wall            {wall:.1f} s")
    print(f"rate            {rows / wall:,.0f} rows/s")
    print(f"peak RSS        {rss_mb:,.0f} MB (the importing process)")
    print(f"CPU time        {cpu:.1f} s (user + system, all threads)")
    cores = os.cpu_count() or 1
    load_end = os.getloadavg()[0]
    print(f"machine         {cores} cores, load average {load:.1f} at the start, "
          f"{load_end:.1f} at the end")
    print(f"cores busy      {cpu / wall:.2f} on average (CPU time / wall; read ahead "
          f"{'on' if read_ahead else 'off'})")
    print(f"CPU-bound rate  {rows / (cpu / cores):,.0f} rows/s if the {cores} cores were this "
          "job's alone (rows / (CPU time / cores))")
    per_100m = 100e6 / (rows / wall)
    print(f"extrapolated    {per_100m:.0f} s for 100M rows at this rate")
    if profiler is not None:
        stats_path = workdir / "import.pstats"
        profiler.dump_stats(stats_path)
        print(f"\nCPU seconds by call (own time, all threads; stats in {stats_path}):")
        pstats.Stats(str(stats_path)).sort_stats("tottime").print_stats(15)


def main() -> None:
    """Command line entry."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--strikes", type=int, default=35, help="strikes each side of ATM")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--profile", action="store_true",
                        help="profile the import by CPU time (see the module docstring)")
    parser.add_argument("--no-read-ahead", action="store_true",
                        help="read each file in its turn (no background read of the next)")
    parser.add_argument("--import-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.gettempdir()) / "posbt_import_bench"
    workdir.mkdir(parents=True, exist_ok=True)
    if args.import_only:
        run(args.days, args.strikes, workdir, profile=args.profile,
            read_ahead=not args.no_read_ahead)
        return
    write_csvs(workdir, args.days, args.strikes)
    # a fresh process, so the peak RSS is the import's alone
    subprocess.run([sys.executable, __file__, "--import-only", "--days", str(args.days),
                    "--strikes", str(args.strikes), "--workdir", str(workdir),
                    *(["--profile"] if args.profile else []),
                    *(["--no-read-ahead"] if args.no_read_ahead else [])], check=True)


if __name__ == "__main__":
    main()
