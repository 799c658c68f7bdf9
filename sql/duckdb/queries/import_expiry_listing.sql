-- After a committed import: a DATA expiry's first listed day moves back to the earliest
-- day the file had bars of it (a file of earlier days imported later lowers it); it never
-- moves forward. DuckDB loads already merge listed_from as the earliest of the stored and
-- the file's day in the load itself, --replace included (tables.TABLE_EARLIEST).
-- params: symbol, expiry, first_day (run once per expiry the file shows)
UPDATE expiries
SET listed_from = $first_day
WHERE source = 'DATA' AND symbol = $symbol AND expiry = $expiry
  AND (listed_from IS NULL OR listed_from > $first_day)
