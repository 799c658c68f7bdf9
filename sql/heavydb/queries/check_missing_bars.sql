-- mode: post
-- Intraday bars missing inside the 09:15-15:30 session. The SQL counts, per series and
-- day, the distinct close stamps in (09:15, 15:30] (seconds of day in (33300, 55800]);
-- HeavyDB has no FILTER clause or arg_max, so the post hook (check_missing_bars) computes
-- expected = floor(375 / bar_minutes), sums the gaps and picks the worst series-day.
-- params: none
SELECT tbl, symbol, series_symbol, expiry, strike, "right", bar_minutes, day,
       COUNT(DISTINCT in_session_ts) AS have
FROM (
    SELECT 'spot_bars' AS tbl, symbol, symbol AS series_symbol, CAST(NULL AS DATE) AS expiry,
           CAST(NULL AS DOUBLE) AS strike, CAST(NULL AS TEXT) AS "right", bar_minutes,
           CAST(ts AS DATE) AS day,
           CASE WHEN EXTRACT(HOUR FROM ts) * 3600 + EXTRACT(MINUTE FROM ts) * 60
                     + EXTRACT(SECOND FROM ts) BETWEEN 33301 AND 55800 THEN ts END AS in_session_ts
    FROM spot_bars WHERE bar_minutes < 1440
    UNION ALL
    SELECT 'vix_bars', symbol, symbol, CAST(NULL AS DATE), CAST(NULL AS DOUBLE),
           CAST(NULL AS TEXT), bar_minutes, CAST(ts AS DATE),
           CASE WHEN EXTRACT(HOUR FROM ts) * 3600 + EXTRACT(MINUTE FROM ts) * 60
                     + EXTRACT(SECOND FROM ts) BETWEEN 33301 AND 55800 THEN ts END
    FROM vix_bars WHERE bar_minutes < 1440
    UNION ALL
    SELECT 'futures_bars', symbol, symbol, expiry, CAST(NULL AS DOUBLE), CAST(NULL AS TEXT),
           bar_minutes, CAST(ts AS DATE),
           CASE WHEN EXTRACT(HOUR FROM ts) * 3600 + EXTRACT(MINUTE FROM ts) * 60
                     + EXTRACT(SECOND FROM ts) BETWEEN 33301 AND 55800 THEN ts END
    FROM futures_bars WHERE bar_minutes < 1440
    UNION ALL
    SELECT 'option_bars', symbol, symbol, expiry, strike, "right", bar_minutes, CAST(ts AS DATE),
           CASE WHEN EXTRACT(HOUR FROM ts) * 3600 + EXTRACT(MINUTE FROM ts) * 60
                     + EXTRACT(SECOND FROM ts) BETWEEN 33301 AND 55800 THEN ts END
    FROM option_bars WHERE bar_minutes < 1440
) s
GROUP BY tbl, symbol, series_symbol, expiry, strike, "right", bar_minutes, day
