"""Writes NSE old-layout F&O bhavcopies from a synthetic market, as the exchange would.

Used by the end-to-end test (a year of bhavcopies, imported with no other file, backtests
a monthly iron fly) and runnable by hand: ``python -m tests.unit.data.importers.bhav_year
OUT_DIR [DAYS]``. What the files hold, per trading day (``fo04JAN2023bhav.csv.zip``,
zipped like NSE's archive):

- one OPTIDX row per listed contract of the synthetic chain: traded rows with the bar's
  OPEN/HIGH/LOW/CLOSE, SETTLE_PR = CLOSE, CONTRACTS = volume / lot; the outermost strike
  on each side is written *untraded* (0,0,0,0, CONTRACTS 0, SETTLE_PR = the model's price,
  its OI), and on an expiry day the expiring contracts settle at intrinsic value against
  the day's index close (0 out of the money);
- FUTIDX rows for the three serial monthlies: F = S exp((r - q) T) on the index OHLC;
  the far month untraded (SETTLE_PR only), as NSE writes it;
- one OPTSTK and one FUTSTK row (ignored by posbt);
- no index row: the old layout has none, so posbt must derive spot from the futures.

The true spot of the synthetic market is returned so a test can compare the estimate.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import sys
import zipfile
from pathlib import Path

from engine.data.duckdb_store import DuckDBStore
from engine.data.synthetic import generate_market
from engine.data.synthetic.spec import market_spec

HEADER = ("INSTRUMENT,SYMBOL,EXPIRY_DT,STRIKE_PR,OPTION_TYP,OPEN,HIGH,LOW,CLOSE,SETTLE_PR,"
          "CONTRACTS,VAL_INLAKH,OPEN_INT,CHG_IN_OI,TIMESTAMP,")
RATE, DIVIDEND = 0.065, 0.012


def _d(day: dt.date) -> str:
    return day.strftime("%d-%b-%Y")


def _p(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if x else "0"


def _day_lines(day: dt.date, spot: dict[str, float], options: list[dict[str, object]],
               monthlies: list[dt.date], lot: int) -> list[str]:
    stamp = day.strftime("%d-%b-%Y").upper()
    lines = [HEADER]
    for i, expiry in enumerate(monthlies[:3]):
        t = (expiry - day).days / 365.0
        carry = math.exp((RATE - DIVIDEND) * t)
        o, h, lo, c = (round(spot[k] * carry, 2) for k in ("open", "high", "low", "close"))
        if i == 2:
            lines.append(f"FUTIDX,NIFTY,{_d(expiry)},0,XX,0,0,0,0,{_p(c)},0,0,1500,0,{stamp},")
        else:
            lines.append(f"FUTIDX,NIFTY,{_d(expiry)},0,XX,{_p(o)},{_p(h)},{_p(lo)},{_p(c)},"
                         f"{_p(c)},{20000 // (i + 1)},1,{9_000_000 // (i + 1)},0,{stamp},")
    by_expiry: dict[object, list[float]] = {}
    for r in options:
        by_expiry.setdefault(r["expiry"], []).append(float(r["strike"]))  # type: ignore[arg-type]
    for r in options:
        expiry, strike, right = r["expiry"], float(r["strike"]), str(r["right"])  # type: ignore[arg-type]
        assert isinstance(expiry, dt.date)
        close = float(r["close"])  # type: ignore[arg-type]
        settle = close
        if expiry == day:
            settle = max(spot["close"] - strike, 0.0) if right == "CE" \
                else max(strike - spot["close"], 0.0)
            settle = round(settle, 2)
        oi = int(r["oi"] or 0)  # type: ignore[call-overload]
        strikes = by_expiry[expiry]
        if strike in (min(strikes), max(strikes)):
            lines.append(f"OPTIDX,NIFTY,{_d(expiry)},{strike:g},{right},0,0,0,0,{_p(settle)},0,0,"
                         f"{oi},0,{stamp},")
            continue
        contracts = max(1, int(r["volume"] or 0) // lot)  # type: ignore[call-overload]
        lines.append(
            f"OPTIDX,NIFTY,{_d(expiry)},{strike:g},{right},{_p(float(r['open']))},"  # type: ignore[arg-type]
            f"{_p(float(r['high']))},{_p(float(r['low']))},{_p(close)},{_p(settle)},"  # type: ignore[arg-type]
            f"{contracts},1,{oi},0,{stamp},")
    lines.append(f"OPTSTK,ACMESTEEL,{_d(monthlies[0])},100,CE,5.1,5.6,4.9,5.2,5.2,10,1,600,0,"
                 f"{stamp},")
    lines.append(f"FUTSTK,ACMESTEEL,{_d(monthlies[0])},0,XX,101.5,103,100.4,102.2,102.2,25,1,"
                 f"9000,0,{stamp},")
    return lines


def write_bhav_year(out: Path, *, days: int = 250, start: dt.date = dt.date(2023, 1, 2),
                    strikes_each_side: int = 5, seed: int = 11) -> dict[dt.date, float]:
    """Write one zipped bhavcopy per trading day into ``out``; returns the true spot closes."""
    out.mkdir(parents=True, exist_ok=True)
    src = DuckDBStore(":memory:")
    try:
        generate_market(market_spec(["NIFTY"], start=start, days=days, interval_minutes=1440,
                                    history_days=0, strikes_each_side=strikes_each_side,
                                    horizon_days=100, seed=seed), src)
        spot = {r["ts"].date(): r for r in src.sql(
            "SELECT ts, open, high, low, close FROM spot_bars WHERE symbol = 'NIFTY' "
            "AND bar_minutes = 1440 ORDER BY ts").to_pylist()}
        monthly = sorted(r["expiry"] for r in src.sql(
            "SELECT expiry FROM expiries WHERE symbol = 'NIFTY' AND kind = 'MONTHLY'").to_pylist())
        lot = 50
        for day, s in spot.items():
            options = src.sql(
                "SELECT expiry, strike, \"right\", open, high, low, close, volume, oi "
                "FROM option_bars WHERE symbol = 'NIFTY' AND bar_minutes = 1440 "
                "AND CAST(ts AS DATE) = ? ORDER BY expiry, strike, \"right\"", [day]).to_pylist()
            if not options:
                continue
            live = [e for e in monthly if e >= day]
            text = "\n".join(_day_lines(day, s, options, live, lot)) + "\n"
            name = f"fo{day.strftime('%d%b%Y').upper()}bhav.csv"
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(name, text)
            (out / f"{name}.zip").write_bytes(buf.getvalue())
        return {day: float(s["close"]) for day, s in spot.items()}
    finally:
        src.close()


if __name__ == "__main__":  # pragma: no cover - a helper for humans
    folder = Path(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 250
    closes = write_bhav_year(folder, days=n)
    print(f"wrote {len(list(folder.glob('*.zip')))} bhavcopies for {len(closes)} days to {folder}")
