"""Several positions of one strategy, cycles keyed to their expiry, entry on a settlement day
(issue "Numbers a trader can trust", item 5), on an end-of-day market generated here.

The market: NIFTY daily bars (stamped 15:30) from 16 Dec 2024 to 28 Aug 2025, weekdays less
the NSE holidays of the span, listing only the monthly expiries of 2025 (last Thursdays: 30 Jan,
27 Feb, 27 Mar, 24 Apr, 29 May, 26 Jun, 31 Jul, 28 Aug), which are 4 and 5 weeks apart. Lot
sizes are the real ones (REFERENCE.md): the January 2025 monthly kept 25, the series from the
27 Feb 2025 monthly trade 75. Option closes are a Bachelier price on the 0.05 tick, so every
number below is recomputed from the same table by pandas.

The study, written as one strategy: a monthly iron fly, short strikes ATM at 35 DTE, wings 300
points, fill at the close, no costs, held to expiry (no target, stop or scheduled exit),
MaxOpenPositions 2. Entering 35 days before an expiry is the Thursday 5 weeks before it: the
day the previous monthly settles when the gap is 5 weeks (24 Apr, 26 Jun), a week before it
settles when the gap is 4 weeks, so two cycles overlap.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import yaml

from engine.api import plan_for
from engine.config.loader import load_config
from engine.data.duckdb_store import DuckDBStore
from engine.domain.contracts import load_contracts
from engine.domain.lifecycle import ExitReason
from engine.results.result import BacktestResult
from engine.simulation.loop import ContractInfo, run_backtest

MONTHLIES = [dt.date(2025, 1, 30), dt.date(2025, 2, 27), dt.date(2025, 3, 27),
             dt.date(2025, 4, 24), dt.date(2025, 5, 29), dt.date(2025, 6, 26),
             dt.date(2025, 7, 31), dt.date(2025, 8, 28)]
# lot per series, as REFERENCE.md states it (not read from engine/domain/data/contracts.csv)
LOT = {e: 25 if e == dt.date(2025, 1, 30) else 75 for e in MONTHLIES}
HOLIDAYS = {dt.date(2024, 12, 25), dt.date(2025, 2, 26), dt.date(2025, 3, 14),
            dt.date(2025, 3, 31), dt.date(2025, 4, 10), dt.date(2025, 4, 14),
            dt.date(2025, 4, 18), dt.date(2025, 5, 1), dt.date(2025, 8, 15)}
FIRST, LAST = dt.date(2024, 12, 16), dt.date(2025, 8, 28)
STRIKES = np.arange(17000.0, 29001.0, 50.0)
WING = 300.0
CLOSE = dt.time(15, 30)


def _days() -> list[dt.date]:
    out, d = [], FIRST
    while d <= LAST:
        if d.weekday() < 5 and d not in HOLIDAYS:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def _spot(n: int) -> np.ndarray:
    """A seeded daily path around 23,500 (0.9% a day), on the 0.05 tick."""
    rng = np.random.default_rng(15)
    path = 23500.0 * np.exp(np.cumsum(rng.normal(0.0, 0.009, n)))
    return np.round(path * 20) / 20


def _price(spot: float, strike: np.ndarray, call: bool, days: int) -> np.ndarray:
    """Bachelier price at 14% vol (at least one tick), on the 0.05 tick."""
    sd = spot * 0.14 * math.sqrt(max(days, 0) / 365.0)
    x = (spot - strike) if call else (strike - spot)
    if sd == 0:
        value = np.maximum(x, 0.0)
    else:
        d = x / sd
        cdf = 0.5 * (1.0 + np.vectorize(math.erf)(d / math.sqrt(2.0)))
        value = x * cdf + sd * np.exp(-0.5 * d * d) / math.sqrt(2 * math.pi)
    return np.maximum(np.round(value * 20) / 20, 0.05)


def _market() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(spot: day, close) and (options: day, expiry, strike, right, close), every listed
    monthly within 100 days, every strike of the grid."""
    days = _days()
    spot = _spot(len(days))
    rows: list[pd.DataFrame] = []
    for day, s in zip(days, spot, strict=True):
        for e in MONTHLIES:
            if not day <= e <= day + dt.timedelta(days=100):
                continue
            for right in ("CE", "PE"):
                rows.append(pd.DataFrame({
                    "day": day, "expiry": e, "strike": STRIKES, "right": right,
                    "close": _price(float(s), STRIKES, right == "CE", (e - day).days)}))
    return pd.DataFrame({"day": days, "close": spot}), pd.concat(rows, ignore_index=True)


