-- Optional index futures bars; forwards come from put-call parity when absent.
CREATE TABLE IF NOT EXISTS futures_bars (
    symbol      TEXT NOT NULL ENCODING DICT(32),
    expiry      DATE NOT NULL ENCODING DAYS(32),
    bar_minutes SMALLINT NOT NULL,
    ts          TIMESTAMP(0) NOT NULL,
    "open"      DOUBLE,
    high        DOUBLE,
    low         DOUBLE,
    "close"     DOUBLE,
    settle      DOUBLE,
    volume      BIGINT,
    oi          BIGINT,
    load_id     BIGINT
) WITH (fragment_size = 8000000, sort_column = 'ts');
