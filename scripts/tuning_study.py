"""One-parameter sweeps of a weekly iron fly on the demo market: the ranking docs/tuning.md quotes.

Each study is one ``posbt sweep`` (``engine.api.sweep_file``, the code the command runs) of one
parameter over 3-5 values, everything else at the base config below (the template's
Demo_Weekly_IronFly: 300-point wings, entry 09:30-11:00, profit target 50%, trailing profit from
25%, stop loss 50% of the credit, filters and event blackout off; its wings are built from
WingWidthPts here because the template's explicit LegParameter hedge strikes are not sweepable).
For each parameter it prints the range (max - min) over its values of net P&L, the annualised
Sharpe, the max drawdown and the win rate, the best value, and the sweep's Deflated Sharpe Ratio
and PBO (BT_SweepStats); parameters are ranked by their net P&L range.

    .venv/bin/python scripts/tuning_study.py --home DIR [--from 2025-01-01 --to 2025-06-30]
                                             [--workers 1] [--only WingWidthPts,StopLoss]

DIR must hold a market (``posbt --home DIR data demo``, or ``--build-demo`` here). The sweeps
run in ``DIR/tuning_study`` (its own results.duckdb, the market linked in), so a rerun reuses
finished variants (``--fresh`` recomputes them). A one-parameter study cannot see interactions:
a two-parameter grid (``posbt sweep --param A=... --param B=...``) does.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from engine.api import sweep_file
from engine.home import market_db_path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # scripts/demo_market.py, beside it
from demo_market import add_demo_options, demo_market

BASE_YAML = """\
strategy_name: "Tuning_Weekly_IronFly"
strategy_subtype: "IRON_FLY"
wing_width_pts: 300
backtest:
  symbol: NIFTY
  bar_interval: {interval}
  capital_inr: 1000000
  start_date: {date_from}
  end_date: {date_to}
entry_rules:
  entry_start_time: "09:30"
  entry_end_time: "11:00"
  use_event_blackout: false
volatility_filter:
  use_ivp: {use_ivp}
  use_ivr: false
  use_atr_percentile: false
  use_iv_hv_ratio: false
exit_rules:
  profit_target: 0.5
  use_trailing_profit: true
  trailing_activation: 0.25
  stop_loss: 0.5
"""


@dataclass(frozen=True)
class Study:
    """One parameter and the values its sweep tries (a ``--param`` spec)."""

    name: str
    spec: str
    use_ivp: bool = False  # the IVP gate is switched on for the IVPMinEntry study only


STUDIES: tuple[Study, ...] = (
    Study("WingWidthPts", "100,200,300,400,500"),
    Study("ShortLegDTE", "2,7,14,21"),
    Study("StopLoss", "0.25,0.5,1,2"),
    Study("ProfitTarget", "0.25,0.5,0.75,1"),
    Study("TrailingActivation", "0.15,0.25,0.4,0.6"),
    Study("IVPMinEntry", "0,0.25,0.5,0.75", use_ivp=True),
)

METRICS = ("net_pnl_inr", "sharpe", "max_drawdown_inr", "win_rate", "trades")


def _stats(path: Path) -> dict[str, object]:
    """BT_SweepStats of a sweep workbook as {measure: value}."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb["BT_SweepStats"]
        out: dict[str, object] = {}
        for row in ws.iter_rows(values_only=True):
            if row and isinstance(row[0], str) and row[0] != "measure" and len(row) > 1:
                out[row[0]] = row[1]
        return out
    finally:
        wb.close()


def run_study(study: Study, work: Path, *, date_from: str, date_to: str, interval: str,
              workers: int) -> dict[str, object]:
    """Sweep one parameter; its rows, metric ranges and overfitting statistics."""
    cfg = work / f"{study.name}.yaml"
    cfg.write_text(BASE_YAML.format(interval=interval, date_from=date_from, date_to=date_to,
                                    use_ivp="true" if study.use_ivp else "false"))
    out = work / f"{study.name}_sweep.xlsx"
    t0, c0 = time.perf_counter(), _cpu_s()
    outcome = sweep_file(cfg, work, strategy=None, param_specs=[f"{study.name}={study.spec}"],
                         out=out, replace=True, workers=workers)
    wall, cpu = time.perf_counter() - t0, _cpu_s() - c0
    headers, rows = outcome.table
    col = {h: i for i, h in enumerate(headers)}
    done = [r for r in rows if r[col["status"]] == "done"]
    per_value = [{"value": r[col[study.name]], **{m: r[col[m]] for m in METRICS}} for r in done]
    ranges: dict[str, float] = {}
    for m in METRICS[:-1]:
        xs = [x for x in (_finite(v[m]) for v in per_value) if x is not None]
        ranges[m] = (max(xs) - min(xs)) if xs else math.nan
    best = max(per_value, key=lambda v: _or_minus_inf(_finite(v["net_pnl_inr"]))) \
        if per_value else None
    return {"parameter": study.name, "values": study.spec, "per_value": per_value,
            "range": ranges, "best_value": best["value"] if best else None,
            "invalid": [i for i, _ in outcome.invalid], "ran": outcome.ran,
            "reused": outcome.reused, "stats": _stats(out), "wall_s": round(wall, 1),
            "cpu_s": round(cpu, 1)}


