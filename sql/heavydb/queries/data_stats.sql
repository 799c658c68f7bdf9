-- mode: sql
-- Table statistics of a store made before loads were recorded: row count, first and last
-- bar stamp (epoch seconds) and the sum of close prices in paise, per table; their digest
-- stands for the data loaded before (engine/data/fingerprint.py). One scan of each table.
-- params: none
SELECT 'instruments' AS tbl, COUNT(*) AS n, CAST(0 AS BIGINT) AS ts_lo, CAST(0 AS BIGINT) AS ts_hi,
       CAST(0 AS BIGINT) AS close_paise
FROM instruments
UNION ALL
SELECT 'holidays' AS tbl, COUNT(*) AS n, CAST(0 AS BIGINT) AS ts_lo, CAST(0 AS BIGINT) AS ts_hi,
       CAST(0 AS BIGINT) AS close_paise
FROM holidays
UNION ALL
SELECT 'expiries' AS tbl, COUNT(*) AS n, CAST(0 AS BIGINT) AS ts_lo, CAST(0 AS BIGINT) AS ts_hi,
       CAST(0 AS BIGINT) AS close_paise
FROM expiries
UNION ALL
SELECT 'spot_bars' AS tbl, COUNT(*) AS n, EXTRACT(EPOCH FROM MIN(ts)) AS ts_lo,
       EXTRACT(EPOCH FROM MAX(ts)) AS ts_hi,
       SUM(CAST(ROUND("close" * 100) AS BIGINT)) AS close_paise
FROM spot_bars
UNION ALL
SELECT 'futures_bars' AS tbl, COUNT(*) AS n, EXTRACT(EPOCH FROM MIN(ts)) AS ts_lo,
       EXTRACT(EPOCH FROM MAX(ts)) AS ts_hi,
       SUM(CAST(ROUND("close" * 100) AS BIGINT)) AS close_paise
FROM futures_bars
UNION ALL
SELECT 'option_bars' AS tbl, COUNT(*) AS n, EXTRACT(EPOCH FROM MIN(ts)) AS ts_lo,
       EXTRACT(EPOCH FROM MAX(ts)) AS ts_hi,
       SUM(CAST(ROUND("close" * 100) AS BIGINT)) AS close_paise
FROM option_bars
UNION ALL
SELECT 'vix_bars' AS tbl, COUNT(*) AS n, EXTRACT(EPOCH FROM MIN(ts)) AS ts_lo,
       EXTRACT(EPOCH FROM MAX(ts)) AS ts_hi,
       SUM(CAST(ROUND("close" * 100) AS BIGINT)) AS close_paise
FROM vix_bars
UNION ALL
SELECT 'daily_features' AS tbl, COUNT(*) AS n, CAST(0 AS BIGINT) AS ts_lo, CAST(0 AS BIGINT) AS ts_hi,
       CAST(0 AS BIGINT) AS close_paise
FROM daily_features
UNION ALL
SELECT 'sr_levels' AS tbl, COUNT(*) AS n, CAST(0 AS BIGINT) AS ts_lo, CAST(0 AS BIGINT) AS ts_hi,
       CAST(0 AS BIGINT) AS close_paise
FROM sr_levels
UNION ALL
SELECT 'events' AS tbl, COUNT(*) AS n, CAST(0 AS BIGINT) AS ts_lo, CAST(0 AS BIGINT) AS ts_hi,
       CAST(0 AS BIGINT) AS close_paise
FROM events
