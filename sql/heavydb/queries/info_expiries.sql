-- mode: sql
-- Listed expiries per symbol and kind: how many, first and last.
-- params: none
SELECT symbol, kind, source, COUNT(*) AS n_expiries, MIN(expiry) AS first_expiry,
       MAX(expiry) AS last_expiry
FROM expiries
GROUP BY symbol, kind, source
ORDER BY symbol, kind, source
