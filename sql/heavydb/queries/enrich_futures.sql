-- mode: sql
-- Futures closes of one symbol on one day (the forward where a future of the expiry has
-- a bar at the chain's timestamp).
-- params: symbol, day_start (TIMESTAMP), day_end (TIMESTAMP, exclusive)
SELECT expiry, bar_minutes, ts, "close"
FROM futures_bars
WHERE symbol = :symbol AND ts >= :day_start AND ts < :day_end
ORDER BY bar_minutes, ts, expiry
