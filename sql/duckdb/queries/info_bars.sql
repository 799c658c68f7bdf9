-- Coverage of every bar table: symbol, interval, first/last stamp, rows, contracts.
-- params: none
SELECT 'spot_bars' AS tbl, symbol, bar_minutes, min(ts) AS first_ts, max(ts) AS last_ts,
       count(*) AS n_rows, CAST(NULL AS BIGINT) AS n_contracts
FROM spot_bars GROUP BY symbol, bar_minutes
UNION ALL
SELECT 'option_bars', symbol, bar_minutes, min(ts), max(ts), count(*),
       count(DISTINCT (expiry, strike, "right"))
FROM option_bars GROUP BY symbol, bar_minutes
UNION ALL
SELECT 'futures_bars', symbol, bar_minutes, min(ts), max(ts), count(*), count(DISTINCT expiry)
FROM futures_bars GROUP BY symbol, bar_minutes
UNION ALL
SELECT 'vix_bars', symbol, bar_minutes, min(ts), max(ts), count(*), NULL
FROM vix_bars GROUP BY symbol, bar_minutes
ORDER BY 1, 2, 3
