-- mode: sql
-- Expiries and strike range of the option bars stamped on one day.
-- params: symbol, bar_minutes, day
SELECT o.expiry, MIN(o.strike) AS strike_lo, MAX(o.strike) AS strike_hi, COUNT(*) AS n_rows
FROM option_bars o
WHERE o.symbol = :symbol
  AND o.bar_minutes = :bar_minutes
  AND o.ts >= CAST(:day AS TIMESTAMP(0))
  AND o.ts < TIMESTAMPADD(DAY, 1, CAST(:day AS TIMESTAMP(0)))
GROUP BY o.expiry
ORDER BY o.expiry
