-- mode: sql
-- Values no exchange writes, which a store can still hold (older imports, mapped tables):
-- an option bar after its expiry, an expiry more than 10 years after the bar, a strike of
-- 0 or below, a volatility index outside (0, 200].
-- params: none
SELECT 'option bar after its expiry' AS check_name, 'option_bars' AS tbl, symbol,
       count(*) AS n, min(ts) AS first_ts
FROM option_bars WHERE CAST(ts AS DATE) > expiry GROUP BY symbol
UNION ALL
SELECT 'expiry more than 10 years after the bar', 'option_bars', symbol, count(*), min(ts)
FROM option_bars WHERE CAST(expiry AS TIMESTAMP) > TIMESTAMPADD(DAY, 3653, ts) GROUP BY symbol
UNION ALL
SELECT 'strike 0 or below', 'option_bars', symbol, count(*), min(ts)
FROM option_bars WHERE strike <= 0 GROUP BY symbol
UNION ALL
SELECT 'volatility index outside (0, 200]', 'vix_bars', symbol, count(*), min(ts)
FROM vix_bars WHERE "close" > 200 OR high > 200 GROUP BY symbol
ORDER BY 2, 3, 1
