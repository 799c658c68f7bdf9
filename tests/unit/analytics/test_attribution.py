"""Attribution buckets by hand and by pandas; IVP/IVR bucket edges; the timing correlation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from engine.analytics.attribution import (
    NA,
    UNKNOWN,
    EntryConditions,
    attribute,
    bucket_label,
    bucket_labels,
    conditions_table,
    group,
)


def _c(tid: int, pnl: float, regime: str, ivp: float, ivr: float, term: str, weekday: str,
       adjustment: str = "none", stayed: bool | None = None,
       ended: bool | None = None) -> EntryConditions:
    return EntryConditions(trade_id=tid, vix=15.0, regime=regime, ivp=ivp, ivr=ivr, term=term,
                           term_slope=0.05, weekday=weekday, adjustment=adjustment,
                           pnl_inr=pnl, be_lower=21800.0 if stayed is not None else math.nan,
                           be_upper=22200.0 if stayed is not None else math.nan,
                           stayed_inside=stayed, ended_inside=ended)


TRADES = [
    _c(1, 1000.0, "LOW", 0.05, 0.10, "CONTANGO", "Mon", stayed=True, ended=True),
    _c(2, -400.0, "LOW", 0.21, 0.35, "CONTANGO", "Mon", "ROLL", stayed=False, ended=True),
    _c(3, 2500.0, "MEDIUM", 0.60, 0.59, "FLAT", "Tue", stayed=True, ended=True),
    _c(4, -3000.0, "HIGH", 0.95, 1.00, "BACKWARDATION", "Wed", "HEDGE+ROLL", stayed=False,
       ended=False),
    _c(5, 700.0, UNKNOWN, math.nan, math.nan, UNKNOWN, "Mon"),
    _c(6, 300.0, "MEDIUM", 0.45, 0.41, "CONTANGO", "Fri", "ROLL", stayed=True, ended=False),
]


def test_bucket_edges_go_to_the_upper_bucket_and_nan_is_na() -> None:
    assert bucket_label(0.0, 5) == "0-20%"
    assert bucket_label(0.2, 5) == "20-40%"            # an edge belongs to the upper bucket
    assert bucket_label(0.1 * 6, 5) == "60-80%"        # 0.6000000000000001
    assert bucket_label(0.59999999999999, 5) == "60-80%"  # a rounding step below the edge
    assert bucket_label(0.5999, 5) == "40-60%"
    assert bucket_label(1.0, 5) == "80-100%"           # the top value in the top bucket
    assert bucket_label(0.95, 10) == "90-100%"
    assert bucket_label(math.nan, 10) == NA
    assert bucket_labels(5) == ("0-20%", "20-40%", "40-60%", "60-80%", "80-100%", NA)


def test_every_dimension_sums_to_the_total_and_matches_pandas() -> None:
    a = attribute("S", TRADES)
    total = 1000 - 400 + 2500 - 3000 + 700 + 300  # 1,100
    for buckets in (a.by_regime, a.by_term, a.by_ivp, a.by_ivr, a.by_weekday, a.by_adjustment,
                    a.ivp_deciles, a.ivr_deciles):
        assert sum(b.pnl_inr for b in buckets) == pytest.approx(total)
        assert sum(b.trades for b in buckets) == len(TRADES)
    frame = pd.DataFrame({"regime": [t.regime for t in TRADES],
                          "pnl": [t.pnl_inr for t in TRADES]})
    by = frame.groupby("regime")["pnl"].agg(["sum", "count", lambda s: (s > 0).mean()])
    got = {b.label: b for b in a.by_regime}
    for regime, row in by.iterrows():
        assert got[str(regime)].pnl_inr == pytest.approx(row["sum"])
        assert got[str(regime)].trades == row["count"]
        assert got[str(regime)].win_rate == pytest.approx(row["<lambda_0>"])
    # the regimes in order, EXTREME kept (no trade), UNKNOWN last
    assert [b.label for b in a.by_regime] == ["LOW", "MEDIUM", "HIGH", "EXTREME", UNKNOWN]
    assert got["EXTREME"].trades == 0 and got["EXTREME"].mean_inr is None
    # LOW: 1000 - 400 = 600 over 2 trades, mean 300, one winner of two
    assert (got["LOW"].pnl_inr, got["LOW"].mean_inr, got["LOW"].win_rate) == (600, 300, 0.5)


def test_ivp_quintiles_deciles_weekday_and_adjustment_by_hand() -> None:
    a = attribute("S", TRADES)
    ivp = {b.label: (b.trades, b.pnl_inr) for b in a.by_ivp}
    # IVP 0.05 -> 0-20%; 0.21 -> 20-40%; 0.45 -> 40-60%; 0.60 -> 60-80%; 0.95 -> 80-100%
    assert ivp == {"0-20%": (1, 1000), "20-40%": (1, -400), "40-60%": (1, 300),
                   "60-80%": (1, 2500), "80-100%": (1, -3000), NA: (1, 700)}
    ivr = {b.label: (b.trades, b.pnl_inr) for b in a.by_ivr}
    # IVR 0.10 -> 0-20; 0.35 and 0.59 -> 20-40 and 40-60; 0.41 -> 40-60; 1.00 -> 80-100
    assert ivr["40-60%"] == (2, 2800) and ivr["80-100%"] == (1, -3000)
    assert ivr["60-80%"] == (0, 0)  # kept, empty
    dec = {b.label: b for b in a.ivp_deciles}
    assert dec["90-100%"].mean_inr == -3000 and dec["20-30%"].trades == 1
    assert len(a.ivp_deciles) == 11  # ten deciles and n/a
    days = {b.label: (b.trades, b.pnl_inr) for b in a.by_weekday}
    assert days == {"Mon": (3, 1300), "Tue": (1, 2500), "Wed": (1, -3000), "Thu": (0, 0),
                    "Fri": (1, 300)}
    adj = {b.label: (b.trades, b.pnl_inr) for b in a.by_adjustment}
    assert adj == {"none": (3, 1000 + 2500 + 700), "ROLL": (2, -100), "HEDGE+ROLL": (1, -3000)}


def test_breakeven_success_by_regime_by_hand() -> None:
    a = attribute("S", TRADES)
    be = {regime: (n, stayed, ended) for regime, n, stayed, ended in a.breakeven}
    # LOW: trades 1 (stayed, ended inside) and 2 (left, ended inside): 1/2 stayed, 2/2 ended
    assert be["LOW"] == (2, 0.5, 1.0)
    # MEDIUM: 3 (stayed, ended) and 6 (stayed, ended outside): 2/2 stayed, 1/2 ended
    assert be["MEDIUM"] == (2, 1.0, 0.5)
    assert be["HIGH"] == (1, 0.0, 0.0)
    assert be["EXTREME"] == (0, None, None)
    assert UNKNOWN not in be  # trade 5 has no band


def test_entry_timing_spearman_equals_pearson_of_ranks() -> None:
    a = attribute("S", TRADES)
    finite = [t for t in TRADES if not math.isnan(t.ivp)]
    ranks_x = pd.Series([t.ivp for t in finite]).rank().to_numpy()
    ranks_y = pd.Series([t.pnl_inr for t in finite]).rank().to_numpy()
    # IVP ranks 1..5 = trades 1, 2, 6, 3, 4; P&L ranks: 4, 2, 3, 5, 1
    assert a.ivp_spearman == pytest.approx(float(np.corrcoef(ranks_x, ranks_y)[0, 1]))
    assert a.ivp_spearman == pytest.approx(1 - 6 * (9 + 0 + 0 + 1 + 16) / (5 * 24))  # -0.3
    assert a.ivp_spearman_p is not None and 0 < a.ivp_spearman_p <= 1
    few = attribute("S", TRADES[:2])
    assert few.ivp_spearman is None  # fewer than 3 pairs


def test_no_trade_and_unknown_labels_outside_the_order() -> None:
    empty = attribute("S", [])
    assert all(b.trades == 0 for b in empty.by_regime)
    assert empty.by_adjustment == []
    assert [b.label for b in group([("x", 1.0), ("b", 2.0)], ("b",))] == ["b", "x"]


def test_conditions_table_blanks_missing_values() -> None:
    headers, rows = conditions_table([attribute("S", TRADES)])
    assert headers[:3] == ["strategy", "trade_id", "pnl_net_inr"]
    fifth = dict(zip(headers, rows[4], strict=True))
    assert fifth["ivp"] is None and fifth["regime"] == UNKNOWN and fifth["stayed_inside"] is None


def test_sheet_of_a_strategy_without_trades_says_so_and_one_with_trades_has_two_charts() -> None:
    from openpyxl import Workbook

    from engine.analytics.attrib_sheets import write_attribution

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    write_attribution(ws, [attribute("Idle", []), attribute("S", TRADES)])
    assert ws["A1"].value == "Attribution: Idle (0 trades, net P&L 0 INR)"
    assert ws["A3"].value == "no trade in this run: nothing to attribute"
    assert ws["A5"].value == "Attribution: S (6 trades, net P&L 1,100 INR)"
    assert len(ws._charts) == 2  # P&L by regime, mean P&L by IVP decile
    formats = {c.number_format for row in ws.iter_rows(min_row=7, max_row=12) for c in row
               if isinstance(c.value, float | int) and not isinstance(c.value, bool)}
    assert "#,##0;[Red]-#,##0" in formats and "0%" in formats
