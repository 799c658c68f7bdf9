-- India VIX (or any volatility index) bars, in index points (e.g. 13.5 = 13.5%).
CREATE TABLE IF NOT EXISTS vix_bars (
    symbol      VARCHAR   NOT NULL,
    bar_minutes SMALLINT  NOT NULL,
    ts          TIMESTAMP NOT NULL,
    open        DOUBLE    NOT NULL,
    high        DOUBLE    NOT NULL,
    low         DOUBLE    NOT NULL,
    close       DOUBLE    NOT NULL
);
