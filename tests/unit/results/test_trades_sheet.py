"""BT_Trades: legs, entry and exit premium, formats and widths that show every value."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from engine.results.excel import write_results
from tests.unit.results.fakes import Spec, make_result, week_trades


def test_trades_rows_hold_legs_premiums_and_formats(tmp_path: Path) -> None:
    specs = [Spec(dt.datetime(2024, 1, 1, 9, 20), dt.datetime(2024, 1, 3, 15, 15), 1500.0,
                  costs_inr=100.0),
             Spec(dt.datetime(2024, 1, 22, 9, 20), dt.datetime(2024, 1, 25, 10, 0), -2500.0,
                  adjustments=2, monthly=True)]
    out = write_results([make_result("Straddle", specs)], tmp_path / "r.xlsx")
    ws = load_workbook(out)["BT_Trades"]
    head = [c.value for c in ws[1]]
    # trader labels, not snake_case
    assert head == ["Strategy", "Trade", "Structure", "Entry time", "Exit time",
                    "Holding (days)", "Exit reason", "Entry spot", "Exit spot", "Lots",
                    "Lot size", "Legs", "Entry premium (pts)", "Exit premium (pts)",
                    "Premium (INR)", "Adjustments", "Gross P&L (INR)", "Costs (INR)",
                    "Net P&L (INR)", "Max profit (INR)", "Max loss (INR)"]
    rows = [dict(zip(head, [c for c in r], strict=True)) for r in ws.iter_rows(min_row=2)]
    assert len(rows) == 2
    weekly, monthly = rows
    # weekly: sold 75 CE and 75 PE at 150 each -> 300 points of credit per unit of position
    assert weekly["Legs"].value == ("SELL 75 22000 CE 2024-01-04 @ 150.00; "
                                    "SELL 75 22000 PE 2024-01-04 @ 150.00")
    assert weekly["Entry premium (pts)"].value == pytest.approx(300)
    # gross 1,600 on 75 units: the straddle was bought back for 300 - 1600 / 75 points
    assert weekly["Exit premium (pts)"].value == pytest.approx(300 - 1600 / 75)
    assert weekly["Holding (days)"].value == pytest.approx((2 * 24 * 60 + 5 * 60 + 55) / 1440,
                                                      abs=1e-4)
    assert weekly["Exit reason"].value == "TIME_EXIT" and weekly["Adjustments"].value == 0
    assert weekly["Max profit (INR)"].value == pytest.approx(2000)  # the fake's +500
    # monthly series: lot 25, expiry the last Thursday of January 2024
    assert monthly["Legs"].value.startswith("SELL 25 22000 CE 2024-01-25 @ 150.00")
    assert monthly["Adjustments"].value == 2
    assert monthly["Exit premium (pts)"].value == pytest.approx(300 + 2500 / 25)
    # a number format on every numeric column; timestamps as date-times, wide enough
    for name, cell in weekly.items():
        if isinstance(cell.value, int | float | dt.datetime):
            assert cell.number_format != "General", name
    assert weekly["Entry time"].number_format == "yyyy-mm-dd hh:mm"
    letter = {c.value: c.column_letter for c in ws[1]}
    assert ws.column_dimensions[letter["Entry time"]].width >= 16
    assert ws.column_dimensions[letter["Legs"]].width >= 60


def test_no_trade_run_says_so_on_every_sheet(tmp_path: Path) -> None:
    empty = make_result("Nothing", [])
    empty.equity_dates, empty.equity_inr = [], []
    wb = load_workbook(write_results([empty], tmp_path / "r.xlsx"))
    for ws in wb:
        if ws.title in ("BT_Summary", "BT_RunLog"):
            continue
        text = " ".join(str(c.value) for r in ws.iter_rows(max_row=3) for c in r if c.value)
        assert "No trades in this run" in text and "IVP filter" in text, ws.title


def test_a_real_no_trade_run_keeps_its_flat_equity_rows_without_charts(tmp_path: Path) -> None:
    # a backtest that never entered still has an equity curve: flat at its capital each day
    empty = make_result("Nothing", [])
    empty.equity_dates = [dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.date(2024, 1, 3)]
    empty.equity_inr = [1_000_000.0] * 3
    wb = load_workbook(write_results([empty], tmp_path / "r.xlsx"))
    for ws in wb:
        if ws.title in ("BT_Summary", "BT_RunLog"):
            continue
        text = " ".join(str(c.value) for r in ws.iter_rows(max_row=3) for c in r if c.value)
        assert "No trades in this run" in text and "IVP filter" in text, ws.title
    ws = wb["BT_Equity"]
    assert [r[:3] for r in ws.iter_rows(min_row=2, values_only=True)] == [
        ("Nothing", dt.datetime(2024, 1, d), 1_000_000) for d in (1, 2, 3)]
    assert ws._charts == []  # a flat line at the capital is no chart


def test_ten_thousand_trades_write_in_seconds(tmp_path: Path) -> None:
    res = make_result("Many", week_trades(10_000, start=dt.date(1995, 1, 2), every_days=1))
    cpu0 = time.process_time()
    out = write_results([res], tmp_path / "r.xlsx")
    cpu_s = time.process_time() - cpu0
    wb = load_workbook(out, read_only=True)
    try:
        assert sum(1 for _ in wb["BT_Trades"].iter_rows(min_row=2)) == 10_000  # not sampled
        assert wb["BT_Fills"].max_row == len(res.fills) + 1  # its dimension: a header + fills
    finally:
        wb.close()
    # 10,000 trades and their 60,000 fills are 1.3 million cells (BT_Fills 900,000 of them):
    # cell by cell through openpyxl that was 30 s of CPU here; the data rows written as text
    # (engine.results.xlsx_rows) take about 4 s (benchmarks/results_write.py). CPU time, not
    # wall time: this box is shared; the bound leaves room for coverage tracing.
    assert cpu_s < 25, cpu_s


def test_every_trade_column_has_a_label_that_maps_back() -> None:
    from engine.results.tables import TRADE_LABELS, trade_key, trades_table

    headers, _ = trades_table([])
    assert set(TRADE_LABELS) == set(headers)
    assert len(set(TRADE_LABELS.values())) == len(headers)  # no two columns share a label
    assert [trade_key(TRADE_LABELS[h]) for h in headers] == headers
    # a workbook written before the labels (snake_case headers) reads as it did
    assert trade_key("pnl_net_inr") == "pnl_net_inr" and trade_key("Net P&L (INR)") == "pnl_net_inr"
