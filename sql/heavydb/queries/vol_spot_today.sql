-- mode: post
-- :at's day so far as one OHLC bar, from the finest spot interval with bars that day at or
-- before :at. The SQL returns that interval's bars in time order; the post hook
-- (vol_spot_today) folds them (first open, max high, min low, last close); no arg_min here.
-- params: symbol, at
SELECT s.bar_minutes, s.ts, s."open", s.high, s.low, s."close"
FROM spot_bars s
WHERE s.symbol = :symbol AND s.ts <= :at AND s.ts >= DATE_TRUNC(DAY, :at)
  AND s.bar_minutes = (SELECT MIN(b.bar_minutes) FROM spot_bars b
                       WHERE b.symbol = :symbol AND b.ts <= :at AND b.ts >= DATE_TRUNC(DAY, :at))
ORDER BY s.ts
