"""The HTML tearsheet (results stage): one self-contained page with the summary, the charts and
the trade table of a run, for sharing results outside Excel.

Built from the tables the results workbook holds (BT_Summary, BT_Trades, BT_Equity, BT_Payoff),
either straight from a run (``posbt run --report``) or read back from a results workbook
(``posbt report RESULTS.xlsx``), so the page and the workbook always agree. Charts are drawn
with matplotlib (already posbt's plotting library: static PNGs, no JavaScript, nothing to
fetch) and inlined as ``data:`` URIs; a Content-Security-Policy forbids every network request
at view time. Every text from the run (strategy names, reasons) is HTML-escaped.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine import __version__
from engine.errors import PosbtError
from engine.results.breakdown import MONTHS
from engine.results.payoff import payoff_note, selected_trade, trade_payoff
from engine.results.result import BacktestResult
from engine.results.summary import NA, Fmt, label_formats, summary_rows
from engine.results.tables import TRADE_LABELS, equity_table, trade_key, trades_table

MAX_BARS = 500
CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
       "base-uri 'none'; form-action 'none'")


@dataclass
class Curve:
    """A payoff curve: its name and P&L per spot of the grid."""

    name: str
    pnl_inr: list[float]


@dataclass
class StrategyPage:
    """What the page shows of one strategy."""

    name: str
    equity: list[tuple[dt.date, float, float]] = field(default_factory=list)
    trades: list[dict[str, Any]] = field(default_factory=list)
    payoff_title: str = ""
    spots: list[float] = field(default_factory=list)
    curves: list[Curve] = field(default_factory=list)
    breakevens: list[tuple[str, float]] = field(default_factory=list)


@dataclass
class Tearsheet:
    """The whole page: summary lines (label, format, one value per strategy), the strategies,
    and every trade."""

    title: str
    summary: list[tuple[str, Fmt | None, list[Any]]]
    strategies: list[StrategyPage]
    trade_headers: list[str]
    trade_rows: list[list[Any]]


# --- building it --------------------------------------------------------------------------

def from_results(results: Sequence[BacktestResult], title: str) -> Tearsheet:
    """The tearsheet of a run still in memory."""
    headers, rows = trades_table(results)
    pages = {r.plan.name: StrategyPage(r.plan.name) for r in results}
    for row in rows:
        pages[row[0]].trades.append(dict(zip(headers, row, strict=True)))
    for name, d, e, dd in equity_table(results)[1]:
        pages[name].equity.append((d, e, dd))
    for r in results:
        trade = selected_trade(r)
        pay = trade_payoff(r, trade) if trade is not None else None
        if pay is None:
            continue
        page = pages[r.plan.name]
        page.payoff_title = (f"Payoff of trade {pay.trade.trade_id} "
                             f"({payoff_note(pay.trade.structure, pay.trade.adjustments)})")
        page.spots = [float(s) for s in pay.spots]
        for st in pay.stages:
            page.curves.append(Curve(f"expiry: {st.label}", [float(v) for v in st.expiry_inr]))
            page.curves.append(Curve(f"T+0: {st.label}", [float(v) for v in st.t0_inr]))
            page.breakevens += [(st.label, b) for b in st.breakevens]
    summary = [(row.label, row.fmt, row.values) for row in summary_rows(results)]
    return Tearsheet(title, summary, list(pages.values()), headers, rows)


def from_workbook(path: Path) -> Tearsheet:
    """The tearsheet of a results workbook posbt wrote (its BT_* sheets)."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise PosbtError(f"cannot read the results workbook: {exc}", place=str(path)) from None
    try:
        missing = [s for s in ("BT_Summary", "BT_Trades", "BT_Equity") if s not in wb.sheetnames]
        if missing:
            raise PosbtError(f"not a posbt results workbook: no {', '.join(missing)} sheet",
                             place=str(path))
        srows = list(wb["BT_Summary"].iter_rows(values_only=True))
        names = [str(v) for v in srows[0][1:] if v is not None]
        fmts = label_formats()
        summary = [(str(r[0]), fmts.get(str(r[0]), None) if any(
            v is not None for v in r[1:]) else None, list(r[1:len(names) + 1]))
            for r in srows[1:] if r and r[0] is not None]
        pages = {n: StrategyPage(n) for n in names}
        trows = list(wb["BT_Trades"].iter_rows(values_only=True))
        headers = [trade_key(str(h)) for h in trows[0]]  # labels back to the table's keys
        rows = [list(r) for r in trows[1:] if r and r[0] in pages and len(r) == len(headers)]
        for row in rows:
            pages[row[0]].trades.append(dict(zip(headers, row, strict=True)))
        for r in list(wb["BT_Equity"].iter_rows(values_only=True))[1:]:
            if r and r[0] in pages and isinstance(r[1], dt.date):
                d = r[1].date() if isinstance(r[1], dt.datetime) else r[1]
                pages[r[0]].equity.append((d, float(r[2]), float(r[3])))
        if "BT_Payoff" in wb.sheetnames:
            _read_payoff(list(wb["BT_Payoff"].iter_rows(values_only=True)), pages)
    finally:
        wb.close()
    return Tearsheet(path.stem, summary, list(pages.values()), headers, rows)


