"""BT_Monthly: month-by-year totals equal the trades' P&L summed by exit month (pandas)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from engine.results.breakdown import MONTHS, dte_bucket
from engine.results.excel import write_results
from tests.unit.results.fakes import make_result, week_trades


def _blocks(ws) -> dict[str, list[list[object]]]:  # type: ignore[no-untyped-def]
    """Title -> the rows under it (to the next blank row)."""
    out: dict[str, list[list[object]]] = {}
    current: list[list[object]] | None = None
    for row in ws.iter_rows(values_only=True):
        if row[0] is None:
            current = None
            continue
        if isinstance(row[0], str) and ":" in row[0]:
            current = out.setdefault(row[0], [])
            continue
        if current is not None:
            current.append(list(row))
    return out


def test_month_by_year_equals_trades_summed_by_exit_month(tmp_path: Path) -> None:
    a = make_result("A", week_trades(70, start=dt.date(2023, 10, 2), seed=5))
    b = make_result("B", week_trades(20, start=dt.date(2024, 3, 4), seed=9))
    wb = load_workbook(write_results([a, b], tmp_path / "r.xlsx"))
    trades = pd.DataFrame(wb["BT_Trades"].iter_rows(min_row=2, values_only=True),
                          columns=[c.value for c in wb["BT_Trades"][1]])
    trades["year"] = trades["Exit time"].dt.year
    trades["month"] = trades["Exit time"].dt.month
    blocks = _blocks(wb["BT_Monthly"])
    for name in ("A", "B"):
        mine = trades[trades["Strategy"] == name]
        expected = mine.pivot_table(index="year", columns="month", values="Net P&L (INR)",
                                    aggfunc="sum")
        rows = blocks[f"Net P&L by exit month: {name}"]
        assert rows[0] == ["Year", *MONTHS, "Total"]
        got = {r[0]: r[1:13] for r in rows[1:]}
        assert sorted(got) == sorted(expected.index)
        for year, months in got.items():
            for m, v in enumerate(months, start=1):
                want = expected.loc[year].get(m)
                if want is None or pd.isna(want):
                    assert v is None, (name, year, m)
                else:
                    assert v == pytest.approx(want), (name, year, m)
        totals = {r[0]: r[13] for r in rows[1:]}
        by_year = mine.groupby("year")["Net P&L (INR)"].sum()
        assert totals == pytest.approx(by_year.to_dict())
        # weekday: every fake trade opens on a Monday
        weekday = {r[0]: r[1:4] for r in blocks[f"By entry weekday: {name}"][1:]}
        assert weekday["Mon"][0] == len(mine) and weekday["Tue"][0] == 0
        assert weekday["Mon"][1] == pytest.approx(mine["Net P&L (INR)"].sum())
        # entry DTE: weekly series expire that Thursday (3 days), monthly ones later
        dte = {r[0]: r[1] for r in blocks[f"By entry DTE (calendar days): {name}"][1:]}
        assert sum(dte.values()) == len(mine)
        # the expiry written in the first leg ("SELL 75 22000 CE 2024-01-04 @ 150.00")
        expiry = pd.to_datetime(mine["Legs"].str.split(" ").str[4])
        days = (expiry - mine["Entry time"].dt.normalize()).dt.days
        assert dte["3"] == (days == 3).sum() >= len(mine[mine["Lot size"] == 75])
        assert sum(v for k, v in dte.items() if k != "3") == (days != 3).sum()
    assert wb["BT_Monthly"].conditional_formatting  # the colour scale


def test_dte_buckets() -> None:
    assert [dte_bucket(d) for d in (0, 3, 6, 10, 20, 45)] == ["0", "3", "5-7", "8-14", "15-30",
                                                               "31+"]
