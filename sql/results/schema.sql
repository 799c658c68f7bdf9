-- The results store ($POSBT_HOME/results.duckdb): every backtest is kept with its config,
-- config hash, data fingerprint and engine version. Written only by the process that owns it.
CREATE TABLE IF NOT EXISTS runs (
    run_id           VARCHAR   NOT NULL,
    started_at       TIMESTAMP NOT NULL,
    strategy         VARCHAR   NOT NULL,
    symbol           VARCHAR   NOT NULL,
    start_date       DATE,
    end_date         DATE,
    config_json      VARCHAR   NOT NULL,
    config_hash      VARCHAR   NOT NULL,
    data_fingerprint VARCHAR   NOT NULL,
    engine_version   VARCHAR   NOT NULL,
    source_file      VARCHAR,
    net_pnl_inr      DOUBLE,
    trades           INTEGER
);
CREATE TABLE IF NOT EXISTS trades (
    run_id VARCHAR NOT NULL, trade_id INTEGER, structure VARCHAR, entry_ts TIMESTAMP,
    exit_ts TIMESTAMP, exit_reason VARCHAR, entry_spot DOUBLE, exit_spot DOUBLE, lots INTEGER,
    lot_size INTEGER, premium_inr DOUBLE, pnl_gross_inr DOUBLE, costs_inr DOUBLE,
    pnl_net_inr DOUBLE, margin_inr DOUBLE, adjustments INTEGER
);
CREATE TABLE IF NOT EXISTS fills (
    run_id VARCHAR NOT NULL, trade_id INTEGER, ts TIMESTAMP, leg_id VARCHAR, expiry DATE,
    strike DOUBLE, "right" VARCHAR, qty_units INTEGER, price_pts DOUBLE, slippage_pts DOUBLE,
    costs_inr DOUBLE, kind VARCHAR, note VARCHAR
);
CREATE TABLE IF NOT EXISTS adjustments (
    run_id VARCHAR NOT NULL, trade_id INTEGER, ts TIMESTAMP, rule_id VARCHAR, action VARCHAR,
    status VARCHAR, reason VARCHAR, debit_inr DOUBLE, costs_inr DOUBLE
);
CREATE TABLE IF NOT EXISTS pnl_series (
    run_id VARCHAR NOT NULL, trade_id INTEGER, ts TIMESTAMP, spot DOUBLE, mtm_inr DOUBLE
);
CREATE TABLE IF NOT EXISTS greek_series (
    run_id VARCHAR NOT NULL, trade_id INTEGER, ts TIMESTAMP, delta DOUBLE, gamma DOUBLE,
    vega_inr DOUBLE, theta_inr DOUBLE, vega_tw_inr DOUBLE
);
CREATE TABLE IF NOT EXISTS breakeven_series (
    run_id VARCHAR NOT NULL, trade_id INTEGER, ts TIMESTAMP, lower_pts DOUBLE, upper_pts DOUBLE
);
CREATE TABLE IF NOT EXISTS run_outputs (
    run_id VARCHAR NOT NULL, out_path VARCHAR NOT NULL, written_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS run_metrics (
    run_id VARCHAR NOT NULL, metrics_json VARCHAR NOT NULL
);
-- One row per finished sweep variant (posbt sweep): a variant whose validated config, market
-- data and engine version were already run is found here and not recomputed.
CREATE TABLE IF NOT EXISTS sweep_variants (
    config_hash      VARCHAR   NOT NULL,
    data_fingerprint VARCHAR   NOT NULL,
    engine_version   VARCHAR   NOT NULL,
    strategy         VARCHAR   NOT NULL,
    run_id           VARCHAR   NOT NULL,
    params_json      VARCHAR   NOT NULL,
    metrics_json     VARCHAR   NOT NULL,
    finished_at      TIMESTAMP NOT NULL,
    daily_pnl_json   VARCHAR   -- {"YYYY-MM-DD": net P&L of the day in INR}, for DSR and PBO
);