def _read_payoff(rows: list[tuple[Any, ...]], pages: dict[str, StrategyPage]) -> None:
    """BT_Payoff back: each block's title names its strategy; curves start in column I."""
    from engine.results.sheets import CURVE_COL

    c0 = CURVE_COL - 1
    i = 0
    while i < len(rows):
        title = rows[i][0] if rows[i] else None
        if isinstance(title, str) and title.startswith("Payoff of trade") and "): " in title:
            name = title.split("): ", 1)[1]
            page = pages.get(name)
            head = rows[i + 1] if i + 1 < len(rows) else ()
            if page is not None and len(head) > c0 and head[c0] == "Spot":
                page.payoff_title = title.rsplit("): ", 1)[0] + ")"
                cols = [j for j in range(c0 + 1, len(head)) if isinstance(head[j], str)
                        and str(head[j]).startswith("P&L ")]
                be_col = next((j for j in range(c0, len(head)) if head[j] == "Breakevens of"),
                              None)
                k = i + 2
                page.curves = [Curve(str(head[j])[4:], []) for j in cols]
                while k < len(rows) and len(rows[k]) > c0 and isinstance(rows[k][c0], int | float):
                    page.spots.append(float(rows[k][c0]))
                    for curve, j in zip(page.curves, cols, strict=True):
                        curve.pnl_inr.append(float(rows[k][j]))
                    if be_col is not None and isinstance(rows[k][be_col + 1], int | float):
                        page.breakevens.append((str(rows[k][be_col]), float(rows[k][be_col + 1])))
                    k += 1
                i = k
                continue
        i += 1


def for_strategy(sheet: Tearsheet, name: str, title: str | None = None) -> Tearsheet:
    """The tearsheet of one strategy of ``sheet`` (a stored run is one strategy)."""
    names = [p.name for p in sheet.strategies]
    if name not in names:
        raise PosbtError(f"the results workbook has no strategy {name!r} (it has "
                         f"{', '.join(names) or 'none'})")
    i = names.index(name)
    summary = [(label, fmt, values[i:i + 1] if fmt is not None else [])
               for label, fmt, values in sheet.summary]
    rows = [r for r in sheet.trade_rows if r[0] == name]
    return Tearsheet(title or name, summary, [sheet.strategies[i]], sheet.trade_headers, rows)


# --- drawing it ---------------------------------------------------------------------------

