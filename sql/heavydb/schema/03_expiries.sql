-- Listed expiries, taken from the data where the data has them (importers, generator).
CREATE TABLE IF NOT EXISTS expiries (
    symbol  TEXT NOT NULL ENCODING DICT(32),
    expiry  DATE NOT NULL ENCODING DAYS(32),
    kind    TEXT NOT NULL ENCODING DICT(32),   -- WEEKLY | MONTHLY
    source  TEXT NOT NULL ENCODING DICT(32),   -- DATA | GENERATED
    listed_from DATE ENCODING DAYS(32),        -- first listed day; NULL = not known
    load_id BIGINT
);
