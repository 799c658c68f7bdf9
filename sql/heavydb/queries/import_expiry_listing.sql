-- mode: statement
-- After a committed import: a DATA expiry's first listed day moves back to the earliest
-- day the file had bars of it; it never moves forward. HeavyDB loads skip stored keys (and
-- have no --replace), so this statement is what moves a HeavyDB expiry's day back.
-- params: symbol, expiry, first_day
UPDATE expiries
SET listed_from = :first_day
WHERE source = 'DATA' AND symbol = :symbol AND expiry = :expiry
  AND (listed_from IS NULL OR listed_from > :first_day)
