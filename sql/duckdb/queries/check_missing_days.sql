-- Trading days (Mon-Fri, not an NSE holiday) with no spot bars between a symbol's first
-- and last day of spot data, per bar interval.
-- params: none
WITH span AS (
    SELECT symbol, bar_minutes, CAST(min(ts) AS DATE) AS first_day,
           CAST(max(ts) AS DATE) AS last_day
    FROM spot_bars GROUP BY symbol, bar_minutes
), cal AS (
    SELECT s.symbol, s.bar_minutes, CAST(g.d AS DATE) AS day
    FROM span s, generate_series(CAST(s.first_day AS TIMESTAMP), CAST(s.last_day AS TIMESTAMP),
                                 INTERVAL 1 DAY) AS g(d)
    WHERE isodow(g.d) <= 5
), have AS (
    SELECT DISTINCT symbol, bar_minutes, CAST(ts AS DATE) AS day FROM spot_bars
)
SELECT 'missing trading days' AS check_name, 'spot_bars' AS tbl, c.symbol,
       count(*) AS n, CAST(min(c.day) AS VARCHAR) || ' (' || c.bar_minutes || 'm)' AS example
FROM cal c
LEFT JOIN have h ON h.symbol = c.symbol AND h.bar_minutes = c.bar_minutes AND h.day = c.day
WHERE h.day IS NULL
  AND c.day NOT IN (SELECT date FROM holidays WHERE exchange = 'NSE')
GROUP BY c.symbol, c.bar_minutes ORDER BY c.symbol
