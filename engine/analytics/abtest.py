"""A/B test of two strategies (analytics stage): trades paired by cycle, then the statistics.

A *cycle* is the ISO week (``2025-W02``) or the month (``2025-01``) in which a trade entered.
Each side's net P&L is summed per cycle; the test uses the cycles in which both sides entered
(a cycle only one side traded is counted, not paired). On the paired cycle P&L ``a`` and ``b``:
the mean difference with a paired bootstrap interval and a sign-flip permutation p-value, the
difference of the per-cycle Sharpe ratios with Memmel's standard error, and the tails (worst
cycle, 5% quantile) of each side (:mod:`engine.analytics.stats` for the formulas).

With each side's trades (``SideDetail``) the table adds: the worst trade, the 5% CVaR of the
paired cycle P&L (the mean of the worst ceil(0.05 n) cycles), each side's net P&L by the
volatility regime at entry (:mod:`engine.analytics.attribution`, no lookahead), and, for a side
with a volatility filter (IVP / IVR / ATR / IV-HV / term / regime / skew gates, or a VIX entry
range), what the filter cost or saved: the same strategy run with those gates off, and the P&L
of the cycles in which the unfiltered run entered and the filtered run did not (the trades the
filter skipped, valued as if taken). A positive value is profit the filter gave up (it cost),
a negative one a loss it avoided (it saved).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np

from engine.analytics.attribution import REGIMES, UNKNOWN, Bucket, group
from engine.analytics.stats import (
    paired_bootstrap_ci,
    paired_permutation_test,
    sharpe_difference,
)
from engine.errors import PosbtError
from engine.results.tables import Table
from engine.strategy.plan import StrategyPlan


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


def cvar_inr(pnl: Sequence[float], alpha: float = 0.05) -> float:
    """Conditional value at risk: the mean of the worst ``ceil(alpha * n)`` values (at least
    one), in the P&L's own sign (a loss is negative); NaN without values."""
    if not pnl:
        return float("nan")
    k = max(1, math.ceil(alpha * len(pnl) - 1e-12))
    return float(np.mean(sorted(pnl)[:k]))


@dataclass(frozen=True)
class FilterValue:
    """What one side's volatility filter did: the cycles it skipped, valued as if taken."""

    gates: str                       # which gates, as the config says them
    skipped: dict[str, float]        # cycle -> P&L of the unfiltered run's trades there
    only_filtered: int               # cycles only the filtered run entered (path effects)

    @property
    def value_inr(self) -> float:
        """P&L of the skipped cycles: > 0 the filter cost that much, < 0 it saved it."""
        return float(sum(self.skipped.values()))


@dataclass(frozen=True)
class SideDetail:
    """One side's trades beyond the cycle sums: trade P&L, P&L by entry regime, its filter."""

    trade_pnl_inr: list[float]
    by_regime: list[Bucket] = field(default_factory=list)
    filter: FilterValue | None = None


def regime_buckets(regime_pnl: Iterable[tuple[str, float]]) -> list[Bucket]:
    """Net P&L by entry regime (LOW, MEDIUM, HIGH, EXTREME, then UNKNOWN when present)."""
    return group(list(regime_pnl), (*REGIMES, UNKNOWN))


def volatility_gates(plan: StrategyPlan) -> str | None:
    """The plan's entry volatility filter in words (None when it has none)."""
    g, parts = plan.vol_gate, []
    for name, band in (("IVP", g.ivp), ("IVR", g.ivr), ("ATR percentile", g.atr_pct),
                       ("IV/HV", g.iv_hv)):
        if band is not None:
            parts.append(f"{name} {band[0]:g}-{band[1]:g}")
    if g.term is not None:
        parts.append(f"term {g.term.value}")
    if g.regime is not None:
        parts.append(f"regime {g.regime.value}")
    if g.max_abs_rr25 is not None:
        parts.append(f"|RR25| <= {g.max_abs_rr25:g}")
    if plan.entry.vix_range is not None:
        lo, hi = plan.entry.vix_range
        parts.append(f"VIX {lo:g}-{hi:g}" if hi < 1e9 else f"VIX >= {lo:g}")
    return ", ".join(parts) or None


