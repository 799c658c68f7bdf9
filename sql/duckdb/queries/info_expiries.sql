-- Listed expiries per symbol and kind: how many, first and last.
-- params: none
SELECT symbol, kind, source, count(*) AS n_expiries, min(expiry) AS first_expiry,
       max(expiry) AS last_expiry
FROM expiries
GROUP BY symbol, kind, source
ORDER BY symbol, kind, source