def _load(store: DuckDBStore, spot: pd.DataFrame, options: pd.DataFrame) -> None:
    stamp = [dt.datetime.combine(d, CLOSE) for d in spot["day"]]
    n = len(stamp)
    opts = options.sort_values(["day", "expiry", "strike", "right"], kind="stable")
    ts = [dt.datetime.combine(d, CLOSE) for d in opts["day"]]
    m = len(ts)
    px = opts["close"].to_numpy()
    with store.load() as tx:
        tx.append("spot_bars", pa.table({
            "symbol": ["NIFTY"] * n, "bar_minutes": pa.array([1440] * n, pa.int16()),
            "ts": stamp, "open": spot["close"], "high": spot["close"], "low": spot["close"],
            "close": spot["close"]}))
        tx.append("option_bars", pa.table({
            "symbol": ["NIFTY"] * m, "expiry": list(opts["expiry"]),
            "strike": opts["strike"].to_numpy(), "right": list(opts["right"]),
            "bar_minutes": pa.array([1440] * m, pa.int16()), "ts": ts,
            "open": px, "high": px, "low": px, "close": px}))
        tx.append("expiries", pa.table({
            "symbol": ["NIFTY"] * len(MONTHLIES), "expiry": MONTHLIES,
            "kind": ["MONTHLY"] * len(MONTHLIES), "source": ["DATA"] * len(MONTHLIES)}))


@pytest.fixture(scope="module")
def eod() -> Any:
    spot, options = _market()
    store = DuckDBStore(":memory:")
    _load(store, spot, options)
    yield store, spot, options
    store.close()


def _strategy(max_open: int, dtes: list[int], short_dte: int = 35) -> dict[str, Any]:
    return {
        "strategy_name": "EOD_Monthly_IronFly", "position_type": "MONTHLY",
        "strategy_subtype": "IRON_FLY", "short_leg_dte": short_dte, "wing_width_pts": WING,
        "roll_frequency": "CUSTOM", "custom_dte_list": dtes,
        "backtest": {"symbol": "NIFTY", "bar_interval": "1d", "start_date": FIRST.isoformat(),
                     "end_date": LAST.isoformat(), "lots": 1},
        # SkipExpiryDayEntry off only for a 0-DTE short leg (it blocks its own expiry day)
        "entry_rules": {"use_event_blackout": False, "skip_expiry_day": short_dte != 0},
        "volatility_filter": {"use_ivp": False, "use_ivr": False, "use_atr_percentile": False,
                              "use_iv_hv_ratio": False},
        "exit_rules": {"hold_to_expiry": True, "profit_target": None, "stop_loss": None,
                       "use_trailing_profit": False},
        "costs": {"fill_model": "CLOSE", "cost_preset": "NONE", "slippage_value": 0},
        "position_limits": {"max_open_positions": max_open},
    }


def _run(store: DuckDBStore, tmp_path: Path, max_open: int, dtes: list[int],
         short_dte: int = 35) -> BacktestResult:
    path = tmp_path / "eod.yaml"
    path.write_text(yaml.safe_dump({"strategies": [_strategy(max_open, dtes, short_dte)]}),
                    "utf-8")
    (cfg,) = load_config(path).configs()
    plan = plan_for(cfg, store, None, None)
    return run_backtest(plan, store, ContractInfo.from_master(load_contracts(), "NIFTY"))


def _reference(spot: pd.DataFrame, options: pd.DataFrame, entries: dict[dt.date, dt.date]
               ) -> pd.DataFrame:
    """The trades by hand: for each (expiry -> entry day), ATM = the listed strike nearest the
    entry-day close (ties to the lower), sell K CE + K PE, buy K+300 CE and K-300 PE at the
    closes, settle each at its intrinsic value against the index close on the expiry day."""
    close = spot.set_index("day")["close"]
    px = options.set_index(["day", "expiry", "strike", "right"])["close"]
    out = []
    for expiry, day in entries.items():
        s0, s1 = float(close[day]), float(close[expiry])
        listed = options[(options["day"] == day) & (options["expiry"] == expiry)]["strike"]
        strikes = np.unique(listed.to_numpy())
        k = float(strikes[np.argmin(np.abs(strikes - s0))])  # argmin: the lower on a tie
        legs = [(k, "CE", -1), (k, "PE", -1), (k + WING, "CE", 1), (k - WING, "PE", 1)]
        premium = sum(-q * float(px[(day, expiry, kk, r)]) for kk, r, q in legs)
        value = sum(-q * max(s1 - kk if r == "CE" else kk - s1, 0.0) for kk, r, q in legs)
        out.append({"entry": day, "expiry": expiry, "atm": k, "premium_pts": premium,
                    "settle_pts": value, "pnl_inr": (premium - value) * LOT[expiry]})
    return pd.DataFrame(out)


