-- The span of a symbol's daily option bars, and whether any is stamped at another time
-- than the 15:30 close (a spot file stamped at 15:30 would never meet those).
-- params: symbol
SELECT CAST(min(ts) AS DATE) AS first_day, CAST(max(ts) AS DATE) AS last_day,
       count(*) FILTER (WHERE CAST(ts AS TIME) <> TIME '15:30:00') AS n_other,
       CAST(min(ts) FILTER (WHERE CAST(ts AS TIME) <> TIME '15:30:00') AS VARCHAR) AS other_example
FROM option_bars
WHERE symbol = $symbol AND bar_minutes = 1440
HAVING count(*) > 0
