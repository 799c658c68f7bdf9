"""HeavyDB post hooks: the parts of named queries HeavyDB's dialect cannot say, in NumPy/Arrow.

Data layer, called by ``engine.data.heavydb_store`` after a query's SQL has run (mode
``post``: the SQL returns what the query needs, the hook computes the rest) or instead of
SQL (mode ``python``). Each hook reproduces its DuckDB twin's result exactly (same
columns, order and NULL rules): arg_min/arg_max, FILTER, exact median, list aggregates,
concat_ws over mixed types, per-row date series and framed rolling ranks are missing from
HeavyDB. ``normalise`` turns HeavyDB's Arrow output (dictionary strings, second-precision
timestamps, decimals) into the plain types DuckDB returns.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.data.heavydb_sql import canonical_columns, schema_columns

PostHook = Callable[[pa.Table, Mapping[str, object]], pa.Table]
PythonQuery = Callable[[Mapping[str, object]], pa.Table]
Row = dict[str, Any]


def normalise(table: pa.Table) -> pa.Table:
    """Dictionary columns decoded, timestamps in microseconds, decimals as float64."""
    cols: list[pa.ChunkedArray] = []
    for col in table.columns:
        t = col.type
        if pa.types.is_dictionary(t):
            col = pc.cast(col, t.value_type)
            t = col.type
        if pa.types.is_timestamp(t) and t.unit != "us":
            col = pc.cast(col, pa.timestamp("us"))
        elif pa.types.is_decimal(t):
            col = pc.cast(col, pa.float64())
        cols.append(col)
    return pa.table(cols, names=table.column_names)


def _example(*parts: object) -> str:
    """concat_ws(' ', ...) as DuckDB renders it: NULLs skipped, values as VARCHAR casts."""
    return " ".join(str(p) for p in parts if p is not None)


def _grouped(rows: list[Row], keys: tuple[str, ...]) -> dict[tuple[Any, ...], list[Row]]:
    out: dict[tuple[Any, ...], list[Row]] = defaultdict(list)
    for r in rows:
        out[tuple(r[k] for k in keys)].append(r)
    return out


_CHECK_SCHEMA = pa.schema([("check_name", pa.string()), ("tbl", pa.string()),
                           ("symbol", pa.string()), ("n", pa.int64()), ("example", pa.string())])


def _check_table(rows: list[Row]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=_CHECK_SCHEMA)


# -- checks ------------------------------------------------------------------------------------

def check_duplicates(table: pa.Table, params: Mapping[str, object]) -> pa.Table:
    """Repeated keys counted per (table, symbol) with the smallest example text."""
    rows = table.to_pylist()
    for r in rows:
        r["example"] = _example(r["symbol"], r["expiry"], r["strike"], r["right"],
                                r["bar_minutes"], r["ts"], r["source"])
    out = [{"check_name": "duplicate keys", "tbl": tbl, "symbol": sym, "n": len(g),
            "example": min(r["example"] for r in g)}
           for (tbl, sym), g in sorted(_grouped(rows, ("tbl", "symbol")).items())]
    return _check_table(out)


def check_prices(table: pa.Table, params: Mapping[str, object]) -> pa.Table:
    """Bad-price rows counted per (problem, table, symbol), ordered by table, symbol, problem."""
    rows = table.to_pylist()
    groups = _grouped(rows, ("problem", "tbl", "symbol"))
    out = [{"check_name": problem, "tbl": tbl, "symbol": sym, "n": len(g),
            "example": min(_example(r["symbol"], r["expiry"], r["strike"], r["right"], r["ts"])
                           for r in g)}
           for (problem, tbl, sym), g in groups.items()]
    out.sort(key=lambda r: (r["tbl"], r["symbol"], r["check_name"]))
    return _check_table(out)


def check_expiries_without_data(table: pa.Table, params: Mapping[str, object]) -> pa.Table:
    """Unlisted-in-data expiries counted per symbol; example = the earliest as text."""
    groups = _grouped(table.to_pylist(), ("symbol",))
    out = [{"check_name": "expiries without data", "tbl": "expiries", "symbol": sym,
            "n": len(g), "example": str(min(r["expiry"] for r in g))}
           for (sym,), g in sorted(groups.items())]
    return _check_table(out)


def check_missing_bars(table: pa.Table, params: Mapping[str, object]) -> pa.Table:
    """Missing in-session bars summed per (table, symbol); example = the worst series-day."""
    out: list[Row] = []
    rows = table.to_pylist()
    for r in rows:
        r["expected"] = 375 // int(r["bar_minutes"])
        r["missing"] = r["expected"] - int(r["have"])
    short = [r for r in rows if r["missing"] > 0]
    for (tbl, sym), g in sorted(_grouped(short, ("tbl", "symbol")).items()):
        worst = max(g, key=lambda r: r["missing"])
        series = _example(worst["series_symbol"], worst["expiry"], worst["strike"], worst["right"])
        out.append({"check_name": "missing bars inside the session", "tbl": tbl, "symbol": sym,
                    "n": sum(r["missing"] for r in g),
                    "example": _example(series, worst["day"], f"{worst['bar_minutes']}m:",
                                        worst["have"], "of", worst["expected"])})
    return _check_table(out)


# -- reads -------------------------------------------------------------------------------------

def leg_paths(table: pa.Table, params: Mapping[str, object]) -> pa.Table:
    """Keep the rows whose (expiry, strike, right) is one of the legs (parallel lists)."""
    legs = set(zip(_as_list(params["expiries"]), (float(s) for s in _as_list(params["strikes"])),
                   _as_list(params["rights"]), strict=True))
    keep = [(e, s, r) in legs for e, s, r in zip(table.column("expiry").to_pylist(),
                                                 table.column("strike").to_pylist(),
                                                 table.column("right").to_pylist(), strict=True)]
    return table.filter(pa.array(keep, type=pa.bool_()))


def _as_list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple | np.ndarray) else [value]


def expiries_from(table: pa.Table, params: Mapping[str, object]) -> pa.Table:
    """One row per expiry, the DATA row winning over a GENERATED one, ordered by expiry."""
    best: dict[dt.date, Row] = {}
    for r in table.to_pylist():
        have = best.get(r["expiry"])
        if have is None or (r["source"] == "DATA" and have["source"] != "DATA"):
            best[r["expiry"]] = r
    rows = [best[e] for e in sorted(best)]
    schema = pa.schema([("expiry", pa.date32()), ("kind", pa.string()), ("source", pa.string())])
    return pa.Table.from_pylist(rows, schema=schema)


def vol_chain_meta(table: pa.Table, params: Mapping[str, object]) -> pa.Table:
    """Fold (bar_minutes, expiry) rows into one row with the sorted expiry list."""
    schema = pa.schema([("bar_minutes", pa.int16()), ("expiries", pa.list_(pa.date32()))])
    if table.num_rows == 0:
        return schema.empty_table()
    minutes = table.column("bar_minutes").to_pylist()[0]
    expiries = sorted(set(table.column("expiry").to_pylist()))
    return pa.Table.from_pylist([{"bar_minutes": minutes, "expiries": expiries}], schema=schema)


def vol_spot_today(table: pa.Table, params: Mapping[str, object]) -> pa.Table:
    """The day so far as one bar: first open, max high, min low, last close (time order)."""
    schema = pa.schema([("open", pa.float64()), ("high", pa.float64()), ("low", pa.float64()),
                        ("close", pa.float64()), ("ts", pa.timestamp("us")),
                        ("bar_minutes", pa.int16())])
    if table.num_rows == 0:
        return schema.empty_table()
    t = table.sort_by("ts")
    row = {"open": t.column("open")[0].as_py(), "high": pc.max(t.column("high")).as_py(),
           "low": pc.min(t.column("low")).as_py(), "close": t.column("close")[-1].as_py(),
           "ts": t.column("ts")[-1].as_py(), "bar_minutes": t.column("bar_minutes")[0].as_py()}
    return pa.Table.from_pylist([row], schema=schema)


def sr_daily_from_intraday(table: pa.Table, params: Mapping[str, object]) -> pa.Table:
    """The finest intraday bars folded per day, stamped at the day's last bar."""
    schema = pa.schema([("ts", pa.timestamp("us")), ("open", pa.float64()),
                        ("high", pa.float64()), ("low", pa.float64()), ("close", pa.float64()),
                        ("volume", pa.int64())])
    days: dict[dt.date, list[Row]] = defaultdict(list)
    for r in table.to_pylist():
        days[r["ts"].date()].append(r)
    out: list[Row] = []
    for g in days.values():
        g.sort(key=lambda r: r["ts"])
        vols = [r["volume"] for r in g if r["volume"] is not None]
        out.append({"ts": g[-1]["ts"], "open": g[0]["open"], "high": max(r["high"] for r in g),
                    "low": min(r["low"] for r in g), "close": g[-1]["close"],
                    "volume": sum(vols) if vols else None})
    out.sort(key=lambda r: r["ts"])
    return pa.Table.from_pylist(out, schema=schema)


