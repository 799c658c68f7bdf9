"""BT_Summary as a trader reads it: labels, formats, one column per strategy, hand arithmetic."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest
from openpyxl import load_workbook

from engine.results.excel import write_results
from engine.results.metrics import longest_streaks
from engine.results.summary import NA, Fmt
from tests.unit.results.fakes import CAPITAL, Spec, make_result

# closing order: W W L L L W L W W W  -> longest win streak 3, loss streak 3
PNL = [5000.0, 3000.0, -2000.0, -1000.0, -4000.0, 6000.0, -500.0, 2500.0, 1500.0, 1000.0]
MONDAYS = [dt.date(2024, 1, 1) + dt.timedelta(weeks=k) for k in range(len(PNL))]
SPECS = [Spec(dt.datetime.combine(d, dt.time(9, 20)),
              dt.datetime.combine(d + dt.timedelta(days=2), dt.time(15, 15)), p,
              adjustments=k % 2, costs_inr=100.0) for k, (d, p) in enumerate(zip(MONDAYS, PNL, strict=True))]


def _summary(path: Path) -> tuple[list[str], dict[str, list[object]], dict[str, list[str]]]:
    ws = load_workbook(path)["BT_Summary"]
    names = [c.value for c in ws[1]][1:]
    values = {str(r[0].value): [c.value for c in r[1:]] for r in ws.iter_rows(min_row=2)}
    formats = {str(r[0].value): [c.number_format for c in r[1:]] for r in ws.iter_rows(min_row=2)}
    return names, values, formats  # type: ignore[return-value]


def test_streaks_counted_by_hand() -> None:
    assert longest_streaks(PNL) == (3, 3)
    assert longest_streaks([1, 0, 1, -1, -1]) == (1, 2)  # a flat trade breaks a run
    assert longest_streaks([]) == (0, 0)


def test_summary_labels_and_numbers_against_hand_arithmetic(tmp_path: Path) -> None:
    a = make_result("Weekly fly", SPECS)
    b = make_result("Other", SPECS[:4])
    a.config_hash, a.data_fingerprint, a.run_id = "abc123", "data_version=7", "r1"
    names, v, fmt = _summary(write_results([a, b], tmp_path / "r.xlsx"))
    assert names == ["Weekly fly", "Other"]
    net = sum(PNL)
    assert v["Net P&L"][0] == pytest.approx(net)
    assert v["Return on capital"][0] == pytest.approx(net / CAPITAL)
    wins, losses = [p for p in PNL if p > 0], [p for p in PNL if p < 0]
    assert v["Win rate"][0] == pytest.approx(len(wins) / len(PNL))
    assert v["Average win"][0] == pytest.approx(sum(wins) / len(wins))
    assert v["Average loss"][0] == pytest.approx(sum(losses) / len(losses))
    assert v["Largest win"][0] == 6000 and v["Largest loss"][0] == -4000
    assert v["Longest win streak"][0] == 3 and v["Longest loss streak"][0] == 3
    assert v["Profit factor"][0] == pytest.approx(sum(wins) / -sum(losses))
    assert v["Expectancy per trade"][0] == pytest.approx(net / len(PNL))
    assert v["Trades"] == [10, 4]
    assert v["Adjustments per trade"][0] == pytest.approx(0.5)
    assert v["Costs"][0] == pytest.approx(1000)
    # max drawdown on the closed equity: peak after trade 2 (8,000), trough after trade 5
    # (8,000 - 7,000 = 1,000): 7,000 rupees, of a peak of 1,008,000
    assert v["Max drawdown"][0] == pytest.approx(-7000)
    assert v["Max drawdown %"][0] == pytest.approx(-7000 / 1_008_000)
    days = (SPECS[-1].exit.date() - SPECS[0].entry.date()).days
    cagr = ((CAPITAL + net) / CAPITAL) ** (365.25 / days) - 1
    assert v["CAGR"][0] == pytest.approx(cagr)
    assert v["Calmar"][0] == pytest.approx(cagr / (7000 / 1_008_000))
    assert v["Config hash"][0] == "abc123" and v["Data fingerprint"][0] == "data_version=7"
    assert v["Run ID"] == ["r1", NA]
    # formats: rupees, percentages, ratios, integers, text
    assert fmt["Net P&L"][0] == Fmt.INR.value and fmt["CAGR"][0] == Fmt.PCT.value
    assert fmt["Sharpe"][0] == Fmt.RATIO.value and fmt["Trades"][0] == Fmt.INT.value
    assert fmt["Start"][0] == Fmt.DATE.value
    # the second strategy: 2 wins then 2 losses
    assert v["Longest win streak"][1] == 2 and v["Longest loss streak"][1] == 2
    assert "net_pnl_inr" not in v  # no snake_case


def test_no_trade_run_says_so_and_divides_by_nothing(tmp_path: Path) -> None:
    empty = make_result("Nothing", [])
    empty.equity_dates, empty.equity_inr = [], []
    _names, v, _ = _summary(write_results([empty], tmp_path / "r.xlsx"))
    assert v["No trades"] == ["no entry: the IVP filter rejected every candidate bar"]
    assert v["Trades"] == [0] and v["Net P&L"] == [0]
    for label in ("Win rate", "Profit factor", "Calmar", "Average win", "Largest loss", "Sharpe"):
        assert v[label] == [NA], label
    assert not any(isinstance(x, float) and not math.isfinite(x) for row in v.values()
                   for x in row)


def test_no_trade_reason_wraps_in_a_row_tall_enough(tmp_path: Path) -> None:
    empty = make_result("Nothing", [])
    empty.equity_dates, empty.equity_inr = [], []
    empty.no_trade_reason = ("no trade: every one of 60 entries was skipped (28 x volatility "
                             "filter; 1 x net premium below the minimum)")  # 103 characters
    ws = load_workbook(write_results([empty], tmp_path / "r.xlsx"))["BT_Summary"]
    row = next(c.row for c in ws["A"] if c.value == "No trades")
    cell = ws.cell(row=row, column=2)
    assert cell.alignment.wrap_text
    # column B is 18 wide ("Nothing" + 4 is under the 18 minimum): 103 characters at no more
    # than 18 a line need at least 6 lines of 15 points; a wrapped sentence in a row of the
    # default height would run under the rows below it
    assert ws.column_dimensions["B"].width == 18
    height = ws.row_dimensions[row].height
    assert height is not None and height >= 6 * 15
    assert height <= 10 * 15  # not absurdly tall either
    # other rows keep the default height
    assert ws.row_dimensions[row + 1].height is None
