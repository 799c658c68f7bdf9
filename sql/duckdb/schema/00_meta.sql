-- Store bookkeeping: schema version and a data version bumped by every committed load,
-- so caches (volatility snapshots, S/R levels) know when the store changed.
CREATE TABLE IF NOT EXISTS store_meta (
    key   VARCHAR NOT NULL,
    value VARCHAR NOT NULL
);
