-- How many option bars one expiry has at one interval (the option cache sizes a build).
-- params: symbol, bar_minutes, expiry
SELECT count(*) AS n_rows
FROM option_bars
WHERE symbol = $symbol
  AND bar_minutes = $bar_minutes
  AND expiry = $expiry
