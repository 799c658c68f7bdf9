"""Rewrite the golden oracle under tests/golden/data/ from today's engine.

Builds the short seeded synthetic market (tests/golden/cases.py), runs every golden case on it
and writes one CSV per table (trades, fills, adjustments, skips, equity) plus cases.txt.
Run it only when a change of the numbers is intended, and say why in the commit:

    .venv/bin/python scripts/regen_golden.py [--market PATH]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.golden import cases as golden


def main(argv: list[str] | None = None) -> int:
    """Regenerate the golden files; returns the exit code."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--market", type=Path, default=None,
                    help="reuse (or build) the golden market at this DuckDB path")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.market or Path(tmp) / "golden_market.duckdb"
        if not path.exists():
            t0 = time.perf_counter()
            golden.build_market(path)
            print(f"built {path} in {time.perf_counter() - t0:.1f} s")
        store = golden.DuckDBStore(path, read_only=True)
        try:
            tables: dict[str, dict[str, list[list[str]]]] = {t: {} for t in golden.TABLES}
            configs = golden.case_configs()
            for name, cfg in configs.items():
                t0 = time.perf_counter()
                rows = golden.result_rows(golden.run_case(cfg, store))
                for table, r in rows.items():
                    tables[table][name] = r
                print(f"{name}: {len(rows['trades'])} trades, {len(rows['fills'])} fills, "
                      f"{len(rows['adjustments'])} adjustments, {len(rows['skips'])} skips "
                      f"({time.perf_counter() - t0:.1f} s)")
        finally:
            store.close()
    golden.DATA.mkdir(parents=True, exist_ok=True)
    for table, by_case in tables.items():
        (golden.DATA / f"{table}.csv").write_text(golden.to_csv(table, by_case))
    (golden.DATA / "cases.txt").write_text("\n".join(configs) + "\n")
    print(f"wrote {len(golden.TABLES)} tables for {len(configs)} cases to {golden.DATA}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
