-- Listed expiries inside a symbol's option data window that have no option bars at all.
-- params: none
WITH span AS (
    SELECT symbol, CAST(min(ts) AS DATE) AS first_day, CAST(max(ts) AS DATE) AS last_day
    FROM option_bars GROUP BY symbol
), listed AS (
    SELECT DISTINCT e.symbol, e.expiry FROM expiries e JOIN span s ON s.symbol = e.symbol
    WHERE e.expiry BETWEEN s.first_day AND s.last_day
), traded AS (
    SELECT DISTINCT symbol, expiry FROM option_bars
)
SELECT 'expiries without data' AS check_name, 'expiries' AS tbl, l.symbol,
       count(*) AS n, CAST(min(l.expiry) AS VARCHAR) AS example
FROM listed l LEFT JOIN traded t ON t.symbol = l.symbol AND t.expiry = l.expiry
WHERE t.expiry IS NULL
GROUP BY l.symbol ORDER BY l.symbol