def _engine_rows(res: BacktestResult) -> pd.DataFrame:
    fills = pd.DataFrame([{"trade": f.trade_id, "kind": f.kind, "strike": f.strike,
                           "right": f.right, "qty": f.qty_units, "price": f.price_pts,
                           "expiry": f.expiry} for f in res.fills])
    rows = []
    for t in res.trades:
        f = fills[fills["trade"] == t.trade_id]
        entry, settle = f[f["kind"] != "SETTLEMENT"], f[f["kind"] == "SETTLEMENT"]
        units = int(entry["qty"].abs().min())
        rows.append({
            "entry": t.entry_ts.date(), "expiry": entry["expiry"].iloc[0],
            "atm": float(entry[entry["qty"] < 0]["strike"].iloc[0]),
            "strikes": sorted(zip(entry["strike"], entry["right"], entry["qty"] // units,
                                  strict=True)),
            "premium_pts": t.premium_inr / units,
            "settle_pts": float((settle["qty"] * settle["price"]).sum()) / units,  # paid to close
            "units": units, "pnl_inr": t.pnl_net_inr, "exit": t.exit_ts.date(),
            "reason": t.exit_reason})
    return pd.DataFrame(rows)


def test_the_monthly_iron_fly_enters_every_cycle_and_matches_pandas(
        eod: Any, tmp_path: Path) -> None:
    store, spot, options = eod
    res = _run(store, tmp_path, 2, [35])
    got = _engine_rows(res)
    # every cycle, entered 35 calendar days before its expiry; 24 Apr and 26 Jun are the days
    # the previous monthly settles (5-week gaps), 23 Jan, 20 Feb, 20 Mar, 22 May and 24 Jul
    # are a week before it does (4-week gaps), when two positions are open at once
    entries = {e: e - dt.timedelta(days=35) for e in MONTHLIES}
    assert list(entries.values()) == [
        dt.date(2024, 12, 26), dt.date(2025, 1, 23), dt.date(2025, 2, 20), dt.date(2025, 3, 20),
        dt.date(2025, 4, 24), dt.date(2025, 5, 22), dt.date(2025, 6, 26), dt.date(2025, 7, 24)]
    assert got["entry"].tolist() == list(entries.values())
    assert got["expiry"].tolist() == MONTHLIES
    assert got["exit"].tolist() == MONTHLIES
    assert set(got["reason"]) == {ExitReason.EXPIRY}
    assert got["units"].tolist() == [LOT[e] for e in MONTHLIES]  # 25, then 75 from Feb 2025
    overlap = [(a, b) for a, b in zip(got["expiry"][:-1], got["entry"][1:], strict=True)
               if b < a]
    assert len(overlap) == 5  # five entries while the previous cycle is still open
    ref = _reference(spot, options, entries)
    assert got["atm"].tolist() == ref["atm"].tolist()
    for row, k in zip(got["strikes"], ref["atm"], strict=True):
        assert row == sorted([(k, "CE", -1), (k, "PE", -1), (k + WING, "CE", 1),
                              (k - WING, "PE", 1)])
    assert got["premium_pts"].tolist() == pytest.approx(ref["premium_pts"].tolist(), abs=1e-9)
    assert got["settle_pts"].tolist() == pytest.approx(ref["settle_pts"].tolist(), abs=1e-9)
    assert got["pnl_inr"].tolist() == pytest.approx(ref["pnl_inr"].tolist(), abs=1e-6)
    # the study has both outcomes: a settlement inside the wings and one at a wing's full value
    assert (ref["pnl_inr"] > 0).any() and (ref["pnl_inr"] < 0).any()
    # no costs: net = gross; the equity ends at capital + the sum of the trades' P&L
    assert [t.costs_inr for t in res.trades] == [0.0] * len(MONTHLIES)
    assert res.equity_inr[-1] == pytest.approx(1_000_000 + ref["pnl_inr"].sum(), abs=1e-6)
    # return on margin is over the most margin blocked at once: two positions overlap for a
    # week after 23 Jan, 20 Feb, 20 Mar, 22 May and 24 Jul (a cycle settling on the day the
    # next enters no longer counts)
    t = pd.DataFrame([{"entry": x.entry_ts.date(), "exit": x.exit_ts.date(),
                       "margin": x.margin_inr} for x in res.trades])
    blocked = [t[(t["entry"] <= d) & (t["exit"] > d)]["margin"].sum() for d in t["entry"]]
    assert max(blocked) > t["margin"].max()
    assert res.metrics is not None
    assert res.metrics.return_on_margin == pytest.approx(ref["pnl_inr"].sum() / max(blocked),
                                                         rel=1e-12)


