-- Option bars stamped at their close. sort_column = 'ts' keeps fragments in time order so
-- a chain (one ts) or a leg path (a ts range) reads a few fragments, like the sorted
-- DuckDB file. On a multi-node cluster add SHARD KEY (symbol) with shard_count; a single
-- server needs no sharding. iv and greeks are NULL until enrichment fills them.
CREATE TABLE IF NOT EXISTS option_bars (
    symbol      TEXT NOT NULL ENCODING DICT(32),
    expiry      DATE NOT NULL ENCODING DAYS(32),
    strike      DOUBLE NOT NULL,
    "right"     TEXT NOT NULL ENCODING DICT(8),   -- CE | PE
    bar_minutes SMALLINT NOT NULL,
    ts          TIMESTAMP(0) NOT NULL,
    "open"      DOUBLE,
    high        DOUBLE,
    low         DOUBLE,
    "close"     DOUBLE,
    settle      DOUBLE,
    bid         DOUBLE,
    ask         DOUBLE,
    volume      BIGINT,
    oi          BIGINT,
    underlying  DOUBLE,
    iv          DOUBLE,
    delta       DOUBLE,
    gamma       DOUBLE,
    vega        DOUBLE,
    theta       DOUBLE,
    load_id     BIGINT
) WITH (fragment_size = 32000000, sort_column = 'ts');
