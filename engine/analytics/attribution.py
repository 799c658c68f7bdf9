"""Attribution of a backtest's P&L (analytics stage): by the conditions at each trade's entry.

Input: a ``BacktestResult`` (its trades, applied adjustments and per-bar series) and the market
store it ran on. Output: buckets of trades with their count, net P&L, mean and win rate, and
the tables of BT_Attribution (:mod:`engine.analytics.attrib_sheets` writes the sheet).

Entry conditions are read with :func:`engine.volatility.volatility_snapshot` at the trade's
entry bar (the regime with :func:`engine.analytics.entry_regime.entry_regime`, the reading the
sweep's regime table uses), with the strategy's own volatility parameters: daily history strictly before the
entry day and the chain and VIX stamped at or before the entry bar, so nothing after the entry
is seen (no lookahead). The dimensions:

- volatility regime: the snapshot's regime (the strategy's regime bands, VIX or IVP basis);
- term structure: CONTANGO / FLAT / BACKWARDATION from the slope (back - front) / front of the
  ATM IVs of the two nearest expiries, FLAT when |slope| <= the strategy's tolerance (0.02);
- IVP and IVR quintiles of the value scale: 0-20%, 20-40%, ... 80-100% (fixed edges, not
  sample quantiles; a value on an edge goes to the upper bucket, 1.0 to 80-100%);
- entry weekday; adjustment mix: ``none`` or the distinct applied actions joined by ``+``;
- breakeven success per regime: of the trades with a breakeven band at entry (the band of the
  first bar held; an open side is infinite), the share whose
  spot stayed inside the entry band [lower, upper] on every bar held (``stayed``) and the
  share whose exit spot was inside it (``ended``);
- entry timing: mean outcome and win rate per IVP (and IVR) decile, with the Spearman rank
  correlation of entry IVP and net P&L (scipy.stats.spearmanr).
A metric the store cannot give (no VIX, too little history) puts the trade in ``UNKNOWN`` /
``n/a``. Every dimension partitions the trades, so each one's buckets sum to the total P&L.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.analytics.entry_regime import UNKNOWN_REGIME, entry_regime
from engine.data.store import Store
from engine.results.result import BacktestResult
from engine.results.tables import Table
from engine.volatility import Regime, SnapshotCache, TermClass, VolSnapshot, volatility_snapshot

UNKNOWN = UNKNOWN_REGIME
NA = "n/a"
REGIMES = tuple(r.value for r in Regime)
TERMS = (TermClass.CONTANGO.value, TermClass.FLAT.value, TermClass.BACKWARDATION.value)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EDGE_EPS = 1e-9  # 0.6 computed as 0.59999999999 still belongs to 60-80%


@dataclass(frozen=True)
class EntryConditions:
    """What the market looked like at one trade's entry bar (NaN / UNKNOWN when missing)."""

    trade_id: int
    vix: float
    regime: str
    ivp: float
    ivr: float
    term: str
    term_slope: float
    weekday: str
    adjustment: str
    pnl_inr: float
    be_lower: float = math.nan   # the breakeven band at the entry bar
    be_upper: float = math.nan
    stayed_inside: bool | None = None
    ended_inside: bool | None = None


@dataclass(frozen=True)
class Bucket:
    """Trades of one bucket: count, net P&L (INR) and winners (net P&L > 0)."""

    label: str
    trades: int
    pnl_inr: float
    wins: int

    @property
    def mean_inr(self) -> float | None:
        """Mean net P&L per trade (None without trades)."""
        return self.pnl_inr / self.trades if self.trades else None

    @property
    def win_rate(self) -> float | None:
        """Winning trades over trades (None without trades)."""
        return self.wins / self.trades if self.trades else None


def bucket_label(value: float, n: int) -> str:
    """``20-40%`` style label of ``value`` (a fraction in [0, 1]) among ``n`` equal buckets;
    ``n/a`` for NaN."""
    if not math.isfinite(value):
        return NA
    i = min(max(math.floor(value * n + _EDGE_EPS), 0), n - 1)
    width = 100 // n
    return f"{i * width}-{(i + 1) * width}%"


