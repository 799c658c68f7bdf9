-- Expiries and strike range of the option bars stamped on one day (a cheap coverage check:
-- the rows of a day are contiguous in the store's (symbol, ts) order).
-- params: symbol, bar_minutes, day
SELECT expiry, min(strike) AS strike_lo, max(strike) AS strike_hi, count(*) AS n_rows
FROM option_bars
WHERE symbol = $symbol
  AND bar_minutes = $bar_minutes
  AND ts >= CAST($day AS TIMESTAMP)
  AND ts < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
GROUP BY expiry
ORDER BY expiry
