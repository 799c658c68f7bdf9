-- mode: sql
-- Coverage of every bar table: symbol, interval, first/last stamp, rows, contracts.
-- HeavyDB has no COUNT(DISTINCT (a, b, c)): contracts are counted in a subquery.
-- params: none
SELECT tbl, symbol, bar_minutes, first_ts, last_ts, n_rows, n_contracts FROM (
    SELECT 'spot_bars' AS tbl, symbol, bar_minutes, MIN(ts) AS first_ts, MAX(ts) AS last_ts,
           COUNT(*) AS n_rows, CAST(NULL AS BIGINT) AS n_contracts
    FROM spot_bars GROUP BY symbol, bar_minutes
    UNION ALL
    SELECT 'option_bars', b.symbol, b.bar_minutes, b.first_ts, b.last_ts, b.n_rows, c.n_contracts
    FROM (SELECT symbol, bar_minutes, MIN(ts) AS first_ts, MAX(ts) AS last_ts, COUNT(*) AS n_rows
          FROM option_bars GROUP BY symbol, bar_minutes) b
    JOIN (SELECT symbol, bar_minutes, COUNT(*) AS n_contracts
          FROM (SELECT DISTINCT symbol, bar_minutes, expiry, strike, "right" FROM option_bars) d
          GROUP BY symbol, bar_minutes) c
      ON c.symbol = b.symbol AND c.bar_minutes = b.bar_minutes
    UNION ALL
    SELECT 'futures_bars', symbol, bar_minutes, MIN(ts), MAX(ts), COUNT(*),
           COUNT(DISTINCT expiry)
    FROM futures_bars GROUP BY symbol, bar_minutes
    UNION ALL
    SELECT 'vix_bars', symbol, bar_minutes, MIN(ts), MAX(ts), COUNT(*), CAST(NULL AS BIGINT)
    FROM vix_bars GROUP BY symbol, bar_minutes
) u
ORDER BY tbl, symbol, bar_minutes
