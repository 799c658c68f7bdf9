-- India VIX (or any volatility index) bars, in index points (e.g. 13.5 = 13.5%).
CREATE TABLE IF NOT EXISTS vix_bars (
    symbol      TEXT NOT NULL ENCODING DICT(32),
    bar_minutes SMALLINT NOT NULL,
    ts          TIMESTAMP(0) NOT NULL,
    "open"      DOUBLE NOT NULL,
    high        DOUBLE NOT NULL,
    low         DOUBLE NOT NULL,
    "close"     DOUBLE NOT NULL,
    load_id     BIGINT
) WITH (fragment_size = 8000000, sort_column = 'ts');
