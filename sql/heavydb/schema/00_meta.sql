-- Store bookkeeping (HeavyDB): schema version, a data version bumped by every committed
-- load, and 'load_in_progress' while a load is being committed (HeavyDB has no
-- multi-statement transactions; see engine/data/heavydb_store.py for the compensation).
CREATE TABLE IF NOT EXISTS store_meta (
    "key"   TEXT NOT NULL ENCODING DICT(32),
    "value" TEXT NOT NULL ENCODING DICT(32)
);
