-- mode: post
-- Daily bars of :symbol aggregated from its finest intraday bars stamped in
-- [:ts_from, :before), stamped at the day's last bar. HeavyDB has no arg_min/arg_max: the
-- SQL returns the finest bars (finest interval by scalar subquery) and the post hook
-- (sr_daily_from_intraday) folds them per day: first open, max high, min low, last
-- close, summed volume, last stamp.
-- params: symbol, ts_from, before
SELECT s.ts, s."open", s.high, s.low, s."close", s.volume
FROM spot_bars s
WHERE s.symbol = :symbol AND s.ts >= :ts_from AND s.ts < :before
  AND s.bar_minutes = (SELECT MIN(b.bar_minutes) FROM spot_bars b
                       WHERE b.symbol = :symbol AND b.bar_minutes < 1440
                         AND b.ts >= :ts_from AND b.ts < :before)
