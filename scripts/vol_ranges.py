"""Typical ranges of every volatility metric on a market store: the table docs/volatility.md quotes.

For one symbol, computes the daily volatility features exactly as the engine does
(``engine.volatility.features.features_table``: the same code ``posbt data features`` runs)
for every daily close of the store, and the skew (25-delta risk reversal and 5% moneyness skew,
which daily_features leaves NULL) from point-in-time snapshots
(``engine.volatility.volatility_snapshot``) at 15:00 IST on every ``--skew-every``-th intraday
trading day. Prints, per metric, the number of days with a value and the 5/25/50/75/95th
percentiles (``numpy.percentile``, linear interpolation), then how often each term-structure
class and VIX regime occurred.

    .venv/bin/python scripts/vol_ranges.py --home DIR [--build-demo] [--symbol NIFTY]

``--build-demo`` first builds the default demo market (``posbt data demo``: synthetic NIFTY,
5-minute bars for 2025, 300 days of daily history, seed 7) into DIR when DIR has no market;
``--days N --interval 15m --history-days N`` make a smaller one (the tests use that).
Nothing is written to the store: it is opened read-only.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import Counter
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path

import numpy as np

from engine.data.factory import open_market_store
from engine.volatility import volatility_snapshot
from engine.volatility.features import features_table
from engine.volatility.percentile import rolling_ivp

sys.path.insert(0, str(Path(__file__).resolve().parent))  # scripts/demo_market.py, beside it
from demo_market import add_demo_options, demo_market

PERCENTILES = (5, 25, 50, 75, 95)

# (column of features_table, label in the table, unit) in the order the doc discusses them
METRICS: tuple[tuple[str, str, str], ...] = (
    ("atm_iv_30d", "ATM IV 30d", "fraction"),
    ("atm_iv_7d", "ATM IV 7d", "fraction"),
    ("atm_iv_60d", "ATM IV 60d", "fraction"),
    ("vix_close", "India VIX close", "index points"),
    ("ivp", "IVP (30d IV, 252 closes)", "fraction 0-1"),
    ("ivr", "IVR (30d IV, 252 closes)", "fraction 0-1"),
    ("ivp_60", "IVP (30d IV, 60 closes)", "fraction 0-1"),
    ("atr_14", "ATR(14)", "points"),
    ("atr_frac", "ATR(14) / close", "fraction"),
    ("atr_pct", "ATR percentile (252)", "fraction 0-1"),
    ("hv_cc_20", "HV close-to-close 20d", "fraction"),
    ("hv_parkinson_20", "HV Parkinson 20d", "fraction"),
    ("hv_gk_20", "HV Garman-Klass 20d", "fraction"),
    ("hv_rs_20", "HV Rogers-Satchell 20d", "fraction"),
    ("hv_yz_20", "HV Yang-Zhang 20d", "fraction"),
    ("iv_hv_ratio", "IV/HV (30d IV / HV cc 20d)", "ratio"),
    ("term_slope", "term slope (back-front)/front", "fraction"),
    ("rr25", "25-delta risk reversal ~30d", "vol (0.01 = 1 pt)"),
    ("mny_skew", "5% moneyness skew ~30d", "vol (0.01 = 1 pt)"),
)


# (label, {series: (low, high)}): share of daily closes inside every band (the entry gates'
# ranges of the template's plan examples and the defaults); term/regime compare text
BANDS: tuple[tuple[str, dict[str, tuple[float, float] | str]], ...] = (
    ("IVP in [0.30, 0.70] (IVPMinEntry/IVPMaxEntry of plan example 1)", {"ivp": (0.30, 0.70)}),
    ("ATR percentile in [0.20, 0.80] (plan example 1)", {"atr_pct": (0.20, 0.80)}),
    ("VIX in [12, 20] (VIXMinEntry/VIXMaxEntry of plan example 1)", {"vix_close": (12.0, 20.0)}),
    ("plan example 1: all three", {"ivp": (0.30, 0.70), "atr_pct": (0.20, 0.80),
                                   "vix_close": (12.0, 20.0)}),
    ("IVR >= 0.50 (plan example 2)", {"ivr": (0.50, 1.0)}),
    ("regime HIGH (VIX in [20, 30))", {"regime": "HIGH"}),
    ("term BACKWARDATION", {"term_class": "BACKWARDATION"}),
    ("plan example 2: all three", {"ivr": (0.50, 1.0), "regime": "HIGH",
                                   "term_class": "BACKWARDATION"}),
    ("IV/HV in [0.5, 2.0] (the IVHVRatioMin/Max defaults)", {"iv_hv_ratio": (0.5, 2.0)}),
)


def band_shares(series: dict[str, np.ndarray], text: dict[str, list[object]]
                ) -> list[dict[str, object]]:
    """Per band: the days where every metric of the band is known, and the share inside."""
    out = []
    for label, conds in BANDS:
        known = np.ones(series["ivp"].size, dtype=bool)
        inside = np.ones_like(known)
        for name, cond in conds.items():
            if isinstance(cond, str):
                values = np.asarray([v if v is not None else "" for v in text[name]])
                known &= values != ""
                inside &= values == cond
            else:
                x = series[name]
                known &= np.isfinite(x)
                with np.errstate(invalid="ignore"):
                    inside &= (x >= cond[0]) & (x <= cond[1])
        n = int(known.sum())
        out.append({"band": label, "days": n,
                    "share": float((inside & known).sum() / n) if n else math.nan})
    return out


def _col(table: object, name: str) -> np.ndarray:
    col = table.column(name)  # type: ignore[attr-defined]
    return np.asarray(col.to_numpy(zero_copy_only=False), dtype=np.float64)


def measure(home: Path, symbol: str, skew_every: int,
            skew_time: dtime = dtime(15, 0)) -> dict[str, object]:
    """Every metric's series on the store at ``home`` and their summary (see the docstring)."""
    store = open_market_store(home, read_only=True)
    try:
        span = store.query("daily_closes", {"symbol": symbol, "vix_symbol": "INDIAVIX",
                                            "date_from": date(1990, 1, 1),
                                            "date_to": date(2100, 1, 1)})
        all_dates: list[date] = span.column("trade_date").to_pylist()
        if not all_dates:
            raise SystemExit(f"{home}: the store has no daily bars of {symbol}")
        table = features_table(store, symbol, all_dates[0], all_dates[-1])
        series: dict[str, np.ndarray] = {c: _col(table, c) for c, _, _ in METRICS
                                         if c in table.column_names and c != "rr25"}
        series["ivp_60"] = rolling_ivp(series["atm_iv_30d"], 60)
        series["atr_frac"] = series["atr_14"] / _col(table, "close")
        text = {c: table.column(c).to_pylist() for c in ("term_class", "regime")}
        terms = Counter(text["term_class"])
        regimes = Counter(text["regime"])
        shares = band_shares(series, text)
        # skew from snapshots on the intraday days (the daily history has no minute chains)
        t0 = time.process_time()
        sample = [d for i, d in enumerate(all_dates) if i % max(skew_every, 1) == 0]
        rr, mny = [], []
        for d in sample:
            snap = volatility_snapshot(store, symbol, datetime.combine(d, skew_time), 252)
            if snap.chain_ts is None or snap.chain_ts.date() != d:
                continue
            rr.append(snap.rr25)
            mny.append(snap.moneyness_skew)
        skew_cpu_s = time.process_time() - t0
        series["rr25"] = np.asarray(rr, dtype=np.float64)
        series["mny_skew"] = np.asarray(mny, dtype=np.float64)
    finally:
        store.close()
    rows = []
    for col, label, unit in METRICS:
        x = series[col]
        x = x[np.isfinite(x)]
        qs = [float(np.percentile(x, p)) for p in PERCENTILES] if x.size else \
            [math.nan] * len(PERCENTILES)
        rows.append({"metric": col, "label": label, "unit": unit, "n": int(x.size),
                     **{f"p{p}": q for p, q in zip(PERCENTILES, qs, strict=True)}})
    return {"symbol": symbol, "first_date": str(all_dates[0]), "last_date": str(all_dates[-1]),
            "daily_closes": len(all_dates), "skew_days": int(series["rr25"].size),
            "skew_cpu_s": round(skew_cpu_s, 1), "rows": rows,
            "term_class": {str(k): v for k, v in terms.items()},
            "regime": {str(k): v for k, v in regimes.items()}, "bands": shares}


