-- Support/resistance levels, computed or user-supplied.
CREATE TABLE IF NOT EXISTS sr_levels (
    symbol   TEXT NOT NULL ENCODING DICT(32),
    as_of    DATE NOT NULL ENCODING DAYS(32),
    "method" TEXT NOT NULL ENCODING DICT(32),
    "level"  DOUBLE NOT NULL,
    kind     TEXT NOT NULL ENCODING DICT(32),   -- SUPPORT | RESISTANCE | PIVOT | POC | ...
    strength DOUBLE,
    load_id  BIGINT
);
