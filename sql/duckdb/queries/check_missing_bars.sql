-- Intraday bars missing inside the 09:15-15:30 session: for each series and trading day
-- that has bars, expected = floor(375 / bar_minutes) close stamps in (09:15, 15:30];
-- n = bars missing in total, example = the series-day with the most missing.
-- params: none
WITH s AS (
    SELECT 'spot_bars' AS tbl, symbol, symbol AS series, bar_minutes, ts FROM spot_bars
    UNION ALL
    SELECT 'vix_bars', symbol, symbol, bar_minutes, ts FROM vix_bars
    UNION ALL
    SELECT 'futures_bars', symbol, concat_ws(' ', symbol, expiry), bar_minutes, ts
    FROM futures_bars
    UNION ALL
    SELECT 'option_bars', symbol, concat_ws(' ', symbol, expiry, strike, "right"),
           bar_minutes, ts
    FROM option_bars
), days AS (
    SELECT tbl, symbol, series, bar_minutes, CAST(ts AS DATE) AS day,
           count(DISTINCT ts) FILTER (WHERE CAST(ts AS TIME) > TIME '09:15:00'
                                        AND CAST(ts AS TIME) <= TIME '15:30:00') AS have,
           CAST(floor(375 / bar_minutes) AS BIGINT) AS expected
    FROM s WHERE bar_minutes < 1440
    GROUP BY tbl, symbol, series, bar_minutes, CAST(ts AS DATE)
)
SELECT 'missing bars inside the session' AS check_name, tbl, symbol,
       sum(expected - have) AS n,
       arg_max(concat_ws(' ', series, day, bar_minutes || 'm:', have, 'of', expected),
               expected - have) AS example
FROM days WHERE have < expected
GROUP BY tbl, symbol ORDER BY tbl, symbol
