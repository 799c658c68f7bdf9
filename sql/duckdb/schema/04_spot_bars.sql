-- Index OHLC(V) bars stamped at their close (IST, naive). bar_minutes: 1, 5, 15, ... 1440 (daily).
-- Key (symbol, bar_minutes, ts); no PRIMARY KEY index (loads de-duplicate by anti-join).
CREATE TABLE IF NOT EXISTS spot_bars (
    symbol      VARCHAR   NOT NULL,
    bar_minutes SMALLINT  NOT NULL,
    ts          TIMESTAMP NOT NULL,
    open        DOUBLE    NOT NULL,
    high        DOUBLE    NOT NULL,
    low         DOUBLE    NOT NULL,
    close       DOUBLE    NOT NULL,
    volume      BIGINT,
    source      VARCHAR   -- NULL or FILE: as given; UNDERLYING: a bhavcopy's UndrlygPric;
                          -- DERIVED_FUTURES / DERIVED_PARITY: estimated by posbt from options
);
