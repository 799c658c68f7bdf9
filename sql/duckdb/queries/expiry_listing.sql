-- The first day each expiry of $symbol is listed (NULL: not known), one row per expiry.
-- params: symbol
SELECT expiry, min(listed_from) AS listed_from
FROM expiries
WHERE symbol = $symbol
GROUP BY expiry
ORDER BY expiry
