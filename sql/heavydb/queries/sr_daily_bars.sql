-- mode: sql
-- Stored daily index bars (bar_minutes 1440) of :symbol stamped in [:ts_from, :before).
-- :before is the start of the decision day, so the day itself is never seen.
-- params: symbol, ts_from, before
SELECT ts, "open", high, low, "close", volume
FROM spot_bars
WHERE symbol = :symbol AND bar_minutes = 1440 AND ts >= :ts_from AND ts < :before
ORDER BY ts