def vol_daily_atm(table: pa.Table, params: Mapping[str, object]) -> pa.Table:
    """Parity forward and ATM strike per (trade_date, expiry), as the DuckDB text computes."""
    rate = float(params["rate"])  # type: ignore[arg-type]
    names = ["trade_date", "ts", "expiry", "t_years", "forward", "atm_strike",
             "ce_close", "pe_close", "ce_iv", "pe_iv"]
    if table.num_rows == 0:
        return _atm_table(pd.DataFrame(columns=names))
    b = table.to_pandas()
    expiry_close = pd.to_datetime(b["expiry"]) + pd.Timedelta(hours=15, minutes=30)
    # date_diff('minute', ts, expiry 15:30): whole minutes between minute-truncated stamps
    minutes = (expiry_close.dt.floor("min") - pd.to_datetime(b["ts"]).dt.floor("min"))
    b["t_years"] = minutes.dt.total_seconds() / 60.0 / 525600.0
    keys = ["trade_date", "ts", "expiry", "strike"]
    ce, pe = b[b["right"] == "CE"], b[b["right"] == "PE"]
    pairs = b.groupby(keys, sort=True).agg(t_years=("t_years", "first"),
                                           underlying=("underlying", "median")).reset_index()
    for side, part in (("ce", ce), ("pe", pe)):
        agg = part.groupby(keys).agg(close=("close", "max"), iv=("iv", "max")).reset_index()
        agg = agg.rename(columns={"close": f"{side}_close", "iv": f"{side}_iv"})
        pairs = pairs.merge(agg, on=keys, how="left")
    rows: list[Row] = []
    for (day, exp), g in pairs.groupby(["trade_date", "expiry"], sort=True):
        t = float(g["t_years"].iloc[0])
        both = g[(g["ce_close"] > 0) & (g["pe_close"] > 0)]
        if len(both):
            diff = both["ce_close"] - both["pe_close"]
            i = int(np.argmin(np.abs(diff.to_numpy())))
            forward = float(both["strike"].iloc[i] + np.exp(rate * t) * diff.iloc[i])
        else:
            forward = float(g["underlying"].median() * np.exp(rate * t))
        if not (t > 0 and forward > 0):
            continue
        dist = np.abs(g["strike"].to_numpy() - forward)
        row: Row = {"trade_date": day, "ts": g["ts"].iloc[0], "expiry": exp, "t_years": t,
                    "forward": forward, "atm_strike": g["strike"].iloc[int(np.argmin(dist))]}
        for col in ("ce_close", "pe_close", "ce_iv", "pe_iv"):
            # DuckDB's arg_min skips rows whose value is NULL: the nearest strike that has one
            have = g[col].notna().to_numpy()
            row[col] = g[col].to_numpy()[have][int(np.argmin(dist[have]))] if have.any() else None
        rows.append(row)
    return _atm_table(pd.DataFrame(rows, columns=names))


