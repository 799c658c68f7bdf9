-- Index OHLC(V) bars stamped at their close (IST, naive), key (symbol, bar_minutes, ts).
-- No key index (HeavyDB has none): loads de-duplicate by an anti-join. sort_column keeps
-- fragments in time order so a time slice skips most fragments (fragment metadata).
CREATE TABLE IF NOT EXISTS spot_bars (
    symbol      TEXT NOT NULL ENCODING DICT(32),
    bar_minutes SMALLINT NOT NULL,
    ts          TIMESTAMP(0) NOT NULL,
    "open"      DOUBLE NOT NULL,
    high        DOUBLE NOT NULL,
    low         DOUBLE NOT NULL,
    "close"     DOUBLE NOT NULL,
    volume      BIGINT,
    source      TEXT ENCODING DICT(8),   -- NULL/FILE, UNDERLYING, DERIVED_FUTURES, DERIVED_PARITY
    load_id     BIGINT
) WITH (fragment_size = 8000000, sort_column = 'ts');
