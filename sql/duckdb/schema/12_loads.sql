-- Where the stored data came from: one row per committed load that changed the data and
-- named its source (engine/data/fingerprint.py). The data fingerprint of the results is
-- the sha256 of the sorted distinct digests, so two stores built from the same sources
-- match and any other source changes it. Created on the first write-mode open of a store
-- made before it existed (CREATE ... IF NOT EXISTS is the migration); such a store's data
-- of before is then recorded as one 'stats' row (table statistics).
CREATE TABLE IF NOT EXISTS loads (
    digest       VARCHAR NOT NULL,  -- sha256 hex of the source (file bytes, demo spec, stats)
    kind         VARCHAR NOT NULL,  -- import:<kind> | demo | demo:vix | stats
    label        VARCHAR,           -- the file name, the demo symbol
    data_version BIGINT  NOT NULL   -- the store's data version once the load committed
);
