"""Enrichment: fill iv and greeks in option_bars (pricing stage, after import).

``posbt data enrich`` runs this after an import: for every option bar whose iv is still
NULL, chain by chain (symbol, bar_minutes, ts, expiry), it

1. takes the forward from a future of the same expiry with a bar at that ts if the store
   has one, else from put-call parity on the chain's closes (``forward.py``);
2. takes T as minutes to 15:30 IST on expiry day over a 365-day year (``time.py``);
3. solves each strike's IV from its out-of-the-money option, closes below one tick give
   none (``chain.py``), and computes Black-76 greeks at that IV (``greeks.py``);
4. writes iv, delta, gamma, vega (per vol point), theta (per calendar day) back.

Rows where no IV can be solved (OTM price below a tick, no OTM partner, no forward,
expired) are written with ``iv = NaN`` and NULL greeks: they are enriched (never retried)
but have no IV. Readers must treat a NaN iv as missing (in DuckDB: ``NOT isnan(iv)``;
NaN compares equal to itself and above every number there).

Work goes one (symbol, day) at a time, each in its own transaction, so a stopped run
keeps what it finished and a second run does only what is left (incremental).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from engine.pricing.chain import TICK_PTS, chain_ivs
from engine.pricing.forward import synthetic_forwards
from engine.pricing.greeks import greeks
from engine.pricing.time import t_years

DEFAULT_RATE = 0.065


class EnrichableStore(Protocol):
    """What enrichment needs from a store: named queries and the greek update."""

    def query(self, name: str, params: Mapping[str, object] | None = None) -> pa.Table:
        """Run a named query."""

    def update_option_greeks(self, batch: pa.Table) -> int:
        """Write iv and greeks where iv IS NULL; returns rows changed."""


@dataclass(frozen=True)
class DayPlan:
    """One unit of work: a symbol's trading day with ``n_todo`` bars to enrich."""

    symbol: str
    day: date
    n_todo: int


@dataclass(frozen=True)
class EnrichResult:
    """What a run did: days processed, rows written, and how many of them got no IV."""

    days: int = 0
    rows_written: int = 0
    rows_without_iv: int = 0


def plan_days(store: EnrichableStore, symbol: str | None = None) -> list[DayPlan]:
    """The (symbol, day) chunks that still have un-enriched option bars."""
    rows = store.query("enrich_days", {"symbol": symbol}).to_pylist()
    return [DayPlan(r["symbol"], r["day"], int(r["n_todo"])) for r in rows]


def enrich_option_bars(store: EnrichableStore, *, r: float = DEFAULT_RATE,
                       symbol: str | None = None,
                       on_day: Callable[[DayPlan], None] | None = None) -> EnrichResult:
    """Fill iv and greeks of every not-yet-enriched option bar (optionally one symbol).

    Args:
        store: the market store, opened for writing.
        r: risk-free rate, continuously compounded per year (default 6.5%).
        symbol: only this symbol when given.
        on_day: called after each (symbol, day) chunk is written (progress).
    """
    days = plan_days(store, symbol)
    written = no_iv = 0
    for plan in days:
        batch = enrich_day(store, plan.symbol, plan.day, r=r)
        written += store.update_option_greeks(batch)
        no_iv += int(np.isnan(batch.column("iv").to_numpy(zero_copy_only=False)).sum())
        if on_day is not None:
            on_day(plan)
    return EnrichResult(days=len(days), rows_written=written, rows_without_iv=no_iv)


