"""A/B test of two strategies (analytics stage): trades paired by cycle, then the statistics.

A *cycle* is the ISO week (``2025-W02``) or the month (``2025-01``) in which a trade entered.
Each side's net P&L is summed per cycle; the test uses the cycles in which both sides entered
(a cycle only one side traded is counted, not paired). On the paired cycle P&L ``a`` and ``b``:
the mean difference with a paired bootstrap interval and a sign-flip permutation p-value, the
difference of the per-cycle Sharpe ratios with Memmel's standard error, and the tails (worst
cycle, 5% quantile) of each side (:mod:`engine.analytics.stats` for the formulas).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from engine.analytics.stats import (
    paired_bootstrap_ci,
    paired_permutation_test,
    sharpe_difference,
)
from engine.errors import PosbtError
from engine.results.tables import Table


class Cycle(StrEnum):
    """How trades are grouped for pairing."""

    WEEK = "week"
    MONTH = "month"


def cycle_of(ts: dt.datetime | dt.date, cycle: Cycle) -> str:
    """``2025-W02`` (ISO week) or ``2025-01`` of an entry time."""
    if cycle is Cycle.WEEK:
        year, week, _ = ts.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{ts.year}-{ts.month:02d}"


def pnl_by_cycle(trades: Iterable[tuple[dt.datetime, float]], cycle: Cycle) -> dict[str, float]:
    """Net P&L (INR) summed per entry cycle from ``(entry_ts, pnl_net_inr)`` pairs."""
    out: dict[str, float] = {}
    for ts, pnl in trades:
        key = cycle_of(ts, cycle)
        out[key] = out.get(key, 0.0) + float(pnl)
    return out


@dataclass(frozen=True)
class ABTest:
    """The paired cycles and every statistic of the comparison (A minus B)."""

    cycles: list[str]
    pnl_a_inr: list[float]
    pnl_b_inr: list[float]
    only_a: int
    only_b: int
    mean_diff_inr: float
    ci_low_inr: float
    ci_high_inr: float
    confidence: float
    p_value: float
    permutation_exact: bool
    sharpe_a: float
    sharpe_b: float
    sharpe_diff: float
    sharpe_diff_se: float
    sharpe_p_value: float


def ab_test(a: dict[str, float], b: dict[str, float], *, n_resamples: int = 9999,
            confidence: float = 0.95, seed: int = 0, label_a: str = "A",
            label_b: str = "B") -> ABTest:
    """Compare per-cycle P&L ``a`` and ``b`` on their common cycles.

    Fewer than 3 common cycles is an error naming both sides (a Sharpe difference needs 3)."""
    common = sorted(set(a) & set(b))
    if not common:
        raise PosbtError(f"{label_a} and {label_b} have no cycle in which both entered "
                         f"({len(a)} and {len(b)} cycles with trades); nothing to pair")
    if len(common) < 3:
        raise PosbtError(f"{label_a} and {label_b} share only {len(common)} cycle(s) with "
                         "trades; an A/B test needs at least 3")
    xa = np.array([a[c] for c in common])
    xb = np.array([b[c] for c in common])
    ci = paired_bootstrap_ci(xa, xb, n_resamples=n_resamples, confidence=confidence, seed=seed)
    perm = paired_permutation_test(xa, xb, n_resamples=n_resamples, seed=seed)
    sd = None if xa.std() == 0.0 or xb.std() == 0.0 else sharpe_difference(xa, xb)
    nan = float("nan")
    return ABTest(
        cycles=common, pnl_a_inr=xa.tolist(), pnl_b_inr=xb.tolist(),
        only_a=len(set(a) - set(b)), only_b=len(set(b) - set(a)),
        mean_diff_inr=ci.mean_diff, ci_low_inr=ci.low, ci_high_inr=ci.high,
        confidence=confidence, p_value=perm.p_value, permutation_exact=perm.exact,
        sharpe_a=sd.sharpe_a if sd else nan, sharpe_b=sd.sharpe_b if sd else nan,
        sharpe_diff=sd.diff if sd else nan, sharpe_diff_se=sd.std_error if sd else nan,
        sharpe_p_value=sd.p_value if sd else nan)


def _drawdown_inr(pnl: list[float]) -> float:
    equity = np.cumsum([0.0, *pnl])
    return float((equity - np.maximum.accumulate(equity)).min())


def abtest_table(res: ABTest, label_a: str, label_b: str) -> Table:
    """BT_ABTest: one row per measure, columns A, B and A - B (or the test's value)."""
    xa, xb = np.array(res.pnl_a_inr), np.array(res.pnl_b_inr)
    headers = ["measure", label_a, label_b, "a_minus_b", "note"]
    pct = f"{res.confidence:.0%}"

    def side(name: str, fa: float, fb: float, note: str = "") -> list[object]:
        return [name, fa, fb, fa - fb, note]

    rows: list[list[object]] = [
        ["paired_cycles", len(res.cycles), len(res.cycles), None,
         f"cycles both entered; only {label_a}: {res.only_a}, only {label_b}: {res.only_b}"],
        side("total_pnl_inr", float(xa.sum()), float(xb.sum()), "over the paired cycles"),
        side("mean_cycle_pnl_inr", float(xa.mean()), float(xb.mean())),
        ["mean_diff_ci_low_inr", None, None, res.ci_low_inr,
         f"{pct} paired percentile bootstrap"],
        ["mean_diff_ci_high_inr", None, None, res.ci_high_inr,
         f"{pct} paired percentile bootstrap"],
        ["permutation_p_value", None, None, res.p_value,
         "two-sided sign-flip test of mean difference 0"
         + (" (exact)" if res.permutation_exact else " (Monte Carlo)")],
        side("sharpe_per_cycle", res.sharpe_a, res.sharpe_b, "mean / sd of cycle P&L"),
        ["sharpe_diff_se", None, None, res.sharpe_diff_se,
         "Jobson-Korkie with Memmel's correction"],
        ["sharpe_diff_p_value", None, None, res.sharpe_p_value, "two-sided, normal"],
        side("win_cycles", float(np.sum(xa > 0)), float(np.sum(xb > 0))),
        side("worst_cycle_inr", float(xa.min()), float(xb.min())),
        side("cycle_q05_inr", float(np.quantile(xa, 0.05)), float(np.quantile(xb, 0.05)),
             "5% quantile of cycle P&L"),
        side("max_drawdown_inr", _drawdown_inr(res.pnl_a_inr), _drawdown_inr(res.pnl_b_inr),
             "of the paired cycles' cumulative P&L"),
    ]
    clean = [[None if isinstance(v, float) and not np.isfinite(v) else v for v in r]
             for r in rows]
    return headers, clean


def pairs_table(res: ABTest) -> Table:
    """BT_ABTestPairs: one row per paired cycle."""
    return (["cycle", "pnl_a_inr", "pnl_b_inr", "diff_inr"],
            [[c, x, y, x - y] for c, x, y in zip(res.cycles, res.pnl_a_inr, res.pnl_b_inr,
                                                 strict=True)])