def _atm_table(frame: pd.DataFrame) -> pa.Table:
    schema = pa.schema([("trade_date", pa.date32()), ("ts", pa.timestamp("us")),
                        ("expiry", pa.date32()), ("t_years", pa.float64()),
                        ("forward", pa.float64()), ("atm_strike", pa.float64()),
                        ("ce_close", pa.float64()), ("pe_close", pa.float64()),
                        ("ce_iv", pa.float64()), ("pe_iv", pa.float64())])
    rows = [{k: (None if _missing(v) else v) for k, v in r.items()}
            for r in frame.to_dict("records")]
    return pa.Table.from_pylist(rows, schema=schema)


def _missing(v: object) -> bool:
    return v is None or v is pd.NaT or (isinstance(v, float) and np.isnan(v))


# -- Python-only queries -----------------------------------------------------------------------

def features_rolling_ranks(params: Mapping[str, object]) -> pa.Table:
    """IVP and IVR over the ``lookback`` previous rows (dates ascending), NULL-aware."""
    dates = _as_list(params["dates"])
    values = [None if v is None or np.isnan(float(v)) else float(v)
              for v in _as_list(params["values"])]
    lookback, need = int(params["lookback"]), int(params["min_count"])  # type: ignore[call-overload]
    order = sorted(range(len(dates)), key=lambda i: dates[i])
    d = [dates[i] for i in order]
    v = [values[i] for i in order]
    ivp: list[float | None] = []
    ivr: list[float | None] = []
    for i, x in enumerate(v):
        prev = [p for p in v[max(0, i - lookback):i] if p is not None]
        if x is None or len(prev) < need or not prev:
            ivp.append(None)
            ivr.append(None)
            continue
        # ivp: previous values strictly below x / valid previous values
        ivp.append(sum(p < x for p in prev) / len(prev))
        lo, hi = min([*prev, x]), max([*prev, x])
        ivr.append(0.5 if hi == lo else (x - lo) / (hi - lo))
    schema = pa.schema([("trade_date", pa.date32()), ("ivp", pa.float64()), ("ivr", pa.float64())])
    return pa.Table.from_pydict({"trade_date": d, "ivp": ivp, "ivr": ivr}, schema=schema)


