-- Option bars stamped at their close, stored sorted by (symbol, ts) so a chain is a
-- contiguous range. volume and oi are in contracts' units (shares of the index x lots
-- normalised to units); iv and greeks are NULL until `posbt data enrich` fills them
-- (iv as a fraction, vega per 1 vol point, theta per calendar day, Black-76 on the forward).
-- A no-trade bar (a bhavcopy row for a contract that did not trade that day) has NULL
-- open/high/low/close and volume 0, and keeps the exchange's settle and oi: it is never a
-- traded price.
CREATE TABLE IF NOT EXISTS option_bars (
    symbol      VARCHAR   NOT NULL,
    expiry      DATE      NOT NULL,
    strike      DOUBLE    NOT NULL,
    "right"     VARCHAR   NOT NULL,   -- CE | PE
    bar_minutes SMALLINT  NOT NULL,
    ts          TIMESTAMP NOT NULL,
    open        DOUBLE,
    high        DOUBLE,
    low         DOUBLE,
    close       DOUBLE,
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
    theta       DOUBLE
);
