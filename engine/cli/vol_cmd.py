"""``posbt vol`` (a volatility snapshot, or history export / plot) and ``posbt data features``.

CLI stage over ``engine.volatility``: ``vol`` reads the market store read-only; ``features``
opens it for writing and fills the daily_features table incrementally.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

import click
import pandas as pd
from rich.table import Table

from engine.cli.common import console, get_ctx, reports_errors
from engine.data.store import Store
from engine.errors import DataMissingError, PosbtError
from engine.volatility.features import compute_daily_features
from engine.volatility.snapshot import VolSnapshot, volatility_snapshot
from engine.workbook.text import csv_field, formula_like

_FRACTIONS = {"ivp", "ivr", "atr_pct"}


def _fmt(name: str, value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        if name in _FRACTIONS:
            return f"{value:.1%}"
        return f"{value:,.2f}" if abs(value) >= 100 else f"{value:.4f}"
    return str(value)


def print_snapshot(snap: VolSnapshot) -> None:
    """The snapshot as a metric / value table, then the missing metrics with reasons."""
    out = console()
    table = Table(title=f"{snap.symbol} volatility as of {snap.at}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in snap.as_rows():
        table.add_row(name, _fmt(name, value))
    out.print(table)
    if snap.missing:
        miss = Table(title="missing")
        miss.add_column("metric")
        miss.add_column("why")
        for name, why in snap.missing.items():
            miss.add_row(name, why)
        out.print(miss)


def _latest_ts(store: Store, symbol: str) -> datetime:
    value = store.query("vol_latest_ts", {"symbol": symbol}).column("ts")[0].as_py()
    if value is None:
        raise DataMissingError(f"no spot bars for {symbol}", place="spot_bars")
    return value  # type: ignore[no-any-return]


def _history(store: Store, symbol: str, date_from: date | None,
             date_to: date | None) -> pd.DataFrame:
    frame = store.query("features_history", {
        "symbol": symbol, "date_from": date_from or date(1900, 1, 1),
        "date_to": date_to or date(2999, 12, 31)}).to_pandas()
    assert isinstance(frame, pd.DataFrame)
    if frame.empty:
        raise DataMissingError(
            f"no daily_features rows for {symbol} in the range; run `posbt data features`",
            place="daily_features")
    return frame


def _export(frame: pd.DataFrame, out: Path) -> None:
    suffix = out.suffix.lower()
    if suffix == ".csv":  # text that looks like a formula stays text (engine.workbook.text)
        frame.map(csv_field).to_csv(out, index=False)
    elif suffix == ".xlsx":
        with pd.ExcelWriter(out, engine="openpyxl") as xw:
            frame.to_excel(xw, index=False, sheet_name="vol_history")
            for row in xw.sheets["vol_history"].iter_rows():
                for cell in row:
                    if formula_like(cell.value):
                        cell.data_type = "s"
    else:
        raise PosbtError("the export file must end in .csv or .xlsx", place=str(out))


def plot_history(frame: pd.DataFrame, symbol: str, out: Path) -> None:
    """ATM IV and HV (top), IVP and IVR (bottom) over time, written as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6), sharex=True)
    dates = pd.to_datetime(frame["trade_date"])
    top.plot(dates, frame["atm_iv_30d"], label="ATM IV 30d")
    top.plot(dates, frame["hv_cc_20"], label="HV close-to-close 20d")
    top.set_ylabel("vol (fraction)")
    top.legend(loc="upper left")
    top.set_title(f"{symbol} implied and historical volatility")
    bottom.plot(dates, frame["ivp"], label="IVP")
    bottom.plot(dates, frame["ivr"], label="IVR")
    bottom.set_ylim(0, 1)
    bottom.set_ylabel("fraction")
    bottom.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


@click.command("vol")
@click.argument("symbol")
@click.option("--at", "at", type=click.DateTime(["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M",
                                                  "%Y-%m-%d"]),
              default=None, help="As-of time (IST); default: the latest spot bar.")
@click.option("--lookback", type=click.IntRange(min=1), default=252, show_default=True,
              help="Previous daily closes for IVP / IVR / ATR percentile.")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="History start (export / plot).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="History end (export / plot).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Export daily_features history to FILE.csv or FILE.xlsx.")
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Draw ATM IV, HV, IVP and IVR over time to FILE.png.")
@reports_errors
def vol(symbol: str, at: datetime | None, lookback: int, date_from: datetime | None,
        date_to: datetime | None, out: Path | None, plot: Path | None) -> None:
    """Volatility snapshot of SYMBOL, or its daily history (--out / --plot)."""
    symbol = symbol.strip().upper()
    store = get_ctx().open_store(read_only=True)
    try:
        if out is None and plot is None:
            when = at or _latest_ts(store, symbol)
            print_snapshot(volatility_snapshot(store, symbol, when, lookback))
            return
        frame = _history(store, symbol, date_from.date() if date_from else None,
                         date_to.date() if date_to else None)
        if out is not None:
            _export(frame, out)
            click.echo(f"wrote {len(frame)} rows to {out}")
        if plot is not None:
            plot_history(frame, symbol, plot)
            click.echo(f"wrote {plot}")
    finally:
        store.close()


@click.command("features")
@click.option("--symbol", "symbols", multiple=True, help="Only these symbols (repeatable).")
@click.option("--lookback", type=click.IntRange(min=1), default=252, show_default=True)
@reports_errors
def features(symbols: tuple[str, ...], lookback: int) -> None:
    """Compute daily_features for every (symbol, day) not yet present."""
    store = get_ctx().open_store(read_only=False)
    try:
        names = [s.strip().upper() for s in symbols] or None
        report = compute_daily_features(store, names, lookback=lookback)
    finally:
        store.close()
    for symbol, n in report.inserted.items():
        click.echo(f"{symbol}: {n} new daily_features rows")
    click.echo(f"total: {report.total}")
