-- mode: post
-- Listed expiries inside a symbol's option data window that have no option bars at all.
-- The SQL lists them; the post hook (check_expiries_without_data) counts them per symbol
-- and renders the earliest as text, like CAST(min(expiry) AS VARCHAR) in DuckDB.
-- params: none
SELECT l.symbol, l.expiry
FROM (SELECT DISTINCT e.symbol, e.expiry
      FROM expiries e
      JOIN (SELECT symbol, CAST(MIN(ts) AS DATE) AS first_day, CAST(MAX(ts) AS DATE) AS last_day
            FROM option_bars GROUP BY symbol) s ON s.symbol = e.symbol
      WHERE e.expiry BETWEEN s.first_day AND s.last_day) l
LEFT JOIN (SELECT DISTINCT symbol, expiry FROM option_bars) t
  ON t.symbol = l.symbol AND t.expiry = l.expiry
WHERE t.expiry IS NULL
