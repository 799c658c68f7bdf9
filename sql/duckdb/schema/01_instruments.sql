-- Contract master, date-ranged: one row per (symbol, valid_from). Loaded from
-- engine/domain/data/contracts.csv; users may add rows.
CREATE TABLE IF NOT EXISTS instruments (
    symbol                 VARCHAR  NOT NULL,
    valid_from             DATE     NOT NULL,
    valid_to               DATE,
    exchange               VARCHAR  NOT NULL,
    lot_size               INTEGER  NOT NULL,
    strike_step            DOUBLE   NOT NULL,
    weekly_expiry_weekday  SMALLINT,          -- 0=Monday .. 6=Sunday; NULL = no weeklies
    monthly_expiry_weekday SMALLINT NOT NULL
);