def _finite(x: object) -> float | None:
    """``x`` as a float when it is a finite number (a BT_Sweep cell), else None."""
    if isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(float(x)):
        return float(x)
    return None


def _or_minus_inf(x: float | None) -> float:
    return -math.inf if x is None else x


def _cpu_s() -> float:
    """user + sys CPU seconds of this process and its finished children."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _num(x: object, fmt: str) -> str:
    return format(float(x), fmt) if isinstance(x, int | float) and math.isfinite(float(x)) \
        else "n/a"


def render(results: list[dict[str, object]]) -> str:
    """Per-value table of each study, then the ranking by net P&L range."""
    lines: list[str] = []
    for r in results:
        lines += [f"## {r['parameter']} = {r['values']}  (ran {r['ran']}, reused {r['reused']}, "
                  f"{r['wall_s']} s wall, {r['cpu_s']} CPU-s)", "",
                  "| value | trades | net P&L INR | Sharpe | max DD INR | win rate |",
                  "|---|---|---|---|---|---|"]
        for v in r["per_value"]:  # type: ignore[attr-defined]
            lines.append(f"| {v['value']} | {v['trades']} | {_num(v['net_pnl_inr'], ',.0f')} | "
                         f"{_num(v['sharpe'], '.2f')} | {_num(v['max_drawdown_inr'], ',.0f')} | "
                         f"{_num(v['win_rate'], '.2f')} |")
        s: dict[str, object] = r["stats"]  # type: ignore[assignment]
        lines += ["", "BT_SweepStats: " + ", ".join(f"{k} {v}" for k, v in s.items()), ""]
    lines += ["## Ranking (by the range of net P&L over the values tried)", "",
              "| parameter | net P&L range INR | Sharpe range | max DD range INR | "
              "win-rate range | best value | DSR | PBO |", "|---|---|---|---|---|---|---|---|"]
    for r in sorted(results, key=lambda r: -float(r["range"]["net_pnl_inr"])  # type: ignore[index]
                    if math.isfinite(float(r["range"]["net_pnl_inr"])) else math.inf):  # type: ignore[index]
        g: dict[str, float] = r["range"]  # type: ignore[assignment]
        s = r["stats"]  # type: ignore[assignment]
        lines.append(f"| {r['parameter']} | {_num(g['net_pnl_inr'], ',.0f')} | "
                     f"{_num(g['sharpe'], '.2f')} | {_num(g['max_drawdown_inr'], ',.0f')} | "
                     f"{_num(g['win_rate'], '.2f')} | {r['best_value']} | "
                     f"{_num(s.get('deflated_sharpe_ratio'), '.3f')} | "
                     f"{_num(s.get('pbo'), '.3f')} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--home", type=Path, required=True, help="posbt home holding market.duckdb")
    ap.add_argument("--from", dest="date_from", default="2025-01-01")
    ap.add_argument("--to", dest="date_to", default="2025-06-30")
    ap.add_argument("--interval", default="5m", help="bar interval of the backtests")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--only", default=None, help="comma-separated parameter names")
    ap.add_argument("--values", action="append", default=[], metavar="NAME=VALUES",
                    help="try these values of NAME instead of the study's (repeatable)")
    ap.add_argument("--fresh", action="store_true", help="forget earlier results first")
    add_demo_options(ap)
    ap.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    args = ap.parse_args(argv)
    market = demo_market(args)
    work = args.home / "tuning_study"
    if args.fresh:
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    link = market_db_path(work)
    if not link.exists():
        link.symlink_to(market.resolve())
    wanted = {s.strip().lower() for s in args.only.split(",")} if args.only else None
    studies = [s for s in STUDIES if wanted is None or s.name.lower() in wanted]
    if not studies:
        raise SystemExit(f"--only {args.only}: none of {', '.join(s.name for s in STUDIES)}")
    for text in args.values:
        name, _, spec = text.partition("=")
        match = [s for s in studies if s.name.lower() == name.strip().lower()]
        if not match or not spec.strip():
            raise SystemExit(f"--values {text}: NAME=VALUES with NAME one of the studies run")
        studies = [Study(s.name, spec.strip(), s.use_ivp) if s is match[0] else s
                   for s in studies]
    t0, c0 = time.perf_counter(), _cpu_s()
    results = [run_study(s, work, date_from=args.date_from, date_to=args.date_to,
                         interval=args.interval, workers=args.workers) for s in studies]
    load = os.getloadavg()
    print(f"# Tuning study {args.date_from} .. {args.date_to}, {args.interval} bars, "
          f"{args.workers} worker(s)\n")
    print(render(results))
    print(f"\ntotal {time.perf_counter() - t0:.0f} s wall, {_cpu_s() - c0:.0f} CPU-s "
          f"(user+sys, workers included); load average {load[0]:.1f} {load[1]:.1f} "
          f"{load[2]:.1f} on {os.cpu_count()} CPUs")
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
