-- mode: sql
-- What a store holds that is not an error but worth knowing: derived spot bars (estimated
-- from futures or put-call parity) and no-trade bars (settlement and OI, no prices).
-- One row per (what, table, symbol, detail) with a count and the first stamp.
-- params: none
SELECT 'derived spot' AS what, 'spot_bars' AS tbl, symbol, source AS detail,
       count(*) AS n, min(ts) AS first_ts
FROM spot_bars WHERE source LIKE 'DERIVED%' GROUP BY symbol, source
UNION ALL
SELECT 'no-trade bars', 'option_bars', symbol, CAST(NULL AS TEXT), count(*), min(ts)
FROM option_bars WHERE "close" IS NULL GROUP BY symbol
UNION ALL
SELECT 'no-trade bars', 'futures_bars', symbol, CAST(NULL AS TEXT), count(*), min(ts)
FROM futures_bars WHERE "close" IS NULL GROUP BY symbol
ORDER BY 1, 2, 3
