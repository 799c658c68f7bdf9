-- Where the stored data came from (the twin of sql/duckdb/schema/12_loads.sql): one row per
-- committed load that changed the data and named its source; load_id tags the row like
-- the data rows so a failed load's compensation removes it too.
CREATE TABLE IF NOT EXISTS loads (
    digest       TEXT   NOT NULL ENCODING DICT(32),
    kind         TEXT   NOT NULL ENCODING DICT(32),
    label        TEXT   ENCODING DICT(32),
    data_version BIGINT NOT NULL,
    load_id      BIGINT
);
