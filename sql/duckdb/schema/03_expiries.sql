-- Listed expiries, taken from the data where the data has them (importers, generator).
CREATE TABLE IF NOT EXISTS expiries (
    symbol VARCHAR NOT NULL,
    expiry DATE    NOT NULL,
    kind   VARCHAR NOT NULL,   -- WEEKLY | MONTHLY
    source VARCHAR NOT NULL,   -- DATA | GENERATED
    listed_from DATE           -- first day the exchange lists it; NULL = not known (every
                               -- day up to the expiry counts as listed)
);
