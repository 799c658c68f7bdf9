"""Walk-forward on constructed daily P&L: windows, the chosen variant, the stitched equity
summed by hand, bad input, and the BT_WalkForward chart read back from its XML."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from engine.analytics.sensi_sheets import write_walkforward
from engine.analytics.walkforward import WalkSpec, add_months, parse_walk_spec, walk_forward
from engine.analytics.window_metrics import ClosedTrade
from engine.errors import PosbtError
from engine.results.excel import write_sheet_writers
from tests.unit.results.test_charts import _series

# two days a month (the 5th and the 20th), January to June 2024, per-day net P&L (INR)
MONTHLY = {0: {1: 100.0, 2: 100.0, 3: -50.0, 4: -50.0, 5: 10.0, 6: 0.0},
           1: {1: -10.0, 2: 0.0, 3: 200.0, 4: 30.0, 5: -40.0, 6: 5.0}}
DAILY = {v: {dt.date(2024, m, d).isoformat(): x for m, x in months.items() for d in (5, 20)}
         for v, months in MONTHLY.items()}


def test_each_window_trades_the_in_sample_best_and_the_equity_is_stitched() -> None:
    wf = walk_forward(DAILY, WalkSpec(2, 1))
    # in-sample sums (2 days a month):
    #  1: Jan-Feb  v0 2*(100+100) = 400, v1 2*(-10+0) = -20 -> v0; out Mar: v0 2*-50 = -100
    #  2: Feb-Mar  v0 200 - 100 = 100,   v1 0 + 400 = 400   -> v1; out Apr: v1 2*30 = 60
    #  3: Mar-Apr  v0 -100 - 100 = -200, v1 400 + 60 = 460  -> v1; out May: v1 2*-40 = -80
    #  4: Apr-May  v0 -100 + 20 = -80,   v1 60 - 80 = -20   -> v1; out Jun: v1 2*5 = 10
    #  no 5th: its out-of-sample month, July, starts after the last day (20 Jun)
    got = [(w.number, w.chosen, w.is_metric, w.oos_pnl_inr, w.is_days, w.oos_days)
           for w in wf.windows]
    assert got == [(1, 0, 400.0, -100.0, 4, 2), (2, 1, 400.0, 60.0, 4, 2),
                   (3, 1, 460.0, -80.0, 4, 2), (4, 1, -20.0, 10.0, 4, 2)]
    w1 = wf.windows[0]
    assert (w1.is_start, w1.is_end, w1.oos_start, w1.oos_end) == (
        dt.date(2024, 1, 1), dt.date(2024, 2, 29), dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    assert not w1.partial
    assert wf.windows[-1].partial and wf.windows[-1].oos_end == dt.date(2024, 6, 20)
    assert wf.dates == tuple(dt.date(2024, m, d) for m in (3, 4, 5, 6) for d in (5, 20))
    assert wf.variant == (0, 0, 1, 1, 1, 1, 1, 1)
    daily = [-50, -50, 30, 30, -40, -40, 5, 5]
    assert wf.pnl_inr == tuple(float(x) for x in daily)
    assert wf.equity_inr == (-50, -100, -70, -40, -80, -120, -115, -110)
    assert wf.total_oos_pnl_inr == -100 + 60 - 80 + 10


def test_longer_out_of_sample_windows_roll_by_their_length() -> None:
    wf = walk_forward(DAILY, WalkSpec(3, 2))
    # 1: in Jan-Mar v0 200+200-100 = 300, v1 -20+0+400 = 380 -> v1; out Apr-May 60 - 80 = -20
    # 2: in Mar-May v0 -100-100+20 = -180, v1 400+60-80 = 380 -> v1; out Jun (cut short) 10
    assert [(w.chosen, w.is_metric, w.oos_pnl_inr, w.partial) for w in wf.windows] == [
        (1, 380.0, -20.0, False), (1, 380.0, 10.0, True)]
    assert wf.windows[1].is_start == dt.date(2024, 3, 1)
    assert wf.equity_inr[-1] == -10.0


def test_sharpe_chooses_the_steadier_variant_and_missing_days_are_zero() -> None:
    days = [dt.date(2024, 1, d).isoformat() for d in (2, 3, 4)] + ["2024-02-01"]
    daily = {0: dict(zip(days, [10.0, 12.0, 11.0, 7.0], strict=True)),
             1: dict(zip(days, [100.0, -60.0, 30.0, 1.0], strict=True)),
             2: {"2024-02-01": 50.0}}                         # only in February: 0 in January
    wf = walk_forward(daily, WalkSpec(1, 1), "sharpe")
    # January: v0 mean 11, sd 1 -> 11; v1 mean 23.33, sd 80.2 -> 0.29; v2 all 0: no Sharpe
    (w,) = wf.windows
    assert w.chosen == 0 and w.is_metric == pytest.approx(11.0)
    assert wf.pnl_inr == (7.0,)
    by_pnl = walk_forward(daily, WalkSpec(1, 1))
    assert by_pnl.windows[0].chosen == 1 and by_pnl.pnl_inr == (1.0,)  # 70 beats 33


def test_bad_windows_and_metrics_say_what_is_wrong() -> None:
    with pytest.raises(PosbtError, match="the in-sample window of 6 month.s. leaves no "
                                         "out-of-sample day: the data runs 2024-01-05 to "
                                         r"2024-06-20 \(6 calendar month.s.\)") as info:
        walk_forward(DAILY, WalkSpec(6, 1))
    assert info.value.place == "--walk-forward"
    for text in ("6", "6:x", "1:2:3"):
        with pytest.raises(PosbtError, match="IS:OOS in whole months"):
            parse_walk_spec(text)
    with pytest.raises(PosbtError, match="at least 1 month"):
        parse_walk_spec("0:1")
    assert parse_walk_spec(" 12:3 ") == WalkSpec(12, 3)
    with pytest.raises(PosbtError, match="a walk-forward by win_rate needs each variant's "
                                         "trades") as info:
        walk_forward(DAILY, WalkSpec(2, 1), "win_rate")
    assert info.value.place == "--metric"
    with pytest.raises(PosbtError, match="needs each variant's capital"):
        walk_forward(DAILY, WalkSpec(2, 1), "calmar", trades={})
    with pytest.raises(PosbtError, match="unknown metric 'pnl'") as info:
        walk_forward(DAILY, WalkSpec(2, 1), "pnl")
    assert info.value.place == "--metric"
    with pytest.raises(PosbtError, match="no finished variant has daily P&L"):
        walk_forward({0: {}}, WalkSpec(1, 1))
    assert add_months(dt.date(2024, 11, 17), 3) == dt.date(2025, 2, 1)


def test_the_sheet_lists_windows_and_charts_the_stitched_equity(tmp_path: Path) -> None:
    wf = walk_forward(DAILY, WalkSpec(2, 1))
    out = write_sheet_writers([("BT_WalkForward", lambda ws: write_walkforward(
        ws, wf, ["Lots"], {0: (1,), 1: (2,)}))], tmp_path / "w.xlsx")
    ws = load_workbook(out)["BT_WalkForward"]
    rows = list(ws.iter_rows(values_only=True))
    head = rows[0]
    assert head[:8] == ("window", "is_start", "is_end", "oos_start", "oos_end", "partial",
                        "chosen_variant", "Lots")
    assert [(r[6], r[7], r[head.index("oos_pnl_inr")]) for r in rows[1:5]] == [
        (0, 1, -100), (1, 2, 60), (1, 2, -80), (1, 2, 10)]
    eq = head.index("date")
    assert head[eq:eq + 4] == ("date", "variant", "oos_pnl_inr", "oos_equity_inr")
    table = [r[eq:eq + 4] for r in rows[1:] if r[eq] is not None]
    assert [r[3] for r in table] == [-50, -100, -70, -40, -80, -120, -115, -110]
    with zipfile.ZipFile(out) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 1
    (series,) = _series(charts[0])  # one series
    sheet, x_col, first, last = series["xVal"]
    assert sheet == "BT_WalkForward" and x_col == eq + 1 and (first, last) == (2, 9)
    assert series["yVal"] == ("BT_WalkForward", eq + 4, 2, 9)
    dates = [ws.cell(row=r, column=x_col).value for r in range(first, last + 1)]
    assert dates == sorted(dates) and len(set(dates)) == 8  # dates in order, each once
    assert [ws.cell(row=r, column=eq + 4).value for r in range(2, 10)] == list(wf.equity_inr)


# ---- choosing by every sweep metric -------------------------------------------------------
# In sample January (the 2nd to the 5th), out of sample February (the 1st only).
JAN = [dt.date(2024, 1, d).isoformat() for d in (2, 3, 4, 5)]
JAN_PNL = {0: [100.0, 100.0, -150.0, 100.0],   # sum 150
           1: [40.0, 40.0, 40.0, -10.0],       # sum 110
           2: [300.0, -100.0, -100.0, -50.0],  # sum 50
           3: [1.0, 1.0, 1.0, 50.0]}           # sum 53, no losing day
FEB_PNL = {0: 7.0, 1: 8.0, 2: 9.0, 3: 10.0}  # the out-of-sample day names the variant chosen
METRIC_DAILY = {v: {**dict(zip(JAN, x, strict=True)), "2024-02-01": FEB_PNL[v]}
                for v, x in JAN_PNL.items()}
CAPITAL = {0: 100_000.0, 1: 10_000.0, 2: 1_000.0, 3: 100_000.0}


def _t(entry: tuple[int, int, int], exit_: tuple[int, int, int], pnl: float,
       margin: float) -> ClosedTrade:
    (m1, d1, h1), (m2, d2, h2) = entry, exit_
    return ClosedTrade(dt.datetime(2024, m1, d1, h1), dt.datetime(2024, m2, d2, h2), pnl, margin)


TRADES = {
    # v0: two January exits (+200, -50), one after each other, margin 50,000; a February
    # exit (+1000) that the in-sample window must not see
    0: [_t((1, 2, 9), (1, 3, 15), 200.0, 50_000.0), _t((1, 4, 9), (1, 5, 15), -50.0, 50_000.0),
        _t((1, 31, 9), (2, 1, 15), 1000.0, 50_000.0)],
    # v1: +30, +30, +30, -10, margin 5,000 each; the first two overlap (both open on the 3rd
    # at 10:00), so the most margin blocked at once is 10,000
    1: [_t((1, 2, 9), (1, 3, 15), 30.0, 5_000.0), _t((1, 3, 10), (1, 4, 15), 30.0, 5_000.0),
        _t((1, 5, 9), (1, 5, 11), 30.0, 5_000.0), _t((1, 5, 12), (1, 5, 14), -10.0, 5_000.0)],
    # v2: one January winner (+50, margin 3,000); a February loser (-500) outside the window
    2: [_t((1, 2, 9), (1, 5, 15), 50.0, 3_000.0), _t((1, 29, 9), (2, 1, 15), -500.0, 3_000.0)],
    3: [],  # no trade: every trade metric is NaN and ranks last
}


@pytest.mark.parametrize(("metric", "chosen", "value"), [
    # net P&L: 150, 110, 50, 53 -> v0
    ("net_pnl_inr", 0, 150.0),
    # Sharpe (mean / sample sd): v0 37.5/125 = 0.3; v1 27.5/25 = 1.1;
    # v2 12.5/193.1 = 0.065; v3 13.25/24.5 = 0.54 -> v1
    ("sharpe", 1, 1.1),
    # Sortino (mean / sqrt(mean(min(x,0)^2))): v0 37.5/sqrt(150^2/4) = 37.5/75 = 0.5;
    # v1 27.5/sqrt(10^2/4) = 5.5; v2 12.5/sqrt((100^2+100^2+50^2)/4) = 12.5/75;
    # v3 never loses: unbounded -> v3
    ("sortino", 3, float("inf")),
    # return on capital: 150/100k = 0.0015, 110/10k = 0.011, 50/1k = 0.05, 53/100k -> v2
    ("return_on_capital", 2, 0.05),
    # return on margin: v0 150/50k = 0.003; v1 110/10k (two trades open at once) = 0.011;
    # v2 50/3k = 0.0167 -> v2 (with v1's largest single margin, 110/5k = 0.022, v1 would win)
    ("return_on_margin", 2, 50 / 3000),
    # win rate of the January exits: v0 1/2, v1 3/4, v2 1/1 (its February loser not seen;
    # counted, v2 would be 1/2 and v1 would win), v3 none -> v2
    ("win_rate", 2, 1.0),
    # expectancy: v0 (200-50)/2 = 75, v1 90-10 = 80/4 = 20, v2 50 -> v0
    ("expectancy_inr", 0, 75.0),
    # profit factor: v0 200/50 = 4, v1 90/10 = 9, v2 a winner and no loser: unbounded -> v2
    ("profit_factor", 2, float("inf")),
    # max drawdown of cumsum from 0, lower is better: v0 peak 200 then 50: 150; v1 120 then
    # 110: 10; v2 300 then 50: 250; v3 never falls: 0 -> v3 (the highest, v2, is the worst)
    ("max_drawdown_inr", 3, 0.0),
    # Calmar: v3 has no drawdown and a positive CAGR: unbounded -> v3
    ("calmar", 3, float("inf")),
])
def test_walk_forward_chooses_by_every_sweep_metric(metric: str, chosen: int,
                                                    value: float) -> None:
    wf = walk_forward(METRIC_DAILY, WalkSpec(1, 1), metric, trades=TRADES, capital_inr=CAPITAL)
    (w,) = wf.windows
    assert (w.chosen, w.is_days) == (chosen, 4)
    assert w.is_metric == pytest.approx(value)
    assert wf.pnl_inr == (FEB_PNL[chosen],) and wf.metric == metric


def test_calmar_of_a_window_is_its_cagr_over_its_drawdown_fraction() -> None:
    # only v0 and v1 (v3's unbounded Calmar left out). v0: equity 100,100 100,200 100,050
    # 100,150 from 100,000 over 3 calendar days (2nd to 5th); drawdown 150 / 100,200
    years = 3 / 365.25
    v0 = ((100_150 / 100_000) ** (1 / years) - 1) / (150 / 100_200)
    # v1: equity 10,040 10,080 10,120 10,110 from 10,000; drawdown 10 / 10,120
    v1 = ((10_110 / 10_000) ** (1 / years) - 1) / (10 / 10_120)
    assert v1 > v0
    two = {v: METRIC_DAILY[v] for v in (0, 1)}
    (w,) = walk_forward(two, WalkSpec(1, 1), "calmar", capital_inr=CAPITAL).windows
    assert w.chosen == 1 and w.is_metric == pytest.approx(v1)
    (w,) = walk_forward({0: two[0]}, WalkSpec(1, 1), "calmar", capital_inr=CAPITAL).windows
    assert w.is_metric == pytest.approx(v0)


def test_a_variant_without_trades_ranks_last_and_the_sheet_leaves_unbounded_empty(
        tmp_path: Path) -> None:
    only = {v: METRIC_DAILY[v] for v in (2, 3)}
    wf = walk_forward(only, WalkSpec(1, 1), "expectancy_inr", trades=TRADES)
    assert wf.windows[0].chosen == 2   # v3 has no trade: NaN, after v2's 50
    wf = walk_forward(METRIC_DAILY, WalkSpec(1, 1), "profit_factor", trades=TRADES)
    out = write_sheet_writers([("BT_WalkForward", lambda ws: write_walkforward(
        ws, wf, ["Lots"], {v: (v + 1,) for v in range(4)}))], tmp_path / "w.xlsx")
    rows = list(load_workbook(out)["BT_WalkForward"].iter_rows(values_only=True))
    head = rows[0]
    assert head[head.index("is_profit_factor")] == "is_profit_factor"
    assert rows[1][head.index("chosen_variant")] == 2
    assert rows[1][head.index("is_profit_factor")] is None  # unbounded: no finite value
    note = next(str(r[0]) for r in rows if r[0] and "chosen by in-sample" in str(r[0]))
    assert "profit_factor (highest" in note
