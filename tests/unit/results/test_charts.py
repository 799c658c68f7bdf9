"""Native charts read back from the chart XML: each series is one strategy's (or one trade's)
rows in date order, and the axes are scaled to the data they show."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string
from openpyxl.utils.datetime import to_excel

from engine.results.charts import bounds
from engine.results.excel import write_results
from tests.unit.results.fakes import make_result, week_trades

NAME_31 = "A strategy name longer than 31 chars: [x]/y*z?"


def _charts(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [z.read(n).decode("utf-8") for n in sorted(z.namelist())
                if n.startswith("xl/charts/chart")]


REF = re.compile(r"<(?:c:)?f>'?([^'!<]+)'?!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)</(?:c:)?f>")


def _series(xml: str) -> list[dict[str, tuple[str, int, int, int]]]:
    """Per series: its x / y (or cat / val) references as (sheet, column, first, last)."""
    out = []
    for ser in re.findall(r"<(?:c:)?ser>.*?</(?:c:)?ser>", xml, re.S):
        refs = {}
        for part in ("xVal", "yVal", "cat", "val"):
            m = re.search(rf"<(?:c:)?{part}>.*?</(?:c:)?{part}>", ser, re.S)
            if m and (r := REF.search(m.group(0))):
                refs[part] = (r.group(1), column_index_from_string(r.group(2)),
                              int(r.group(3)), int(r.group(5)))
        out.append(refs)
    return out


def _axis(xml: str, kind: str) -> tuple[float, float]:
    """(min, max) of the first axis whose position is ``kind`` (b: bottom, l: left)."""
    for ax in re.findall(r"<(?:c:)?valAx>.*?</(?:c:)?valAx>", xml, re.S):
        if re.search(rf'<(?:c:)?axPos val="{kind}"', ax):
            lo = float(re.search(r'<(?:c:)?min val="([^"]+)"', ax).group(1))  # type: ignore[union-attr]
            hi = float(re.search(r'<(?:c:)?max val="([^"]+)"', ax).group(1))  # type: ignore[union-attr]
            return lo, hi
    raise AssertionError(f"no {kind} axis")


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    a = make_result("Weekly", week_trades(30, start=dt.date(2024, 1, 1), seed=1), series=True)
    # a second strategy over other dates: its line must not join the first one's
    b = make_result(NAME_31, week_trades(12, start=dt.date(2023, 6, 5), seed=2),
                    spot=19_500.0, series=True)
    return write_results([a, b], tmp_path_factory.mktemp("charts") / "r.xlsx")


def test_equity_series_are_one_strategy_each_in_date_order(book: Path) -> None:
    wb = load_workbook(book)
    ws = wb["BT_Equity"]
    rows = list(ws.iter_rows(min_row=1, values_only=True))
    charts = [x for x in _charts(book) if "BT_Equity" in x]
    assert len(charts) == 2  # equity and drawdown
    for xml, y_col in zip(charts, (3, 4), strict=True):
        seen = []
        for refs in _series(xml):
            _, x_col, first, last = refs["xVal"]
            assert x_col == 2 and refs["yVal"][1:] == (y_col, first, last)
            names = {rows[i - 1][0] for i in range(first, last + 1)}
            assert len(names) == 1  # one strategy's rows
            dates = [rows[i - 1][1] for i in range(first, last + 1)]
            assert dates == sorted(dates) and len(set(dates)) == len(dates)
            # and all of them: the rows before and after belong to another strategy
            for i in (first - 1, last + 1):
                if 1 < i <= len(rows):
                    assert rows[i - 1][0] not in names
            seen.append(names.pop())
        assert seen == ["Weekly", NAME_31]
        values = [r[y_col - 1] for r in rows[1:]]
        lo, hi = _axis(xml, "l")
        assert lo <= min(values) and hi >= max(values)
        assert hi - lo <= 2 * (max(values) - min(values)) + 1  # scaled to the data, not 0..max
        x_lo, x_hi = _axis(xml, "b")
        serials = [to_excel(r[1]) for r in rows[1:]]
        assert (x_lo, x_hi) == (min(serials), max(serials))


def test_band_charts_show_one_trade_each_on_its_own_scale(book: Path) -> None:
    ws = load_workbook(book)["BT_Breakevens"]
    rows = list(ws.iter_rows(min_row=1, values_only=True))
    charts = [x for x in _charts(book) if "BT_Breakevens" in x]
    assert 2 <= len(charts) <= 6  # worst, best, most adjusted per strategy (some coincide)
    for xml in charts:
        series = _series(xml)
        assert len(series) == 3  # spot, lower and upper breakeven
        (_, _, first, last), = {s["xVal"] for s in series}
        assert {s["yVal"][1] for s in series} == {4, 5, 6}
        trade = {(rows[i - 1][0], rows[i - 1][1]) for i in range(first, last + 1)}
        assert len(trade) == 1
        ts = [rows[i - 1][2] for i in range(first, last + 1)]
        assert ts == sorted(ts)
        values = [v for i in range(first, last + 1) for v in rows[i - 1][3:6]]
        lo, hi = _axis(xml, "l")
        assert lo <= min(values) and hi >= max(values)
        assert lo > 0.9 * min(values)  # a band around 22,000 is not drawn from 0
        assert hi - lo <= 2 * (max(values) - min(values))


def test_pnl_bars_and_distribution_per_strategy(book: Path) -> None:
    wb = load_workbook(book)
    ws = wb["BT_Charts"]
    trades = list(wb["BT_Trades"].iter_rows(min_row=2, values_only=True))
    charts = [x for x in _charts(book) if "BT_Charts" in x]
    assert len(charts) == 4
    for xml, name in zip(charts[::2], ("Weekly", NAME_31), strict=True):
        (refs,) = _series(xml)
        _, col, first, last = refs["val"]
        pnl = [ws.cell(row=i, column=col).value for i in range(first, last + 1)]
        ids = [ws.cell(row=i, column=col - 1).value for i in range(first, last + 1)]
        mine = [(t[1], t[18]) for t in trades if t[0] == name]
        assert ids == [t for t, _ in mine] and pnl == pytest.approx([p for _, p in mine])
    for xml, n in zip(charts[1::2], (30, 12), strict=True):
        (refs,) = _series(xml)
        _, col, first, last = refs["val"]
        assert sum(ws.cell(row=i, column=col).value for i in range(first, last + 1)) == n


def test_charts_sample_beyond_500_trades(tmp_path: Path) -> None:
    res = make_result("Many", week_trades(1_200, start=dt.date(2000, 1, 3), every_days=1))
    out = write_results([res], tmp_path / "r.xlsx")
    (bars,) = [x for x in _charts(out) if "BT_Charts" in x and "per trade" in x]
    (refs,) = _series(bars)
    assert refs["val"][3] - refs["val"][2] + 1 == 400  # every 3rd of 1,200
    assert "1 trade in 3 of 1,200" in bars


def test_bounds_are_round_and_hold_the_data() -> None:
    # 21,736 to 22,264 with the 5% margin; a fifth of that is 105.6: steps of 200
    assert bounds([21_760, 22_240]) == (21_600, 22_400)
    assert bounds([None, float("nan")]) is None
    lo, hi = bounds([5.0])  # type: ignore[misc]
    assert lo < 5 < hi
