-- Optional index futures bars; forwards come from put-call parity when absent.
-- A no-trade bar (untraded far future) has NULL open/high/low/close, volume 0, settle and oi.
CREATE TABLE IF NOT EXISTS futures_bars (
    symbol      VARCHAR   NOT NULL,
    expiry      DATE      NOT NULL,
    bar_minutes SMALLINT  NOT NULL,
    ts          TIMESTAMP NOT NULL,
    open        DOUBLE,
    high        DOUBLE,
    low         DOUBLE,
    close       DOUBLE,
    settle      DOUBLE,
    volume      BIGINT,
    oi          BIGINT
);
