-- Optional index futures bars; forwards come from put-call parity when absent.
CREATE TABLE IF NOT EXISTS futures_bars (
    symbol      VARCHAR   NOT NULL,
    expiry      DATE      NOT NULL,
    bar_minutes SMALLINT  NOT NULL,
    ts          TIMESTAMP NOT NULL,
    open        DOUBLE    NOT NULL,
    high        DOUBLE    NOT NULL,
    low         DOUBLE    NOT NULL,
    close       DOUBLE    NOT NULL,
    settle      DOUBLE,
    volume      BIGINT,
    oi          BIGINT
);
