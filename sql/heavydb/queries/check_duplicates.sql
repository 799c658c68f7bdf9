-- mode: post
-- Keys stored more than once. HeavyDB has no concat_ws over mixed types, so the SQL
-- returns each repeated key and the post hook (heavydb_post.check_duplicates) formats
-- the example text and counts repeated keys per table and symbol, like the DuckDB text.
-- params: none
SELECT 'option_bars' AS tbl, symbol, expiry, strike, "right", bar_minutes, ts,
       CAST(NULL AS TEXT) AS source
FROM option_bars GROUP BY symbol, expiry, strike, "right", bar_minutes, ts HAVING COUNT(*) > 1
UNION ALL
SELECT 'futures_bars', symbol, expiry, CAST(NULL AS DOUBLE), CAST(NULL AS TEXT), bar_minutes, ts,
       CAST(NULL AS TEXT)
FROM futures_bars GROUP BY symbol, expiry, bar_minutes, ts HAVING COUNT(*) > 1
UNION ALL
SELECT 'spot_bars', symbol, CAST(NULL AS DATE), CAST(NULL AS DOUBLE), CAST(NULL AS TEXT),
       bar_minutes, ts, CAST(NULL AS TEXT)
FROM spot_bars GROUP BY symbol, bar_minutes, ts HAVING COUNT(*) > 1
UNION ALL
SELECT 'vix_bars', symbol, CAST(NULL AS DATE), CAST(NULL AS DOUBLE), CAST(NULL AS TEXT),
       bar_minutes, ts, CAST(NULL AS TEXT)
FROM vix_bars GROUP BY symbol, bar_minutes, ts HAVING COUNT(*) > 1
UNION ALL
SELECT 'expiries', symbol, expiry, CAST(NULL AS DOUBLE), CAST(NULL AS TEXT),
       CAST(NULL AS SMALLINT), CAST(NULL AS TIMESTAMP(0)), source
FROM expiries GROUP BY symbol, expiry, source HAVING COUNT(*) > 1
