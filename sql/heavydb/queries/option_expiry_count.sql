-- mode: sql
-- How many option bars one expiry has at one interval (the option cache sizes a build).
-- params: symbol, bar_minutes, expiry
SELECT COUNT(*) AS n_rows
FROM option_bars o
WHERE o.symbol = :symbol
  AND o.bar_minutes = :bar_minutes
  AND o.expiry = :expiry