def without_volatility_filter(plan: StrategyPlan) -> StrategyPlan:
    """``plan`` with every entry volatility gate and the VIX entry range off (the VIX bands'
    premium windows, exits and sizing unchanged)."""
    gate = replace(plan.vol_gate, ivp=None, ivr=None, atr_pct=None, iv_hv=None, term=None,
                   regime=None, max_abs_rr25=None)
    return replace(plan, vol_gate=gate, entry=replace(plan.entry, vix_range=None),
                   regime_plans=tuple((r, without_volatility_filter(p))
                                      for r, p in plan.regime_plans))


def filter_value(gates: str, filtered: dict[str, float], unfiltered: dict[str, float]
                 ) -> FilterValue:
    """The cycles ``unfiltered`` (the same strategy without its filter) entered and
    ``filtered`` did not, with their P&L."""
    return FilterValue(gates, {c: unfiltered[c] for c in sorted(set(unfiltered) - set(filtered))},
                       len(set(filtered) - set(unfiltered)))


def _detail_rows(res: ABTest, label_a: str, label_b: str,
                 detail: tuple[SideDetail, SideDetail]) -> list[list[object]]:
    da, db = detail
    nan = float("nan")
    rows: list[list[object]] = [
        ["worst_trade_inr", min(da.trade_pnl_inr, default=nan), min(db.trade_pnl_inr,
                                                                  default=nan), None,
         "net P&L of the worst single trade (every trade, paired or not)"],
        ["cycle_cvar05_inr", cvar_inr(res.pnl_a_inr), cvar_inr(res.pnl_b_inr), None,
         "5% CVaR: mean of the worst ceil(0.05 n) paired cycles"],
    ]
    a_by = {b.label: b for b in da.by_regime}
    b_by = {b.label: b for b in db.by_regime}
    for regime in dict.fromkeys([*a_by, *b_by]):
        ba, bb = a_by.get(regime), b_by.get(regime)
        if (ba is None or not ba.trades) and (bb is None or not bb.trades):
            continue
        pa = ba.pnl_inr if ba else 0.0
        pb = bb.pnl_inr if bb else 0.0

        def wr(b: Bucket | None) -> str:
            return f"{b.win_rate:.0%}" if b is not None and b.win_rate is not None else "n/a"
        rows.append([f"pnl_regime_{regime}_inr", pa, pb, None,
                     f"net P&L of trades entered in {regime}: trades {label_a} "
                     f"{ba.trades if ba else 0}, {label_b} {bb.trades if bb else 0}; win rate "
                     f"{label_a} {wr(ba)}, {label_b} {wr(bb)}"])
    for name, d in ((label_a, da), (label_b, db)):
        f = d.filter
        if f is None:
            continue
        verdict = "cost" if f.value_inr > 0 else "saved" if f.value_inr < 0 else "changed"
        rows.append([f"filter_value_inr ({name})",
                     f.value_inr if d is da else None, f.value_inr if d is db else None, None,
                     f"{name}'s filter ({f.gates}) skipped {len(f.skipped)} cycle(s) the "
                     f"unfiltered run traded; valued as if taken it {verdict} "
                     f"{abs(f.value_inr):,.0f} INR"
                     + (f"; {f.only_filtered} cycle(s) only the filtered run traded"
                        if f.only_filtered else "")])
    for r in rows:
        if r[3] is None and isinstance(r[1], float) and isinstance(r[2], float):
            r[3] = r[1] - r[2]
    return rows


def abtest_table(res: ABTest, label_a: str, label_b: str,
                 detail: tuple[SideDetail, SideDetail] | None = None) -> Table:
    """BT_ABTest: one row per measure, columns A, B and A - B (or the test's value); with
    ``detail``, the trade tails, P&L by entry regime and the filters' value too."""
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
    if detail is not None:
        rows += _detail_rows(res, label_a, label_b, detail)
    clean = [[None if isinstance(v, float) and not np.isfinite(v) else v for v in r]
             for r in rows]
    return headers, clean


def pairs_table(res: ABTest) -> Table:
    """BT_ABTestPairs: one row per paired cycle."""
    return (["cycle", "pnl_a_inr", "pnl_b_inr", "diff_inr"],
            [[c, x, y, x - y] for c, x, y in zip(res.cycles, res.pnl_a_inr, res.pnl_b_inr,
                                                 strict=True)])
