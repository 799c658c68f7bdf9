-- mode: sql
-- Every option bar of the chains (bar_minutes, ts) on one day of one symbol that hold at
-- least one bar not yet enriched; todo marks the rows to write (iv IS NULL).
-- params: symbol, day_start (TIMESTAMP), day_end (TIMESTAMP, exclusive)
SELECT o.expiry, o.strike, o."right", o.bar_minutes, o.ts, o."close", o.iv IS NULL AS todo
FROM option_bars o
JOIN (SELECT DISTINCT bar_minutes, ts
      FROM option_bars
      WHERE symbol = :symbol AND ts >= :day_start AND ts < :day_end AND iv IS NULL) c
  ON o.bar_minutes = c.bar_minutes AND o.ts = c.ts
WHERE o.symbol = :symbol AND o.ts >= :day_start AND o.ts < :day_end
ORDER BY o.bar_minutes, o.ts, o.expiry, o.strike, o."right"
