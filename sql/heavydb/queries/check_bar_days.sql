-- mode: sql
-- The days each bar table holds bars on, per symbol (the calendar check compares them
-- with the exchange's trading days and special sessions).
-- params: none
SELECT 'spot_bars' AS tbl, symbol, CAST(ts AS DATE) AS day, count(*) AS n
FROM spot_bars GROUP BY symbol, CAST(ts AS DATE)
UNION ALL
SELECT 'option_bars', symbol, CAST(ts AS DATE), count(*)
FROM option_bars GROUP BY symbol, CAST(ts AS DATE)
ORDER BY 1, 2, 3
