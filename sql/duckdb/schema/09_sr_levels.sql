-- Support/resistance levels, computed or user-supplied.
CREATE TABLE IF NOT EXISTS sr_levels (
    symbol   VARCHAR NOT NULL,
    as_of    DATE    NOT NULL,
    method   VARCHAR NOT NULL,
    level    DOUBLE  NOT NULL,
    kind     VARCHAR NOT NULL,   -- SUPPORT | RESISTANCE | PIVOT | POC | ...
    strength DOUBLE
);
