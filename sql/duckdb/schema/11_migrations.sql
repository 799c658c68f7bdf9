-- Upgrades of stores created by earlier versions (each statement is idempotent and cheap:
-- catalog changes only). Schema version 2:
-- * no-trade bars: option and futures OHLC may be NULL (a bhavcopy row for a contract that
--   did not trade keeps its settle and oi);
-- * spot_bars.source says where a spot bar came from (derived spot is marked);
-- * expiries.listed_from: the first day an expiry is listed (the engine picks only expiries
--   listed on the decision day; NULL, as in older stores, means not known: always listed).
ALTER TABLE option_bars ALTER COLUMN open DROP NOT NULL;
ALTER TABLE option_bars ALTER COLUMN high DROP NOT NULL;
ALTER TABLE option_bars ALTER COLUMN low DROP NOT NULL;
ALTER TABLE option_bars ALTER COLUMN close DROP NOT NULL;
ALTER TABLE futures_bars ALTER COLUMN open DROP NOT NULL;
ALTER TABLE futures_bars ALTER COLUMN high DROP NOT NULL;
ALTER TABLE futures_bars ALTER COLUMN low DROP NOT NULL;
ALTER TABLE futures_bars ALTER COLUMN close DROP NOT NULL;
ALTER TABLE spot_bars ADD COLUMN IF NOT EXISTS source VARCHAR;
ALTER TABLE expiries ADD COLUMN IF NOT EXISTS listed_from DATE;
