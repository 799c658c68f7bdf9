"""Enrichment of option_bars: forwards, OTM-side IVs, greeks, the NaN marker, incremental
runs, the futures forward, the store's update method and the CLI."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from click.testing import CliRunner

from engine.cli.main import cli
from engine.data.duckdb_store import DuckDBStore
from engine.errors import StoreError
from engine.pricing import black76, greeks
from engine.pricing.enrich import compute_chain_greeks, enrich_day, enrich_option_bars

EXPIRY = dt.date(2024, 1, 4)
TS = dt.datetime(2024, 1, 1, 10, 0)
# 10:00 on 1 Jan to 15:30 on 4 Jan = 3 days + 330 minutes = 4650 minutes
T_YEARS = 4650 / 525_600
FWD = 22040.0
VOL = 0.15
R = 0.065


def _bars(ts: dt.datetime = TS, fwd: float = FWD, strikes: tuple[float, ...] = (
          21800.0, 21900.0, 22000.0, 22100.0, 22200.0), extra: list[dict[str, object]] | None = None
          ) -> pa.Table:
    t = (dt.datetime.combine(EXPIRY, dt.time(15, 30)) - ts).total_seconds() / 60 / 525_600
    rows: list[dict[str, object]] = []
    for k in strikes:
        for right in ("CE", "PE"):
            p = float(black76(fwd, k, t, R, VOL, right))
            rows.append({"symbol": "NIFTY", "expiry": EXPIRY, "strike": k, "right": right,
                         "bar_minutes": 1, "ts": ts, "open": p, "high": p, "low": p,
                         "close": p})
    rows.extend(extra or [])
    table = pa.Table.from_pylist(rows)
    return table.set_column(table.schema.get_field_index("bar_minutes"), "bar_minutes",
                            pa.array(table.column("bar_minutes").to_pylist(), pa.int16()))


def _store_with(table: pa.Table) -> DuckDBStore:
    store = DuckDBStore(":memory:")
    with store.load() as tx:
        tx.append("option_bars", table)
    return store


def _enriched(store: DuckDBStore) -> list[dict[str, object]]:
    return store.sql('SELECT strike, "right", iv, delta, gamma, vega, theta FROM option_bars '
                     'ORDER BY ts, strike, "right"').to_pylist()


def test_enrich_fills_iv_and_greeks_from_parity_forward() -> None:
    store = _store_with(_bars())
    result = enrich_option_bars(store, r=R)
    assert (result.days, result.rows_written, result.rows_without_iv) == (1, 10, 0)
    rows = _enriched(store)
    # every close was priced at 15% on F = 22040, so the parity forward recovers F and
    # the IV is 0.15 for both rights at every strike
    for row in rows:
        assert row["iv"] == pytest.approx(VOL, abs=1e-9)
    want = greeks(FWD, 22000.0, T_YEARS, R, VOL, "PE")
    row = next(x for x in rows if x["strike"] == 22000.0 and x["right"] == "PE")
    assert row["delta"] == pytest.approx(float(want.delta), rel=1e-7)
    assert row["vega"] == pytest.approx(float(want.vega), rel=1e-7)   # per vol point
    assert row["theta"] == pytest.approx(float(want.theta), rel=1e-7)  # per calendar day
    assert row["gamma"] == pytest.approx(float(want.gamma), rel=1e-7)
    store.close()


def test_second_run_does_nothing_and_new_bars_are_picked_up() -> None:
    store = _store_with(_bars())
    enrich_option_bars(store, r=R)
    version = store.data_version()
    again = enrich_option_bars(store, r=R)
    assert (again.days, again.rows_written) == (0, 0)
    assert store.data_version() == version
    # a later import adds the 11:00 chain: only its 10 rows are written
    with store.load() as tx:
        tx.append("option_bars", _bars(ts=dt.datetime(2024, 1, 1, 11, 0)))
    later = enrich_option_bars(store, r=R)
    assert (later.days, later.rows_written) == (1, 10)
    store.close()


def test_unsolvable_rows_get_the_nan_marker_and_are_not_retried() -> None:
    # deep OTM call at 24000 (~0.0 points < one tick) and a lone ITM put at 23000 with no
    # call partner: both get iv = NaN and NULL greeks
    tiny = {"symbol": "NIFTY", "expiry": EXPIRY, "strike": 24000.0, "right": "CE",
            "bar_minutes": 1, "ts": TS, "open": 0.01, "high": 0.01, "low": 0.01, "close": 0.01}
    lone_put = dict(tiny, strike=23000.0, right="PE", open=960.0, high=960.0, low=960.0,
                    close=960.0)
    store = _store_with(_bars(extra=[tiny, lone_put]))
    result = enrich_option_bars(store, r=R)
    assert (result.rows_written, result.rows_without_iv) == (12, 2)
    rows = {(r["strike"], r["right"]): r for r in _enriched(store)}
    for key in ((24000.0, "CE"), (23000.0, "PE")):
        assert math.isnan(rows[key]["iv"])  # type: ignore[arg-type]
        assert rows[key]["delta"] is None and rows[key]["vega"] is None
    nulls = store.sql("SELECT count(*) AS n FROM option_bars WHERE iv IS NULL").to_pylist()
    assert nulls == [{"n": 0}]
    assert enrich_option_bars(store, r=R).rows_written == 0
    store.close()


def test_future_of_the_same_expiry_sets_the_forward() -> None:
    # closes priced on F = 22040 but a future at 22100 is stored for that expiry and ts:
    # the future wins, so IVs differ from 15% and the ATM call/put pair at 22100 agree
    store = _store_with(_bars())
    with store.load() as tx:
        tx.append("futures_bars", pa.table({
            "symbol": ["NIFTY"], "expiry": [EXPIRY], "bar_minutes": pa.array([1], pa.int16()),
            "ts": [TS], "open": [22100.0], "high": [22100.0], "low": [22100.0],
            "close": [22100.0]}))
    batch = enrich_day(store, "NIFTY", TS.date(), r=R)
    ivs = dict(zip(zip(batch.column("strike").to_pylist(), batch.column("right").to_pylist(),
                       strict=True), batch.column("iv").to_pylist(), strict=True))
    # 22000 < F=22100 so the put is OTM; the 22000 put priced at 15% on F=22040 is worth
    # less on F=22100 at 15%, so its IV must be above 15%
    assert ivs[(22000.0, "PE")] > VOL and ivs[(22000.0, "CE")] == ivs[(22000.0, "PE")]
    store.close()


def test_compute_chain_greeks_empty_and_symbol_filter() -> None:
    import pandas as pd
    empty = compute_chain_greeks(pd.DataFrame(), pd.DataFrame(), r=R)
    assert all(v.size == 0 for v in empty.values())
    store = _store_with(_bars())
    assert enrich_option_bars(store, r=R, symbol="BANKNIFTY").days == 0
    seen: list[str] = []
    res = enrich_option_bars(store, r=R, symbol="NIFTY", on_day=lambda p: seen.append(p.symbol))
    assert res.rows_written == 10 and seen == ["NIFTY"]
    store.close()


def test_store_update_option_greeks_only_fills_null_rows() -> None:
    store = _store_with(_bars(strikes=(22000.0,)))
    key = {"symbol": ["NIFTY"], "expiry": [EXPIRY], "strike": [22000.0], "right": ["CE"],
           "bar_minutes": pa.array([1], pa.int16()), "ts": [TS]}
    first = pa.table({**key, "iv": [0.2], "delta": [0.5], "gamma": [0.001], "vega": [8.0],
                      "theta": [-19.0]})
    assert store.update_option_greeks(first) == 1
    second = pa.table({**key, "iv": [0.3], "delta": [0.6], "gamma": [0.002], "vega": [9.0],
                       "theta": [-20.0]})
    assert store.update_option_greeks(second) == 0  # iv no longer NULL: left alone
    got = store.sql("""SELECT iv, delta FROM option_bars WHERE "right" = 'CE'""").to_pylist()
    assert got == [{"iv": 0.2, "delta": 0.5}]
    assert store.update_option_greeks(first.slice(0, 0)) == 0
    store.close()


def test_store_update_rejects_read_only(tmp_path: Path) -> None:
    path = tmp_path / "m.duckdb"
    DuckDBStore(path).close()
    ro = DuckDBStore(path, read_only=True)
    with pytest.raises(StoreError, match="read-only"):
        ro.update_option_greeks(pa.table({"iv": [0.1]}))
    ro.close()


def test_store_update_rolls_back_on_bad_batch() -> None:
    store = _store_with(_bars(strikes=(22000.0,)))
    with pytest.raises(StoreError, match="enrich_update"):
        store.update_option_greeks(pa.table({"symbol": ["NIFTY"]}))  # no iv column
    # the connection is usable afterwards (no open transaction left behind)
    assert store.sql("SELECT count(*) AS n FROM option_bars").to_pylist() == [{"n": 2}]
    store.close()


def test_cli_enrich_then_nothing_left(home: Path) -> None:
    store = DuckDBStore(home / "market.duckdb")
    with store.load() as tx:
        tx.append("option_bars", _bars())
    store.close()
    runner = CliRunner()
    first = runner.invoke(cli, ["--home", str(home), "data", "enrich", "--rate", "0.065"])
    assert first.exit_code == 0, first.output
    assert "enriched 10 option bars over 1 symbol-days" in first.output
    second = runner.invoke(cli, ["--home", str(home), "data", "enrich"])
    assert second.exit_code == 0 and "nothing to enrich" in second.output
    check = DuckDBStore(home / "market.duckdb", read_only=True)
    ivs = np.array([r["iv"] for r in check.sql("SELECT iv FROM option_bars").to_pylist()])
    check.close()
    np.testing.assert_allclose(ivs, VOL, atol=1e-9)


def test_cli_enrich_bad_rate_is_a_clear_error(home: Path) -> None:
    result = CliRunner().invoke(cli, ["--home", str(home), "data", "enrich", "--rate", "6.5"])
    assert result.exit_code == 1
    assert "--rate" in result.output and "Traceback" not in result.output
