-- Rolling IV percentile and IV rank of a daily series (parallel lists $dates, $values),
-- REFERENCE's convention, no lookahead:
--   ivp = count of the $lookback previous values strictly below today's / their count
--   ivr = (v - lo) / (hi - lo) over the previous values and today's; 0.5 when hi = lo.
-- The count runs over the frame of the N previous rows (a framed list, filtered); SQL
-- percent_rank is a different number ((rank - 1) / (n - 1), and it counts NULL rows).
-- NULL when today's value is NULL or fewer than $min_count previous values are valid.
-- params: dates (DATE[]), values (DOUBLE[]), lookback, min_count
WITH s AS (SELECT unnest($dates) AS trade_date, unnest($values) AS v),
w AS (
    SELECT trade_date, v,
           len(list_filter(list(v) OVER prev, lambda x: x < v)) AS n_below,
           count(v) OVER prev AS n_prev,
           min(v) OVER cur AS lo,
           max(v) OVER cur AS hi
    FROM s
    WINDOW cur AS (ORDER BY trade_date ROWS BETWEEN $lookback PRECEDING AND CURRENT ROW),
           prev AS (ORDER BY trade_date ROWS BETWEEN $lookback PRECEDING AND 1 PRECEDING)
)
SELECT trade_date,
       CASE WHEN v IS NOT NULL AND n_prev >= $min_count THEN n_below / n_prev END AS ivp,
       CASE WHEN v IS NOT NULL AND n_prev >= $min_count THEN
            CASE WHEN hi = lo THEN 0.5 ELSE (v - lo) / (hi - lo) END END AS ivr
FROM w
ORDER BY trade_date