def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _charts(page: StrategyPage) -> list[tuple[str, str]]:
    """(caption, data URI) of each chart of one strategy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    rupees = FuncFormatter(lambda v, _pos: f"{v:,.0f}")
    out: list[tuple[str, str]] = []
    if len(page.equity) >= 2:
        fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(10, 5.2), sharex=True,
                                       gridspec_kw={"height_ratios": [3, 1.4]})
        dates = [d for d, _, _ in page.equity]
        ax1.plot(dates, [e for _, e, _ in page.equity], color="#1f4e78", lw=1.4)
        ax1.set_ylabel("equity (INR)")
        ax1.yaxis.set_major_formatter(rupees)
        ax1.grid(alpha=0.3)
        ax2.fill_between(dates, [dd for _, _, dd in page.equity], 0, color="#c0504d", alpha=0.5)
        ax2.set_ylabel("drawdown (INR)")
        ax2.yaxis.set_major_formatter(rupees)
        ax2.grid(alpha=0.3)
        fig.autofmt_xdate()
        out.append(("Equity and drawdown", _png(fig)))
    pnls = [float(t["pnl_net_inr"]) for t in page.trades]
    if pnls:
        step = max(1, math.ceil(len(pnls) / MAX_BARS))
        shown = pnls[::step]
        fig, ax = plt.subplots(figsize=(10, 3.2))
        ax.bar(range(1, len(pnls) + 1, step), shown, width=step * 0.8,
               color=["#2e7d32" if p > 0 else "#c62828" for p in shown])
        ax.axhline(0, color="black", lw=0.6)
        ax.set_xlabel("trade")
        ax.set_ylabel("net P&L (INR)")
        ax.yaxis.set_major_formatter(rupees)
        ax.grid(alpha=0.3, axis="y")
        note = f" (1 trade in {step} of {len(pnls):,})" if step > 1 else ""
        out.append((f"Net P&L per trade{note}", _png(fig)))
        fig, ax = plt.subplots(figsize=(10, 3.2))
        ax.hist(pnls, bins=int(min(30, max(5, round(math.sqrt(len(pnls)))))), color="#1f4e78",
                edgecolor="white")
        ax.axvline(0, color="black", lw=0.6)
        ax.set_xlabel("net P&L per trade (INR)")
        ax.set_ylabel("trades")
        ax.xaxis.set_major_formatter(rupees)
        out.append((f"P&L distribution ({len(pnls):,} trades)", _png(fig)))
    if page.spots and page.curves:
        fig, ax = plt.subplots(figsize=(10, 4.4))
        for curve in page.curves:
            ax.plot(page.spots, curve.pnl_inr, lw=1.6 if curve.name.startswith("expiry") else 1.1,
                    ls="-" if curve.name.startswith("expiry") else "--", label=curve.name)
        if page.breakevens:
            ax.plot([b for _, b in page.breakevens], [0.0] * len(page.breakevens), "kD", ms=5,
                    label="breakevens")
        ax.axhline(0, color="black", lw=0.6)
        ax.set_xlabel("index")
        ax.set_ylabel("P&L (INR)")
        ax.yaxis.set_major_formatter(rupees)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        out.append((page.payoff_title or "Payoff", _png(fig)))
    return out


def _fmt(v: Any, fmt: Fmt | None) -> str:
    if v is None or v == NA or (isinstance(v, float) and not math.isfinite(v)):
        return NA if fmt is not None else ""
    if isinstance(v, str):
        return v
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bool):
        return str(v)
    if fmt is Fmt.INR:
        return f"₹{v:,.0f}" if v >= 0 else f"-₹{-v:,.0f}"
    if fmt is Fmt.PCT:
        return f"{v:.2%}"
    if fmt is Fmt.RATIO:
        return f"{v:.2f}"
    if fmt is Fmt.DAYS:
        return f"{v:.1f} d"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:,.2f}"
    return str(v)


def _cls(v: Any) -> str:
    return ' class="neg"' if isinstance(v, int | float) and not isinstance(v, bool) and v < 0 \
        else ""


def _monthly(page: StrategyPage) -> str:
    grid: dict[int, list[float | None]] = {}
    for t in page.trades:
        ts = t.get("exit_ts")
        if not isinstance(ts, dt.datetime):
            continue
        row = grid.setdefault(ts.year, [None] * 12)
        row[ts.month - 1] = (row[ts.month - 1] or 0.0) + float(t["pnl_net_inr"])
    if not grid:
        return ""
    peak = max((abs(v) for r in grid.values() for v in r if v is not None), default=1.0) or 1.0
    cells = []
    for year in sorted(grid):
        tds = []
        for v in grid[year]:
            if v is None:
                tds.append("<td></td>")
                continue
            a = min(abs(v) / peak, 1.0) * 0.6
            colour = f"rgba(46,125,50,{a:.2f})" if v > 0 else f"rgba(198,40,40,{a:.2f})"
            tds.append(f'<td style="background:{colour}">{_fmt(v, Fmt.INR)}</td>')
        total = sum(v for v in grid[year] if v is not None)
        cells.append(f"<tr><th>{year}</th>{''.join(tds)}<td{_cls(total)}><b>"
                     f"{_fmt(total, Fmt.INR)}</b></td></tr>")
    head = "".join(f"<th>{m}</th>" for m in MONTHS)
    return (f"<h3>Net P&amp;L by exit month</h3><table class='grid'><tr><th>Year</th>{head}"
            f"<th>Total</th></tr>{''.join(cells)}</table>")


STYLE = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222}
h1{color:#1f4e78;margin-bottom:4px} h2{color:#1f4e78;border-bottom:2px solid #1f4e78}
.meta{color:#666;font-size:13px} table{border-collapse:collapse;font-size:13px;margin:8px 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right;white-space:nowrap}
th{background:#1f4e78;color:#fff} td:first-child{text-align:left}
tr.section td{background:#ddebf7;color:#1f4e78;font-weight:bold;text-align:left}
.neg{color:#c62828} .grid td{min-width:60px} img{max-width:100%;display:block;margin:6px 0}
.scroll{max-height:600px;overflow:auto;border:1px solid #ccc}
.scroll th{position:sticky;top:0}
"""


