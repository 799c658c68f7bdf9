-- Upgrades of HeavyDB stores created by earlier versions (the twin of
-- sql/duckdb/schema/11_migrations.sql). HeavyDB has no ADD COLUMN IF NOT EXISTS: the store
-- (HeavyDBStore._migrate) runs each statement only when the column its `-- adds:` line
-- names is missing, so opening a current store changes nothing.
-- * expiries.listed_from: the first day an expiry is listed (the engine picks only expiries
--   listed on the decision day; NULL, as in older stores, means not known: always listed).
-- * spot_bars.source: where a spot bar came from (derived spot is marked).
-- (DuckDB's migration also drops NOT NULL from option and futures OHLC; HeavyDB cannot
-- alter a column's nullability, so an older HeavyDB store keeps it.)

-- adds: expiries.listed_from
ALTER TABLE expiries ADD COLUMN listed_from DATE ENCODING DAYS(32);

-- adds: spot_bars.source
ALTER TABLE spot_bars ADD COLUMN source TEXT ENCODING DICT(8);