def _fmt(v: float, unit: str) -> str:
    if not math.isfinite(v):
        return "n/a"
    if unit == "points" or unit == "index points":
        return f"{v:.1f}"
    return f"{v:.3f}"


def render(result: dict[str, object]) -> str:
    """The markdown table docs/volatility.md quotes, with the counts below it."""
    head = "| metric | unit | days | " + " | ".join(f"p{p}" for p in PERCENTILES) + " |"
    lines = [f"{result['symbol']}, daily closes {result['first_date']} .. "
             f"{result['last_date']} ({result['daily_closes']} days); skew on "
             f"{result['skew_days']} intraday days at 15:00 IST", "", head,
             "|" + "---|" * (3 + len(PERCENTILES))]
    for r in result["rows"]:  # type: ignore[attr-defined]
        qs = " | ".join(_fmt(r[f"p{p}"], r["unit"]) for p in PERCENTILES)
        lines.append(f"| {r['label']} | {r['unit']} | {r['n']} | {qs} |")
    for key in ("term_class", "regime"):
        counts: dict[str, int] = result[key]  # type: ignore[assignment]
        total = sum(counts.values()) or 1
        lines.append("")
        lines.append(f"{key}: " + ", ".join(f"{k} {v} ({100 * v / total:.0f}%)"
                                            for k, v in sorted(counts.items())))
    lines += ["", "| entry band | days known | share of days inside |", "|---|---|---|"]
    for b in result["bands"]:  # type: ignore[attr-defined]
        share = f"{100 * b['share']:.0f}%" if math.isfinite(b["share"]) else "n/a"
        lines.append(f"| {b['band']} | {b['days']} | {share} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--home", type=Path, required=True, help="posbt home holding market.duckdb")
    ap.add_argument("--symbol", default="NIFTY")
    add_demo_options(ap)
    ap.add_argument("--interval", default="5m", help="demo: bar interval")
    ap.add_argument("--skew-every", type=int, default=1,
                    help="snapshot the skew on every k-th trading day (1: every day)")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    args = ap.parse_args(argv)
    demo_market(args)
    result = measure(args.home, args.symbol.strip().upper(), args.skew_every)
    print(render(result))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
