"""Benchmark of configuration reading at scale: YAML files and config workbooks of N
strategies, read and validated (``load_config``), timed at several N to show the growth.

Run: ``.venv/bin/python benchmarks/config_scale.py [--sizes 1000,2000,10000] [--no-book]``.
The strategies are the shipped template's, renamed ``<name>_<i>``; the YAML file uses one
``&base`` anchor and ``<<: *base`` merges for half of them (how users share a base). The
workbook is the same configs written by ``posbt config export`` (one column each). Prints,
per N: the file size, read + validate seconds and microseconds per strategy; linear
reading keeps the per-strategy figure flat. CPU seconds are printed beside wall seconds,
since the machine may be shared, with the 1-minute load average when the read ended and
the peak RSS of the read (each read runs in a child process of its own, so one read's
memory does not count against the next). Target: 10,000 strategies in under 20 s each.
"""

from __future__ import annotations

import argparse
import copy
import multiprocessing
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from engine.config.examples import template_strategies
from engine.config.export import write_config
from engine.config.loader import load_config


def strategies(n: int) -> list[dict[str, Any]]:
    """``n`` plain strategy mappings cycling through the template's."""
    base = list(template_strategies().values())
    out = []
    for i in range(n):
        s = copy.deepcopy(base[i % len(base)])
        s["strategy_name"] = f"{s['strategy_name']}_{i}"
        out.append(s)
    return out


def yaml_text(n: int) -> str:
    """A YAML file of ``n`` strategies; odd ones merge a shared ``&base`` costs mapping."""
    items = strategies(n)
    body = yaml.safe_dump({"strategies": items}, sort_keys=False)
    head = "x-base: &base\n  cost_preset: NONE\n"
    lines = []
    count = 0
    for line in body.splitlines():
        lines.append(line)
        if line.startswith("  strategy_name:") or line.startswith("- strategy_name:"):
            count += 1
            if count % 2:
                indent = " " * (len(line) - len(line.lstrip(" -")))
                lines.append(f"{indent}costs_shared:\n{indent}  <<: *base")
    return head + "\n".join(lines) + "\n"


def time_load(path: Path) -> tuple[float, float, int, int]:
    """(wall seconds, CPU seconds of this process, strategies loaded, errors)."""
    t0, c0 = time.perf_counter(), time.process_time()
    loaded = load_config(path, strict=False)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return seconds, cpu, len(loaded.strategies), len(loaded.report.errors)


def _child(path: Path, out: Any) -> None:
    figures = time_load(path)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    out.send((*figures, os.getloadavg()[0], peak_mb))
    out.close()


def time_load_apart(path: Path) -> tuple[float, float, int, int, float, float]:
    """:func:`time_load` in a fresh child process, plus the 1-minute load average when it
    ended and the child's peak RSS in MB (its start, a fork of this process, included)."""
    ctx = multiprocessing.get_context("fork")
    here, there = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(path, there))
    proc.start()
    there.close()
    result: tuple[float, float, int, int, float, float] = here.recv()
    proc.join()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="500,1000,2000")
    ap.add_argument("--no-book", action="store_true", help="skip the workbook runs")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print(f"{'source':<9}{'N':>7}{'MB':>8}{'seconds':>10}{'cpu_s':>8}{'us/strategy':>13}"
              f"{'ok':>7}{'errors':>8}{'load1':>7}{'peak_MB':>9}")
        for n in sizes:
            path = root / f"s{n}.yaml"
            path.write_text(plain_yaml(n), encoding="utf-8")
            _report("yaml", n, path)
            if not args.no_book:
                loaded = load_config(path, strict=False)
                book = root / f"s{n}.xlsx"
                write_config(book, loaded.configs())
                del loaded  # not held in the parent while the child reads the book
                _report("workbook", n, book)


def plain_yaml(n: int) -> str:
    return yaml.safe_dump({"strategies": strategies(n)}, sort_keys=False)


def _report(kind: str, n: int, path: Path) -> None:
    seconds, cpu, ok, errors, load1, peak_mb = time_load_apart(path)
    mb = path.stat().st_size / 1e6
    print(f"{kind:<9}{n:>7}{mb:>8.1f}{seconds:>10.2f}{cpu:>8.2f}{1e6 * seconds / n:>13.0f}"
          f"{ok:>7}{errors:>8}{load1:>7.1f}{peak_mb:>9.0f}", flush=True)


if __name__ == "__main__":
    main()