def import_table_columns(params: Mapping[str, object]) -> pa.Table:
    """Columns of one canonical table as information_schema gives them in DuckDB."""
    table = str(params["table_name"])
    if table not in schema_columns():
        return _COLUMNS_SCHEMA.empty_table()  # DuckDB's information_schema gives no rows
    rows = [{"column_name": c.name, "data_type": c.duckdb_type, "nullable": c.nullable,
             "has_default": c.default is not None} for c in canonical_columns(table)]
    return pa.Table.from_pylist(rows, schema=_COLUMNS_SCHEMA)


_COLUMNS_SCHEMA = pa.schema([("column_name", pa.string()), ("data_type", pa.string()),
                             ("nullable", pa.bool_()), ("has_default", pa.bool_())])


POST_HOOKS: dict[str, PostHook] = {
    "check_duplicates": check_duplicates,
    "check_prices": check_prices,
    "check_expiries_without_data": check_expiries_without_data,
    "check_missing_bars": check_missing_bars,
    "leg_paths": leg_paths,
    "expiries_from": expiries_from,
    "vol_chain_meta": vol_chain_meta,
    "vol_spot_today": vol_spot_today,
    "vol_daily_atm": vol_daily_atm,
    "sr_daily_from_intraday": sr_daily_from_intraday,
}

PYTHON_QUERIES: dict[str, PythonQuery] = {
    "features_rolling_ranks": features_rolling_ranks,
    "import_table_columns": import_table_columns,
}
