"""The exchange's listing: NSE lists 4 weeklies and 3 serial monthlies at a time, and the engine
picks only expiries listed on the decision day (no lookahead to a weekly not yet listed).

Expected lists are written out by hand from NSE's 2025 calendar: NIFTY weeklies expire on
Thursday (Tuesday from September 2025), the monthly on the month's last Thursday; holidays
moving an expiry back: 10 Apr (Mahavir Jayanti, so 9 Apr), 1 May (Maharashtra Day, so 30 Apr);
14 Mar (Holi) is a closed Friday.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.data.duckdb_store import DuckDBStore
from engine.data.synthetic.generate import generate_market
from engine.data.synthetic.spec import MarketSpec, market_spec
from engine.domain.calendar import load_calendar
from engine.domain.contracts import load_contracts
from engine.domain.expiries import exchange_listing, listed_expiries
from engine.domain.structures import Right, Side
from engine.errors import StoreError
from engine.market.view import MarketView
from engine.simulation.loop import ContractInfo, run_backtest
from engine.strategy.plan import (
    EntryRules,
    ExpiryMethod,
    ExpiryRule,
    LegSpec,
    StrategyPlan,
    StrikeMethod,
    StrikeRule,
)
from engine.strategy.selection import SelectionError, select_expiry

D = dt.date
W, M = "WEEKLY", "MONTHLY"

# What NSE lists for NIFTY on each day (today's expiry included until 15:30): 4 weeklies
# besides the monthlies, and the 3 serial monthlies.
NSE_NIFTY_2025 = {
    # Monday 3 Mar: weeklies 6, 13, 20 Mar and 3 Apr (27 Mar is the monthly, not a weekly)
    D(2025, 3, 3): [(D(2025, 3, 6), W), (D(2025, 3, 13), W), (D(2025, 3, 20), W),
                    (D(2025, 3, 27), M), (D(2025, 4, 3), W), (D(2025, 4, 24), M),
                    (D(2025, 5, 29), M)],
    # Thursday 6 Mar, an expiry day: 6 Mar is still listed, 9 Apr not yet
    D(2025, 3, 6): [(D(2025, 3, 6), W), (D(2025, 3, 13), W), (D(2025, 3, 20), W),
                    (D(2025, 3, 27), M), (D(2025, 4, 3), W), (D(2025, 4, 24), M),
                    (D(2025, 5, 29), M)],
    # Friday 7 Mar: 6 Mar has expired, the new weekly is 9 Apr (Thursday 10 Apr is a holiday)
    D(2025, 3, 7): [(D(2025, 3, 13), W), (D(2025, 3, 20), W), (D(2025, 3, 27), M),
                    (D(2025, 4, 3), W), (D(2025, 4, 9), W), (D(2025, 4, 24), M),
                    (D(2025, 5, 29), M)],
    # Monday 17 Mar (Friday 14 Mar was Holi): 13 Mar expired, 17 Apr listed
    D(2025, 3, 17): [(D(2025, 3, 20), W), (D(2025, 3, 27), M), (D(2025, 4, 3), W),
                     (D(2025, 4, 9), W), (D(2025, 4, 17), W), (D(2025, 4, 24), M),
                     (D(2025, 5, 29), M)],
    # Thursday 27 Mar, the monthly's expiry day: still 3 monthlies (27 Mar, 24 Apr, 29 May);
    # weeklies 3, 9, 17 and 30 Apr (Thursday 1 May is a holiday)
    D(2025, 3, 27): [(D(2025, 3, 27), M), (D(2025, 4, 3), W), (D(2025, 4, 9), W),
                     (D(2025, 4, 17), W), (D(2025, 4, 24), M), (D(2025, 4, 30), W),
                     (D(2025, 5, 29), M)],
    # Friday 28 Mar: the June monthly (26 Jun) is listed
    D(2025, 3, 28): [(D(2025, 4, 3), W), (D(2025, 4, 9), W), (D(2025, 4, 17), W),
                     (D(2025, 4, 24), M), (D(2025, 4, 30), W), (D(2025, 5, 29), M),
                     (D(2025, 6, 26), M)],
    # Friday 25 Apr, the day after the April monthly: the third monthly, 31 Jul, is 97 days
    # out (past a 90-day horizon); weeklies 30 Apr (Thursday 1 May closed), 8, 15, 22 May
    D(2025, 4, 25): [(D(2025, 4, 30), W), (D(2025, 5, 8), W), (D(2025, 5, 15), W),
                     (D(2025, 5, 22), W), (D(2025, 5, 29), M), (D(2025, 6, 26), M),
                     (D(2025, 7, 31), M)],
}


def test_default_spec_lists_as_nse_does() -> None:
    spec = market_spec(["NIFTY"])
    assert (spec.weeklies_listed, spec.monthlies_listed) == (4, 3)
    assert spec.horizon_days >= 97  # reaches the third monthly on 25 Apr 2025 (below)


@pytest.mark.parametrize("day", sorted(NSE_NIFTY_2025))
def test_listing_calendar_matches_hand_listed_nse_expiries(day: dt.date) -> None:
    spec = market_spec(["NIFTY"])
    master, nse = load_contracts(), load_calendar("NSE")
    generated = listed_expiries("NIFTY", day, spec.horizon_days, master, nse, include_on=True)
    got = exchange_listing(generated, spec.weeklies_listed, spec.monthlies_listed)
    assert [(e.date, e.kind.value) for e in got] == NSE_NIFTY_2025[day]


# -- a generated store: 3 Mar .. 17 Mar 2025 (10 trading days, 14 Mar closed) ------------------

WINDOW = [D(2025, 3, d) for d in (3, 4, 5, 6, 7, 10, 11, 12, 13, 17)]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> DuckDBStore:
    path = Path(tmp_path_factory.mktemp("listing")) / "m.duckdb"
    spec: MarketSpec = market_spec(["NIFTY"], start=D(2025, 3, 3), days=10, history_days=0,
                                   interval_minutes=15, strikes_each_side=4, seed=3)
    s = DuckDBStore(path)
    generate_market(spec, s)
    return s


def test_store_keeps_each_expirys_first_listed_day(store: DuckDBStore) -> None:
    rows = store.sql("SELECT expiry, listed_from FROM expiries ORDER BY expiry").to_pylist()
    got = {r["expiry"]: r["listed_from"] for r in rows}
    # listed on the first window day: everything in NSE_NIFTY_2025[3 Mar]
    first_day = {e: D(2025, 3, 3) for e, _ in NSE_NIFTY_2025[D(2025, 3, 3)]}
    # 9 Apr appears the day after 6 Mar expires, 17 Apr the trading day after 13 Mar
    assert got == {**first_day, D(2025, 4, 9): D(2025, 3, 7), D(2025, 4, 17): D(2025, 3, 17)}
    assert [d.date() for d in _bar_days(store, D(2025, 4, 9))] == WINDOW[4:]


def _bar_days(store: DuckDBStore, expiry: dt.date) -> list[dt.datetime]:
    t = store.sql("SELECT DISTINCT date_trunc('day', ts) AS d FROM option_bars "
                  "WHERE expiry = ? AND bar_minutes = 15 ORDER BY d", [expiry])
    return list(t.column("d").to_pylist())


def test_market_view_offers_only_what_is_listed_that_day(store: DuckDBStore) -> None:
    mv = MarketView(store, "NIFTY", 15)
    for day in (D(2025, 3, 3), D(2025, 3, 6), D(2025, 3, 7), D(2025, 3, 17)):
        assert mv.listed_expiries(day) == NSE_NIFTY_2025[day]
    # unfiltered: every expiry the store knows, 9 Apr and 17 Apr included
    assert len(mv.listed_expiries()) == 9


def test_no_lookahead_chosen_expiry_has_bars_on_the_decision_day(store: DuckDBStore) -> None:
    mv = MarketView(store, "NIFTY", 15)
    rules = [ExpiryRule(ExpiryMethod.DTE, v) for v in (0, 3, 7, 14, 21, 30, 37, 41, 45, 60, 80)]
    rules += [ExpiryRule(ExpiryMethod.DTE, v, at_or_beyond=True) for v in (7, 30, 60)]
    rules += [ExpiryRule(ExpiryMethod.WEEKLY_INDEX, i) for i in range(7)]
    rules += [ExpiryRule(ExpiryMethod.MONTHLY_INDEX, i) for i in range(3)]
    by_expiry = {e: {d.date() for d in _bar_days(store, e)} for e, _ in mv.listed_expiries()}
    checked = 0
    for day in WINDOW:
        for rule in rules:
            try:
                chosen = select_expiry(mv.listed_expiries(day), day, rule)
            except SelectionError:
                continue
            assert day in by_expiry[chosen], (day, rule, chosen)
            checked += 1
    assert checked >= len(WINDOW) * 20


def test_41_dte_leg_takes_the_listed_monthly_not_the_unlisted_weekly(store: DuckDBStore) -> None:
    # Friday 7 Mar + 41 days = 17 Apr, a weekly listed only from 17 Mar. Among what is listed
    # on 7 Mar: 9 Apr is 8 days from the target, the monthly 24 Apr 7 days -> 24 Apr.
    on = D(2025, 3, 7)
    mv = MarketView(store, "NIFTY", 15)
    rule = ExpiryRule(ExpiryMethod.DTE, 41)
    assert select_expiry(mv.listed_expiries(), on, rule) == D(2025, 4, 17)  # lookahead
    assert select_expiry(mv.listed_expiries(on), on, rule) == D(2025, 4, 24)
    leg = LegSpec("long_call", Right.CE, Side.BUY, StrikeRule(StrikeMethod.ATM), rule)
    plan = StrategyPlan(name="listing", symbol="NIFTY", legs=(leg,), start=on, end=on,
                        bar_minutes=15, entry=EntryRules(window_start=dt.time(9, 30),
                                                         window_end=dt.time(9, 30)))
    res = run_backtest(plan, store, ContractInfo.from_master(load_contracts(), "NIFTY"))
    assert len(res.trades) == 1
    assert {f.expiry for f in res.fills} == {D(2025, 4, 24)}


def test_a_leg_beyond_what_is_listed_is_skipped_with_the_reason(store: DuckDBStore) -> None:
    # 3 Mar + 120 days = 1 Jul; the farthest listed is the May monthly (29 May, 87 DTE)
    on = D(2025, 3, 3)
    leg = LegSpec("long_call", Right.CE, Side.BUY, StrikeRule(StrikeMethod.ATM),
                  ExpiryRule(ExpiryMethod.DTE, 120))
    plan = StrategyPlan(name="far", symbol="NIFTY", legs=(leg,), start=on, end=on,
                        bar_minutes=15, entry=EntryRules(window_start=dt.time(9, 30),
                                                         window_end=dt.time(9, 30)))
    res = run_backtest(plan, store, ContractInfo.from_master(load_contracts(), "NIFTY"))
    assert res.trades == []
    assert [s.reason for s in res.skips] == [
        "no listed expiry near 120 DTE on 2025-03-03 (the farthest listed is 2025-05-29, 87 DTE)"]
    with pytest.raises(SelectionError, match="3 monthlies listed"):
        select_expiry(MarketView(store, "NIFTY", 15).listed_expiries(on), on,
                      ExpiryRule(ExpiryMethod.MONTHLY_INDEX, 3))


class _OldStore:
    """A store written before ``expiries.listed_from`` (opened read-only: not migrated)."""

    def __init__(self, inner: DuckDBStore, message: str) -> None:
        self.inner, self.message = inner, message

    def query(self, name: str, params: dict[str, object] | None = None) -> object:
        if name == "expiry_listing":
            raise StoreError(self.message)
        return self.inner.query(name, params)


def test_a_store_without_listing_days_lists_every_expiry_until_it_expires(
        store: DuckDBStore) -> None:
    old = _OldStore(store, "query 'expiry_listing' failed: Binder Error: Referenced column "
                           '"listed_from" not found')
    mv = MarketView(old, "NIFTY", 15)  # type: ignore[arg-type]
    on = D(2025, 3, 3)
    # all 9 stored expiries are on or after 3 Mar, 9 Apr and 17 Apr included (not known)
    assert len(mv.listed_expiries(on)) == 9
    broken = MarketView(_OldStore(store, "database is closed"), "NIFTY", 15)  # type: ignore[arg-type]
    with pytest.raises(StoreError, match="closed"):
        broken.listed_expiries(on)