def enrich_day(store: EnrichableStore, symbol: str, day: date, *,
               r: float = DEFAULT_RATE) -> pa.Table:
    """The iv/greeks batch for the un-enriched bars of ``symbol`` on ``day`` (not written)."""
    start = datetime(day.year, day.month, day.day)
    params = {"symbol": symbol, "day_start": start, "day_end": start + timedelta(days=1)}
    rows = store.query("enrich_chain_rows", params).to_pandas()
    futures = store.query("enrich_futures", params).to_pandas()
    values = compute_chain_greeks(rows, futures, r=r)
    todo = rows["todo"].to_numpy(dtype=bool)
    out = rows.loc[todo, ["expiry", "strike", "right", "bar_minutes", "ts"]]
    table = pa.table({
        "symbol": pa.array([symbol] * int(todo.sum()), pa.string()),
        "expiry": pa.array(out["expiry"], pa.date32()),
        "strike": pa.array(out["strike"].to_numpy(dtype=np.float64)),
        "right": pa.array(out["right"].astype(str).to_numpy(), pa.string()),
        "bar_minutes": pa.array(out["bar_minutes"].to_numpy(dtype=np.int16)),
        "ts": pa.array(out["ts"], pa.timestamp("us")),
        "iv": pa.array(values["iv"][todo]),  # NaN kept: the "no IV" marker
    })
    for name in ("delta", "gamma", "vega", "theta"):
        col = values[name][todo]
        table = table.append_column(name, pa.array(col, mask=np.isnan(col)))
    return table


def compute_chain_greeks(rows: pd.DataFrame, futures: pd.DataFrame, *, r: float
                         ) -> dict[str, npt.NDArray[np.float64]]:
    """iv, forward and greeks per row of option bars (columns as ``enrich_chain_rows``).

    Chains are (bar_minutes, ts, expiry). The forward is a same-expiry future's close
    at that (bar_minutes, ts) when ``futures`` has one, else the parity forward.
    """
    n = len(rows)
    if n == 0:
        empty = np.empty(0, dtype=np.float64)
        return {k: empty for k in ("iv", "forward", "t_years", "delta", "gamma", "vega",
                                   "theta")}
    keys = ["bar_minutes", "ts", "expiry"]
    chain_id = rows.groupby(keys, sort=True).ngroup().to_numpy(dtype=np.int64)
    strike = rows["strike"].to_numpy(dtype=np.float64)
    right = rows["right"].astype(str).to_numpy()
    close = rows["close"].to_numpy(dtype=np.float64)
    ts = rows["ts"].to_numpy(dtype="datetime64[ns]")
    expiry = rows["expiry"].to_numpy(dtype="datetime64[D]")
    t = np.asarray(t_years(ts, expiry), dtype=np.float64)
    fwd = _chain_forwards(chain_id, strike, right, close, t, r)[chain_id]
    if len(futures):
        fut = rows[keys].merge(futures.rename(columns={"close": "fut_close"}), on=keys,
                               how="left")["fut_close"].to_numpy(dtype=np.float64)
        fwd = np.where(np.isfinite(fut) & (fut > 0), fut, fwd)
    iv = chain_ivs(strike, right, close, fwd, t, r, chain_id=chain_id, min_price_pts=TICK_PTS)
    g = greeks(fwd, strike, t, r, iv, right)
    return {"iv": iv, "forward": fwd, "t_years": t, "delta": g.delta, "gamma": g.gamma,
            "vega": g.vega, "theta": g.theta}


def _chain_forwards(chain_id: npt.NDArray[np.integer[Any]], strike: npt.NDArray[np.float64],
                    right: npt.NDArray[Any], close: npt.NDArray[np.float64],
                    t: npt.NDArray[np.float64], r: float) -> npt.NDArray[np.float64]:
    """Parity forward per chain id (0..max), NaN where a chain has no call/put pair."""
    frame = pd.DataFrame({"chain": chain_id, "strike": strike, "right": right, "close": close,
                          "t": t})
    wide = frame.pivot_table(index=["chain", "strike"], columns="right", values="close",
                             aggfunc="first")
    calls = wide["CE"] if "CE" in wide else pd.Series(np.nan, index=wide.index)
    puts = wide["PE"] if "PE" in wide else pd.Series(np.nan, index=wide.index)
    t_by_chain = frame.groupby("chain")["t"].first()
    chains = wide.index.get_level_values("chain").to_numpy()
    ids, fwd = synthetic_forwards(chains, wide.index.get_level_values("strike").to_numpy(),
                                  calls.to_numpy(dtype=np.float64),
                                  puts.to_numpy(dtype=np.float64),
                                  t_by_chain.loc[chains].to_numpy(dtype=np.float64), r)
    out = np.full(int(chain_id.max()) + 1, np.nan)
    out[ids.astype(np.int64)] = fwd
    return out
