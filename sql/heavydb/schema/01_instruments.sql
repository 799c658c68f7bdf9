-- Contract master, date-ranged: one row per (symbol, valid_from). Same columns as
-- sql/duckdb/schema/01_instruments.sql, plus load_id (the load that inserted the row).
CREATE TABLE IF NOT EXISTS instruments (
    symbol                 TEXT NOT NULL ENCODING DICT(32),
    valid_from             DATE NOT NULL ENCODING DAYS(32),
    valid_to               DATE ENCODING DAYS(32),
    exchange               TEXT NOT NULL ENCODING DICT(32),
    lot_size               INTEGER NOT NULL,
    strike_step            DOUBLE NOT NULL,
    weekly_expiry_weekday  SMALLINT,
    monthly_expiry_weekday SMALLINT NOT NULL,
    load_id                BIGINT
);
