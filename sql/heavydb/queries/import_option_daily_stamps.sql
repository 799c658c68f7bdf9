-- mode: sql
-- The span of a symbol's daily option bars, and whether any is stamped at another time
-- than the 15:30 close (a spot file stamped at 15:30 would never meet those).
-- params: symbol
SELECT CAST(min(ts) AS DATE) AS first_day, CAST(max(ts) AS DATE) AS last_day,
       SUM(CASE WHEN EXTRACT(HOUR FROM ts) <> 15 OR EXTRACT(MINUTE FROM ts) <> 30 THEN 1 ELSE 0 END)
           AS n_other,
       CAST(MIN(CASE WHEN EXTRACT(HOUR FROM ts) <> 15 OR EXTRACT(MINUTE FROM ts) <> 30 THEN ts END)
           AS TEXT) AS other_example
FROM option_bars
WHERE symbol = :symbol AND bar_minutes = 1440
HAVING COUNT(*) > 0