def bucket_labels(n: int) -> tuple[str, ...]:
    """Every label of ``n`` equal buckets, in order, then ``n/a``."""
    width = 100 // n
    return (*(f"{i * width}-{(i + 1) * width}%" for i in range(n)), NA)


def group(keyed: Sequence[tuple[str, float]], order: Sequence[str],
          keep_empty: bool = True) -> list[Bucket]:
    """Buckets of ``(label, pnl)`` pairs in ``order`` (labels not in it after, sorted); a
    label of ``order`` without trades is kept when ``keep_empty`` (UNKNOWN / n/a never)."""
    labels = [lab for lab in order if keep_empty and lab not in (UNKNOWN, NA)]
    labels += sorted({k for k, _ in keyed} - set(labels),
                     key=lambda k: (order.index(k) if k in order else len(order), k))
    out = []
    for label in labels:
        pnls = [p for k, p in keyed if k == label]
        out.append(Bucket(label, len(pnls), float(sum(pnls)), sum(p > 0 for p in pnls)))
    return out


def _band_at_entry(result: BacktestResult) -> dict[int, tuple[float, float, bool, bool]]:
    """trade -> (entry lower, entry upper, spot stayed inside on every bar, exit inside), for
    the trades whose first series bar has a band (an open side is infinite)."""
    s = result.series
    ids, spot = s.column("trade_id"), s.column("spot")
    lo, hi = s.column("be_lower"), s.column("be_upper")
    exit_spot = {t.trade_id: t.exit_spot for t in result.trades}
    out: dict[int, tuple[float, float, bool, bool]] = {}
    if ids.size == 0 or lo.size != ids.size:
        return out
    for tid in np.unique(ids):
        rows = np.flatnonzero(ids == tid)
        first = rows[0]
        lower, upper = float(lo[first]), float(hi[first])
        if math.isnan(lower) or math.isnan(upper) or int(tid) not in exit_spot:
            continue
        inside = (spot[rows] >= lower) & (spot[rows] <= upper)
        end = exit_spot[int(tid)]
        out[int(tid)] = (lower, upper, bool(inside.all()), bool(lower <= end <= upper))
    return out


def entry_conditions(result: BacktestResult, store: Store) -> list[EntryConditions]:
    """The entry conditions of every trade of ``result`` (in trade order), read from ``store``
    as of each entry bar with the strategy's volatility parameters."""
    plan = result.plan
    gate = plan.vol_gate
    cache: SnapshotCache[VolSnapshot] = SnapshotCache(maxsize=256, ttl_s=3600.0)
    adjusted: dict[int, set[str]] = {}
    for a in result.adjustments:
        if a.status == "APPLIED":
            adjusted.setdefault(a.trade_id, set()).add(a.action)
    bands = _band_at_entry(result)
    out = []
    for t in result.trades:
        snap = volatility_snapshot(store, plan.symbol, t.entry_ts, gate.lookback,
                                   params=gate.params, cache=cache)
        band = bands.get(t.trade_id)
        out.append(EntryConditions(
            trade_id=t.trade_id, vix=snap.vix,
            regime=entry_regime(store, plan, t.entry_ts, cache),  # as the sweep's table
            ivp=snap.ivp, ivr=snap.ivr,
            term=snap.term_class.value if snap.term_class is not None else UNKNOWN,
            term_slope=snap.term_slope, weekday=WEEKDAYS[t.entry_ts.weekday()],
            adjustment="+".join(sorted(adjusted.get(t.trade_id, ()))) or "none",
            pnl_inr=t.pnl_net_inr,
            be_lower=band[0] if band else math.nan, be_upper=band[1] if band else math.nan,
            stayed_inside=band[2] if band else None, ended_inside=band[3] if band else None))
    return out


