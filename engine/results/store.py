"""The results store (results stage): every run kept in ``$POSBT_HOME/results.duckdb``.

A run row holds the validated config (JSON), its hash, a fingerprint of the market data it read
(the market store's data version and row counts) and the engine version, so a result can always
be traced to what produced it. Only the process that owns the file writes it (the CLI, or the
server when it runs); market data lives in a different file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
import uuid
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from engine import __version__
from engine.data.sqlfiles import results_schema_text
from engine.errors import StoreError
from engine.results.metrics import Metrics
from engine.results.result import BacktestResult


def config_hash(config_json: str) -> str:
    """SHA-256 of the canonical config JSON (first 16 hex digits)."""
    return hashlib.sha256(config_json.encode("utf-8")).hexdigest()[:16]


class ResultsStore:
    """Append-only store of backtest runs."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(self.path)
        except duckdb.IOException as exc:
            raise StoreError(f"cannot open the results store: {exc}", place=self.path) from None
        self.con.execute(results_schema_text())

    def save(self, result: BacktestResult, config_json: str, data_fingerprint: str,
             source_file: str | None = None, started_at: dt.datetime | None = None) -> str:
        """Store one run with its trades, fills and series; returns its run id."""
        run_id = uuid.uuid4().hex[:12]
        p, m = result.plan, result.metrics
        self.con.execute("BEGIN TRANSACTION")
        try:
            self.con.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, started_at or dt.datetime.now(), p.name, p.symbol, p.start, p.end,
                 config_json, config_hash(config_json), data_fingerprint, __version__,
                 source_file, m.net_pnl_inr if m else None, len(result.trades)])
            if m is not None:
                self.con.execute("INSERT INTO run_metrics VALUES (?, ?)",
                                 [run_id, metrics_json(m)])
            if result.trades:
                self._append("trades", pa.table({
                    "run_id": [run_id] * len(result.trades),
                    **{c: [getattr(t, c) for t in result.trades] for c in (
                        "trade_id", "structure", "entry_ts", "exit_ts")},
                    "exit_reason": [t.exit_reason.value for t in result.trades],
                    **{c: [getattr(t, c) for t in result.trades] for c in (
                        "entry_spot", "exit_spot", "lots", "lot_size", "premium_inr",
                        "pnl_gross_inr", "costs_inr")},
                    "pnl_net_inr": [t.pnl_net_inr for t in result.trades],
                    "margin_inr": [t.margin_inr for t in result.trades],
                    "adjustments": [t.adjustments for t in result.trades]}))
            if result.fills:
                cols = ("trade_id", "ts", "leg_id", "expiry", "strike", "right", "qty_units",
                        "price_pts", "slippage_pts", "costs_inr", "kind", "note")
                self._append("fills", pa.table({"run_id": [run_id] * len(result.fills),
                                                **{c: [getattr(f, c) for f in result.fills]
                                                   for c in cols}}))
            if result.adjustments:
                adj = result.adjustments
                self._append("adjustments", pa.table({
                    "run_id": [run_id] * len(adj), "trade_id": [a.trade_id for a in adj],
                    "ts": [a.ts for a in adj], "rule_id": [a.rule_id for a in adj],
                    "action": [a.action for a in adj], "status": [a.status for a in adj],
                    "reason": [a.reason for a in adj], "debit_inr": [-a.cash_inr for a in adj],
                    "costs_inr": [a.costs_inr for a in adj]}))
            s = result.series
            ts = s.column("ts")
            if ts.size:
                ids = s.column("trade_id").astype(np.int32)
                self._append("pnl_series", pa.table({
                    "run_id": [run_id] * ts.size, "trade_id": ids, "ts": ts,
                    "spot": s.column("spot"), "mtm_inr": s.column("mtm_inr")}))
                self._append("greek_series", pa.table({
                    "run_id": [run_id] * ts.size, "trade_id": ids, "ts": ts,
                    "delta": s.column("delta"), "gamma": s.column("gamma"),
                    "vega_inr": s.column("vega_inr"), "theta_inr": s.column("theta_inr"),
                    "vega_tw_inr": s.column("vega_tw_inr")}))
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise
        return run_id

    def _append(self, table: str, batch: pa.Table) -> None:
        self.con.register("_posbt_results_batch", batch)
        try:
            cols = ", ".join(f'"{c}"' for c in batch.column_names)
            self.con.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM _posbt_results_batch')  # noqa: S608
        finally:
            self.con.unregister("_posbt_results_batch")

    def runs(self) -> list[dict[str, object]]:
        """Every stored run, newest first."""
        table = self.con.sql(
            "SELECT run_id, started_at, strategy, symbol, config_hash, data_fingerprint, "
            "engine_version, net_pnl_inr, trades FROM runs ORDER BY started_at DESC").to_arrow_table()
        rows: list[dict[str, object]] = table.to_pylist()
        return rows

    def record_output(self, run_ids: list[str], out_path: Path | str) -> None:
        """Remember the results workbook the runs were written to (for ``posbt report``)."""
        for run_id in run_ids:
            self.con.execute("INSERT INTO run_outputs VALUES (?, ?, ?)",
                             [run_id, str(out_path), dt.datetime.now()])

    def run(self, run_id: str) -> dict[str, object]:
        """One stored run with its latest results workbook (``out_path``, None if unknown);
        a StoreError naming the id when there is none."""
        table = self.con.execute(
            "SELECT r.run_id, r.started_at, r.strategy, r.symbol, r.start_date, r.end_date, "
            "r.config_hash, r.data_fingerprint, r.engine_version, r.source_file, r.net_pnl_inr, "
            "r.trades, (SELECT o.out_path FROM run_outputs o WHERE o.run_id = r.run_id "
            "ORDER BY o.written_at DESC LIMIT 1) AS out_path FROM runs r WHERE r.run_id = ?",
            [run_id]).fetchall()
        names = ("run_id", "started_at", "strategy", "symbol", "start_date", "end_date",
                 "config_hash", "data_fingerprint", "engine_version", "source_file",
                 "net_pnl_inr", "trades", "out_path")
        rows = [dict(zip(names, r, strict=True)) for r in table]
        if not rows:
            raise StoreError(f"no run {run_id!r} in the results store; `posbt runs list` "
                             "shows the runs", place=self.path)
        return rows[0]

    def metrics(self, run_id: str) -> dict[str, float | int | None]:
        """The headline metrics stored with a run (empty for a run stored before they were)."""
        rows = self.con.execute("SELECT metrics_json FROM run_metrics WHERE run_id = ?",
                                [run_id]).fetchall()
        out: dict[str, float | int | None] = json.loads(rows[0][0]) if rows else {}
        return out

    def config(self, run_id: str) -> str:
        """The validated config JSON of a run."""
        rows = self.con.execute("SELECT config_json FROM runs WHERE run_id = ?",
                                [run_id]).fetchall()
        return str(rows[0][0]) if rows else ""

    def count(self, table: str, run_id: str) -> int:
        """Rows of ``table`` belonging to ``run_id``."""
        if table not in ("trades", "fills", "pnl_series", "greek_series", "adjustments"):
            raise StoreError(f"unknown results table {table!r}")
        rows = self.con.execute(f'SELECT count(*) FROM "{table}" WHERE run_id = ?',  # noqa: S608
                                [run_id]).fetchall()
        return int(rows[0][0])

    def sweep_variant(self, config_hash_: str, data_fingerprint: str) -> dict[str, object] | None:
        """The finished sweep variant with this config hash on this data and engine version
        (``run_id``, ``metrics`` and ``daily_pnl`` as dicts), or None when it has not run."""
        rows = self.con.execute(
            "SELECT run_id, metrics_json, daily_pnl_json FROM sweep_variants WHERE "
            "config_hash = ? AND "
            "data_fingerprint = ? AND engine_version = ? ORDER BY finished_at DESC LIMIT 1",
            [config_hash_, data_fingerprint, __version__]).fetchall()
        if not rows:
            return None
        return {"run_id": rows[0][0], "metrics": json.loads(rows[0][1]),
                "daily_pnl": json.loads(rows[0][2]) if rows[0][2] else {}}

    def save_sweep_variant(self, result: BacktestResult, config_json: str,
                           data_fingerprint: str, params: dict[str, object],
                           metrics: dict[str, object], source_file: str | None = None,
                           daily_pnl: dict[str, float] | None = None) -> str:
        """Keep one finished sweep variant: its run (trades, fills, series) and its row in
        ``sweep_variants`` (with its daily net P&L by ISO date); returns the run id."""
        run_id = self.save(result, config_json, data_fingerprint, source_file=source_file)
        self.con.execute(
            "INSERT INTO sweep_variants VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [config_hash(config_json), data_fingerprint, __version__, result.plan.name, run_id,
             canonical_json(params), json.dumps(metrics, sort_keys=True),
             dt.datetime.now(), json.dumps(daily_pnl or {}, sort_keys=True)])
        return run_id

    def trade_entries(self, run_id: str) -> list[tuple[dt.datetime, float]]:
        """(entry time, net P&L INR) of each trade of a stored run, in trade order."""
        rows = self.con.execute("SELECT entry_ts, pnl_net_inr FROM trades WHERE run_id = ? "
                                "ORDER BY trade_id", [run_id]).fetchall()
        return [(r[0], float(r[1])) for r in rows]

    def trade_outcomes(self, run_id: str) -> list[tuple[dt.datetime, dt.datetime, float, float]]:
        """(entry time, exit time, net P&L INR, margin INR, NaN when unknown) of each trade of
        a stored run, in trade order."""
        rows = self.con.execute("SELECT entry_ts, exit_ts, pnl_net_inr, margin_inr FROM trades "
                                "WHERE run_id = ? ORDER BY trade_id", [run_id]).fetchall()
        return [(r[0], r[1], float(r[2]), float(r[3]) if r[3] is not None else float("nan"))
                for r in rows]

    def close(self) -> None:
        """Close the file."""
        self.con.close()


def metrics_json(m: Metrics) -> str:
    """Metrics as JSON, NaN and infinities as null."""
    return json.dumps({k: (v if not isinstance(v, float) or math.isfinite(v) else None)
                       for k, v in dataclasses.asdict(m).items()}, sort_keys=True)


def canonical_json(data: object) -> str:
    """Stable JSON text (sorted keys, ISO dates) for hashing and storing configs."""
    return json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