def render_html(sheet: Tearsheet) -> str:
    """The page as one HTML string (images inline)."""
    e = html.escape
    names = [p.name for p in sheet.strategies]
    rows = []
    for label, fmt, values in sheet.summary:
        if fmt is None:
            rows.append(f"<tr class='section'><td colspan='{len(names) + 1}'>{e(label)}</td></tr>")
            continue
        tds = "".join(f"<td{_cls(v)}>{e(_fmt(v, fmt))}</td>" for v in values)
        rows.append(f"<tr><td>{e(label)}</td>{tds}</tr>")
    summary = (f"<table><tr><th>Metric</th>{''.join(f'<th>{e(n)}</th>' for n in names)}</tr>"
               f"{''.join(rows)}</table>")
    sections = []
    for page in sheet.strategies:
        charts = "".join(f"<h3>{e(cap)}</h3><img alt='{e(cap)}' src='{uri}'>"
                         for cap, uri in _charts(page))
        body = charts + _monthly(page) if page.trades else "<p><i>No trades.</i></p>"
        sections.append(f"<section><h2>{e(page.name)}</h2>{body}</section>")
    th = "".join(f"<th>{e(TRADE_LABELS.get(h, h))}</th>" for h in sheet.trade_headers)
    trs = "".join("<tr>" + "".join(f"<td{_cls(v)}>{e(_fmt(v, None))}</td>" for v in row)
                  + "</tr>" for row in sheet.trade_rows)
    trades = (f"<div class='scroll'><table><tr>{th}</tr>{trs}</table></div>" if sheet.trade_rows
              else "<p><i>No trades in this run.</i></p>")
    made = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{e(sheet.title)}: posbt tearsheet</title><style>{STYLE}</style></head>"
            f"<body><h1>{e(sheet.title)}</h1><p class='meta'>posbt {e(__version__)} tearsheet, "
            f"written {made}. Margin figures are estimates (SPAN is not public).</p>"
            f"<h2>Summary</h2>{summary}{''.join(sections)}<h2>Trades ({len(sheet.trade_rows):,})"
            f"</h2>{trades}</body></html>")


def write_html(sheet: Tearsheet, out: Path) -> Path:
    """Write the page atomically (a temporary file renamed over ``out``)."""
    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise PosbtError(f"the tearsheet must end in .html, got {out.name}", place="--html")
    out.parent.mkdir(parents=True, exist_ok=True)
    text = render_html(sheet)
    fd, tmp = tempfile.mkstemp(prefix=".posbt-", suffix=".html", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out
