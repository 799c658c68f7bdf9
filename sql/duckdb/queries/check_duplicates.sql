-- Keys stored more than once, per table and symbol: count of repeated keys and one example.
-- params: none
WITH d AS (
    SELECT 'option_bars' AS tbl, symbol,
           concat_ws(' ', symbol, expiry, strike, "right", bar_minutes, ts) AS example
    FROM option_bars GROUP BY symbol, expiry, strike, "right", bar_minutes, ts HAVING count(*) > 1
    UNION ALL
    SELECT 'futures_bars', symbol, concat_ws(' ', symbol, expiry, bar_minutes, ts)
    FROM futures_bars GROUP BY symbol, expiry, bar_minutes, ts HAVING count(*) > 1
    UNION ALL
    SELECT 'spot_bars', symbol, concat_ws(' ', symbol, bar_minutes, ts)
    FROM spot_bars GROUP BY symbol, bar_minutes, ts HAVING count(*) > 1
    UNION ALL
    SELECT 'vix_bars', symbol, concat_ws(' ', symbol, bar_minutes, ts)
    FROM vix_bars GROUP BY symbol, bar_minutes, ts HAVING count(*) > 1
    UNION ALL
    SELECT 'expiries', symbol, concat_ws(' ', symbol, expiry, source)
    FROM expiries GROUP BY symbol, expiry, source HAVING count(*) > 1
)
SELECT 'duplicate keys' AS check_name, tbl, symbol, count(*) AS n, min(example) AS example
FROM d GROUP BY tbl, symbol ORDER BY tbl, symbol