def test_one_open_position_enters_the_next_cycle_on_the_settlement_bar(
        eod: Any, tmp_path: Path) -> None:
    # MaxOpenPositions 1 and entries at 35 or 28 DTE: each monthly settles on the bar where
    # the next cycle, 28 (4-week gap) or 35 (5-week gap) days away, is entered. Before the fix
    # the search resumed the day after a settlement (27 or 34 DTE: no entry), so only every
    # other cycle traded.
    store, spot, options = eod
    res = _run(store, tmp_path, 1, [28, 35])
    got = _engine_rows(res)
    assert got["entry"].tolist() == [dt.date(2024, 12, 26), *MONTHLIES[:-1]]
    assert got["expiry"].tolist() == MONTHLIES
    assert got["exit"].tolist() == MONTHLIES
    ref = _reference(spot, options, dict(zip(MONTHLIES, got["entry"], strict=True)))
    assert got["pnl_inr"].tolist() == pytest.approx(ref["pnl_inr"].tolist(), abs=1e-6)
    # never two at once: each entry is at or after the previous exit
    assert all(b >= a for a, b in zip(got["exit"][:-1], got["entry"][1:], strict=True))


def test_two_open_positions_are_never_on_one_expiry_cycle(eod: Any, tmp_path: Path) -> None:
    # entries at 28 or 35 DTE with MaxOpenPositions 2: the 27 Feb cycle is entered on 23 Jan
    # (35 DTE); on 30 Jan (28 DTE to it, the January monthly settling) a second position on
    # the same expiry would fit under the limit, but a cycle holds one position: skipped
    store, _, _ = eod
    res = _run(store, tmp_path, 2, [28, 35])
    got = _engine_rows(res)
    assert got["expiry"].tolist() == MONTHLIES  # one position per cycle
    assert len(set(got["expiry"])) == len(got)
    held = [s for s in res.skips if "already has a position open" in s.reason]
    assert held, [s.reason for s in res.skips][:20]
    assert all(s.reason.startswith("expiry cycle 2025-") for s in held)


def test_the_step_is_a_pure_fold_over_the_event_bars(eod: Any, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # run_backtest folds step(state, bar, market) -> (state, events): every call must leave
    # the state it was given as it was, and bars are visited in order, each once, only where
    # an entry is tried or a position exits
    import engine.simulation.loop as loop
    from engine.simulation.events import Entered, Exited, Noted, RunState, Skipped

    calls: list[tuple[int, int, int]] = []
    real = loop.step

    def checked(state: RunState, bar: int, m: Any) -> tuple[RunState, list[Any]]:
        before = (state.realized_inr.copy(), state.open, state.resume, state.trade_id,
                  dict(state.entries_by_day), state.settled)
        new, events = real(state, bar, m)
        assert np.array_equal(state.realized_inr, before[0])
        assert (state.open, state.resume, state.trade_id, dict(state.entries_by_day),
                state.settled) == before[1:]
        assert new is not state
        assert all(isinstance(e, Entered | Exited | Skipped | Noted) for e in events)
        assert len(new.open) <= 2 and len({p.cycle for p in new.open}) == len(new.open)
        calls.append((bar, len(new.open), sum(isinstance(e, Entered) for e in events)))
        return new, events

    monkeypatch.setattr(loop, "step", checked)
    res = _run(eod[0], tmp_path, 2, [35])
    bars = [b for b, _, _ in calls]
    assert bars == sorted(set(bars))                      # in time order, each bar once
    assert len(bars) <= len(res.equity_dates)             # at most one step a day here
    assert sum(n for _, _, n in calls) == len(res.trades) == len(MONTHLIES)
    assert max(n for _, n, _ in calls) == 2               # two open at once
    assert calls[-1][1] == 0                              # the last step closes the last one


def test_a_cycle_that_settles_at_the_bar_is_not_entered_again_there(eod: Any,
                                                                    tmp_path: Path) -> None:
    # 0 DTE at daily bars: each expiry day's only bar (15:30) opens that day's monthly and
    # settles it at once (as before). The search then resumes on that same settlement bar,
    # where the same cycle must not be entered again (it would settle again, for ever)
    store, spot, options = eod
    res = _run(store, tmp_path, 1, [0], short_dte=0)
    got = _engine_rows(res)
    assert got["entry"].tolist() == MONTHLIES and got["exit"].tolist() == MONTHLIES
    again = [s for s in res.skips if "settles at this bar" in s.reason]
    assert [s.ts.date() for s in again] == MONTHLIES
    assert again[0].reason == "expiry cycle 2025-01-30 settles at this bar"
    # a zero-length trade: entry premium at the close, settlement at intrinsic, same bar
    ref = _reference(spot, options, {e: e for e in MONTHLIES})
    assert got["pnl_inr"].tolist() == pytest.approx(ref["pnl_inr"].tolist(), abs=1e-6)