@dataclass(frozen=True)
class Attribution:
    """Every breakdown of one strategy's trades."""

    strategy: str
    conditions: list[EntryConditions]
    by_regime: list[Bucket]
    by_term: list[Bucket]
    by_ivp: list[Bucket]
    by_ivr: list[Bucket]
    by_weekday: list[Bucket]
    by_adjustment: list[Bucket]
    ivp_deciles: list[Bucket]
    ivr_deciles: list[Bucket]
    breakeven: list[tuple[str, int, float | None, float | None]]  # regime, n, stayed, ended
    ivp_spearman: float | None
    ivp_spearman_p: float | None


def _spearman(x: Sequence[float], y: Sequence[float]) -> tuple[float | None, float | None]:
    """Spearman rank correlation and its p-value over the finite pairs (None below 3 pairs or
    with a constant side)."""
    pairs = [(a, b) for a, b in zip(x, y, strict=True) if math.isfinite(a) and math.isfinite(b)]
    if len(pairs) < 3 or len({a for a, _ in pairs}) < 2 or len({b for _, b in pairs}) < 2:
        return None, None
    from scipy.stats import spearmanr

    res = spearmanr([a for a, _ in pairs], [b for _, b in pairs])
    return float(res.statistic), float(res.pvalue)


def attribute(strategy: str, conditions: Sequence[EntryConditions]) -> Attribution:
    """The breakdowns of ``conditions`` (one per trade)."""
    c = list(conditions)
    regimes = (*REGIMES, UNKNOWN)

    def keyed(attr: str) -> list[tuple[str, float]]:
        return [(str(getattr(e, attr)), e.pnl_inr) for e in c]

    breakeven: list[tuple[str, int, float | None, float | None]] = []
    for regime in regimes:
        banded = [e for e in c if e.regime == regime and e.stayed_inside is not None]
        if regime == UNKNOWN and not banded:
            continue
        n = len(banded)
        breakeven.append((regime, n,
                          sum(bool(e.stayed_inside) for e in banded) / n if n else None,
                          sum(bool(e.ended_inside) for e in banded) / n if n else None))
    rho, p = _spearman([e.ivp for e in c], [e.pnl_inr for e in c])
    return Attribution(
        strategy=strategy, conditions=c,
        by_regime=group(keyed("regime"), regimes),
        by_term=group(keyed("term"), (*TERMS, UNKNOWN)),
        by_ivp=group([(bucket_label(e.ivp, 5), e.pnl_inr) for e in c], bucket_labels(5)),
        by_ivr=group([(bucket_label(e.ivr, 5), e.pnl_inr) for e in c], bucket_labels(5)),
        by_weekday=group(keyed("weekday"), WEEKDAYS[:5]),
        by_adjustment=group(keyed("adjustment"), ("none",), keep_empty=False),
        ivp_deciles=group([(bucket_label(e.ivp, 10), e.pnl_inr) for e in c], bucket_labels(10)),
        ivr_deciles=group([(bucket_label(e.ivr, 10), e.pnl_inr) for e in c], bucket_labels(10)),
        breakeven=breakeven, ivp_spearman=rho, ivp_spearman_p=p)


def conditions_table(items: Sequence[Attribution]) -> Table:
    """BT_AttributionTrades: one row per trade with its entry conditions."""
    headers = ["strategy", "trade_id", "pnl_net_inr", "vix", "regime", "ivp", "ivr", "term",
               "term_slope", "weekday", "adjustment", "be_lower_entry", "be_upper_entry",
               "stayed_inside", "ended_inside"]
    rows: list[list[object]] = []
    for a in items:
        for e in a.conditions:
            rows.append([a.strategy, e.trade_id, e.pnl_inr, _num(e.vix), e.regime, _num(e.ivp),
                         _num(e.ivr), e.term, _num(e.term_slope), e.weekday, e.adjustment,
                         _num(e.be_lower), _num(e.be_upper), e.stayed_inside, e.ended_inside])
    return headers, rows


def _num(v: float) -> float | None:
    return v if math.isfinite(v) else None
