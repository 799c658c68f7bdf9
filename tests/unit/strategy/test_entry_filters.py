"""Entry filters: events, expiry days, gaps, liquidity, DTE, re-entry, volatility gate, regimes."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from engine.data.duckdb_store import DuckDBStore
from engine.domain.lifecycle import ExitReason
from engine.domain.structures import Right, Side
from engine.market import Timeline
from engine.simulation.loop import regime_changes, run_backtest
from engine.strategy.entry import blackout_days, gap_days, premium_skip
from engine.strategy.plan import EntryRules, ExitRules, ExpiryMethod, ExpiryRule, LegSpec
from engine.strategy.volfilter import VolGate, gate_reason
from engine.volatility import Regime, RegimeBands, TermClass, VolSnapshot
from engine.volatility.types import HVMethod
from tests.unit.simulation.builder import contracts, load_market
from tests.unit.simulation.test_golden import (
    ATM,
    D1,
    FLY_QUOTES,
    FLY_SPOT,
    M1,
    STAMPS,
    W1,
    WEEKLY,
    plan,
)


def _tl(stamps: list[dt.datetime], opens: list[float], closes: list[float]) -> Timeline:
    ts = np.array(stamps, dtype="datetime64[us]")
    return Timeline(ts=ts, close=np.array(closes, float), open=np.array(opens, float),
                    days=ts.astype("datetime64[D]"))


def test_blackout_days_by_hand() -> None:
    days = np.array(["2025-01-06", "2025-01-07", "2025-01-08", "2025-01-09", "2025-01-10",
                     "2025-01-13"], dtype="datetime64[D]")
    # event Wed 8 Jan, 1 day before, 1 after -> Tue 7, Wed 8, Thu 9
    got = blackout_days(days, [(dt.date(2025, 1, 8), "policy", True)], 1, 1)
    assert sorted(str(d) for d in got) == ["2025-01-07", "2025-01-08", "2025-01-09"]
    # event on Saturday 11 Jan, 1 before, 0 after -> Friday 10 only
    got = blackout_days(days, [(dt.date(2025, 1, 11), "sat", True)], 1, 0)
    assert sorted(str(d) for d in got) == ["2025-01-10"]
    assert blackout_days(days, [(dt.date(2025, 1, 8), "info only", False)], 1, 1) == frozenset()


def test_gap_days_by_hand() -> None:
    s = [dt.datetime(2025, 1, 6, 9, 20), dt.datetime(2025, 1, 6, 15, 30),
         dt.datetime(2025, 1, 7, 9, 20), dt.datetime(2025, 1, 7, 15, 30)]
    # day 2 opens at 22,330 after a 22,000 close: gap 1.5% > 1% -> both bars of day 2 blocked
    tl = _tl(s, [21990, 21995, 22330, 22300], [21995, 22000, 22310, 22320])
    assert gap_days(tl, 0.01).tolist() == [False, False, True, True]
    assert not gap_days(tl, 0.02).any()


def test_event_blackout_and_expiry_day_block_entries(mem_store: DuckDBStore) -> None:
    load_market(mem_store, STAMPS, FLY_SPOT, FLY_QUOTES, [(W1, "WEEKLY")])
    with mem_store.load() as tx:
        tx.append("events", pa.table({"date": [D1], "symbol": ["*"], "name": ["budget"],
                                      "blackout_entry": [True], "blackout_adjustment": [False]}))
    p = dataclasses.replace(plan(ExitRules()), entry=EntryRules(
        window_start=dt.time(9, 20), window_end=dt.time(9, 20), event_blackout=True,
        event_days_before=0, event_days_after=0))
    res = run_backtest(p, mem_store, contracts())
    # Monday is blacked out; Thursday 9 Jan 09:20 is the next candidate (the expiry day itself):
    # spot 22200 -> ATM 22300 (|100| < |200|), where the chain has no put -> skipped with reason
    assert res.trades == []
    assert [(s.ts, s.reason[:22]) for s in res.skips] == [(STAMPS[3], "leg short_put: no quot")]
    p2 = dataclasses.replace(p, entry=dataclasses.replace(p.entry, skip_expiry_day=True))
    res2 = run_backtest(p2, mem_store, contracts())
    assert res2.trades == [] and res2.skips == []  # no candidate bar left at all


def test_liquidity_and_dte_filters_skip_with_reasons(mem_store: DuckDBStore) -> None:
    load_market(mem_store, STAMPS, FLY_SPOT, FLY_QUOTES, [(W1, "WEEKLY")])
    base = plan(ExitRules())
    res = run_backtest(dataclasses.replace(base, entry=dataclasses.replace(base.entry, min_oi=10)),
                       mem_store, contracts())
    assert "open interest nan below MinOI 10" in res.skips[0].reason
    res = run_backtest(dataclasses.replace(base, entry=dataclasses.replace(base.entry, min_dte=4)),
                       mem_store, contracts())
    # Monday 6 Jan -> Thursday 9 Jan is 3 DTE
    assert "front expiry 2025-01-09 is 3 DTE, outside [4, 10000]" in res.skips[0].reason


def test_premium_window_skip_names_credit_or_debit_and_its_size() -> None:
    # the window bounds |net|; the text says which way the money goes and how much
    assert premium_skip(240.0, None, 200) == "net credit 240.00 pts above the maximum 200"
    assert premium_skip(-238.1, None, 35) == "net debit 238.10 pts above the maximum 35"
    assert premium_skip(-20.0, 25, 35) == "net debit 20.00 pts below the minimum 25"
    assert premium_skip(0.0, 25, None) == "net premium 0.00 pts below the minimum 25"
    assert premium_skip(-30.0, 25, 35) is None and premium_skip(30.0, 25, 35) is None
    assert premium_skip(-238.1, None, None) is None


def test_premium_window_skips_in_the_loop(mem_store: DuckDBStore) -> None:
    load_market(mem_store, STAMPS, FLY_SPOT, FLY_QUOTES, [(W1, "WEEKLY")])
    base = plan(ExitRules())
    # the fly's entry credit: 180 + 175 - 60 - 55 = 240 pts, over a maximum of 200
    capped = dataclasses.replace(base.entry, max_premium_pts=200)
    res = run_backtest(dataclasses.replace(base, entry=capped), mem_store, contracts())
    assert res.trades == []
    assert res.skips[0].reason == "net credit 240.00 pts above the maximum 200"


def test_calendar_debit_over_the_maximum_says_debit(mem_store: DuckDBStore) -> None:
    stamps = STAMPS[:5]
    # sell 9 Jan 22000 CE at 100, buy 30 Jan 22000 CE at 250: a debit of 250 - 100 = 150 pts
    quotes = {(W1, 22000.0, "CE"): [100, 90, 80, 85, 90],
              (M1, 22000.0, "CE"): [250, 255, 265, 262, 255]}
    load_market(mem_store, stamps, [22010] * 5, quotes, [(W1, "WEEKLY"), (M1, "MONTHLY")])
    legs = (LegSpec("short", Right.CE, Side.SELL, ATM, WEEKLY),
            LegSpec("long", Right.CE, Side.BUY, ATM, ExpiryRule(ExpiryMethod.MONTHLY_INDEX, 0)))
    base = plan(ExitRules(), legs)
    capped = dataclasses.replace(base.entry, max_premium_pts=35)
    res = run_backtest(dataclasses.replace(base, entry=capped), mem_store, contracts())
    assert res.trades == []
    assert res.skips[0].reason == "net debit 150.00 pts above the maximum 35"


def test_reentry_after_stop_with_cooldown(mem_store: DuckDBStore) -> None:
    stamps = [dt.datetime.combine(D1, dt.time(h, m)) for h, m in
              ((9, 20), (10, 0), (11, 0), (12, 0), (13, 0))]
    q = {(W1, 22000.0, "CE"): [180, 400, 300, 300, 300],
         (W1, 22000.0, "PE"): [175, 10, 80, 80, 80],
         (W1, 22300.0, "CE"): [60, 115, 70, 70, 70],
         (W1, 21700.0, "PE"): [55, 5, 30, 30, 30]}
    load_market(mem_store, stamps, [22010] * 5, q, [(W1, "WEEKLY")])
    # 10:00 P&L = -(400-180) - (10-175) + (115-60) + (5-55) = -50 pts -> stop at 20% of 240
    rules = EntryRules(window_start=dt.time(9, 20), window_end=dt.time(15, 0),
                       reentry_same_day=True, max_reentries=1, reentry_cooldown_minutes=30)
    p = dataclasses.replace(plan(ExitRules(stop_loss_frac=0.2)), entry=rules, end=D1)
    res = run_backtest(p, mem_store, contracts())
    # stopped 10:00; cooldown 30 min -> first bar >= 10:30 is 11:00; second entry that day is the
    # last one allowed (1 + MaxReentries 1)
    assert [t.entry_ts.time() for t in res.trades] == [dt.time(9, 20), dt.time(11, 0)]
    assert res.trades[0].exit_reason is ExitReason.STOP_LOSS
    no_re = run_backtest(dataclasses.replace(p, entry=dataclasses.replace(rules, reentry_same_day=False)),
                         mem_store, contracts())
    assert len(no_re.trades) == 1


def _snap(**kw: object) -> VolSnapshot:
    nan = float("nan")
    base: dict[str, object] = dict(
        symbol="NIFTY", at=dt.datetime(2025, 1, 6, 10), lookback=252, chain_ts=None, spot=22000.0,
        atm_iv=0.14, atm_iv_7d=nan, atm_iv_30d=0.14, atm_iv_60d=nan, atm_iv_front=0.13,
        atm_iv_back=0.15, front_expiry=None, back_expiry=None, ivp=0.5, ivr=0.4,
        hv={HVMethod.CLOSE_TO_CLOSE: 0.12}, atr=150.0, atr_pct=0.6, iv_hv_ratio=0.14 / 0.12,
        term_slope=0.15, term_class=TermClass.CONTANGO, forward_vol=nan, rr25=-0.03,
        moneyness_skew=nan, vix=14.0, regime=Regime.MEDIUM, iv_crush=False, history_days=300,
        missing={})
    base.update(kw)
    return VolSnapshot(**base)  # type: ignore[arg-type]


def test_gate_reasons() -> None:
    assert gate_reason(_snap(), VolGate(ivp=(0.3, 0.7), ivr=(0.0, 1.0))) is None
    assert gate_reason(_snap(ivp=0.8), VolGate(ivp=(0.3, 0.7))) == "IVP 0.800 outside [0.3, 0.7]"
    assert gate_reason(_snap(ivp=float("nan"), missing={"ivp": "history shorter than 252 days"}),
                       VolGate(ivp=(0.3, 0.7))) == "IVP unavailable (history shorter than 252 days)"
    assert gate_reason(_snap(), VolGate(iv_hv=(1.2, 2.0))) == "IV/HV 1.167 outside [1.2, 2]"
    assert gate_reason(_snap(), VolGate(term=TermClass.BACKWARDATION)) == \
        "term structure CONTANGO, wanted BACKWARDATION"
    assert gate_reason(_snap(), VolGate(regime=Regime.HIGH)) == "volatility regime MEDIUM, wanted HIGH"
    assert gate_reason(_snap(), VolGate(max_abs_rr25=0.02)) == \
        "|25-delta risk reversal| 0.030 above 0.02"
    assert gate_reason(_snap(regime=None), VolGate(regime=Regime.LOW)).startswith(  # type: ignore[union-attr]
        "volatility regime unavailable")
    assert gate_reason(_snap(term_class=None), VolGate(term=TermClass.FLAT)).startswith(  # type: ignore[union-attr]
        "term structure unavailable")
    assert gate_reason(_snap(rr25=float("nan")), VolGate(max_abs_rr25=0.1)).startswith(  # type: ignore[union-attr]
        "25-delta risk reversal unavailable")
    assert not VolGate().active and VolGate(atr_pct=(0.2, 0.8)).active
    assert gate_reason(_snap(atr_pct=0.1), VolGate(atr_pct=(0.2, 0.8))) == \
        "ATR percentile 0.100 outside [0.2, 0.8]"


def test_regime_changes_logged() -> None:
    s = [dt.datetime(2025, 1, 6, 9, 20 + i) for i in range(4)]
    tl = _tl(s, [1.0] * 4, [1.0] * 4)
    # VIX 11 (LOW) -> 13 (MEDIUM) -> 13 -> 21 (HIGH): two changes
    got = regime_changes(tl, np.array([11.0, 13.0, 13.0, 21.0]), RegimeBands())
    assert [(g[1], g[2]) for g in got] == [("LOW", "MEDIUM"), ("MEDIUM", "HIGH")]
    assert regime_changes(tl, np.array([11.0] * 4), RegimeBands(basis="IVP")) == []


def test_run_log_lists_regime_changes_and_anomalies() -> None:
    from engine.results.result import BacktestResult
    from engine.results.tables import log_table
    from tests.unit.simulation.test_golden import plan as golden_plan

    res = BacktestResult(plan=golden_plan(ExitRules()))
    res.regime_changes.append((dt.datetime(2025, 1, 6, 10), "LOW", "MEDIUM", 12.5))
    res.anomalies.append("trade 1: stale quote")
    res.log.append("a note")
    headers, rows = log_table([res])
    assert headers == ["strategy", "kind", "ts", "line"]
    assert [r[1] for r in rows] == ["REGIME", "ANOMALY", "NOTE"]
    assert rows[0][3] == "volatility regime LOW -> MEDIUM (VIX 12.50)"


@pytest.mark.parametrize("gate_on", [True])
def test_volatility_gate_in_loop_skips_when_history_missing(mem_store: DuckDBStore,
                                                            gate_on: bool) -> None:
    load_market(mem_store, STAMPS, FLY_SPOT, FLY_QUOTES, [(W1, "WEEKLY")])
    p = dataclasses.replace(plan(ExitRules()), vol_gate=VolGate(ivp=(0.2, 0.8)))
    res = run_backtest(p, mem_store, contracts())
    assert res.trades == []
    assert res.skips and res.skips[0].reason.startswith("volatility filter: IVP unavailable")
