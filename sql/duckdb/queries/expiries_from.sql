-- Listed expiries on or after $on_date (data-derived rows win over generated ones).
-- params: symbol, on_date
SELECT expiry, arg_min(kind, CASE source WHEN 'DATA' THEN 0 ELSE 1 END) AS kind,
       min(source) AS source
FROM expiries
WHERE symbol = $symbol AND expiry >= $on_date
GROUP BY expiry
ORDER BY expiry
