-- mode: sql
-- The finest intraday index bars of :symbol stamped in [:ts_from, :before), with bar_minutes
-- (the finest interval is a scalar subquery: no cross join).
-- params: symbol, ts_from, before
SELECT s.ts, s."open", s.high, s.low, s."close", s.volume, s.bar_minutes
FROM spot_bars s
WHERE s.symbol = :symbol AND s.ts >= :ts_from AND s.ts < :before
  AND s.bar_minutes = (SELECT MIN(b.bar_minutes) FROM spot_bars b
                       WHERE b.symbol = :symbol AND b.bar_minutes < 1440
                         AND b.ts >= :ts_from AND b.ts < :before)
ORDER BY s.ts
