-- The finest intraday index bars of $symbol stamped in [$ts_from, $before), with bar_minutes.
-- params: symbol, ts_from, before
WITH fine AS (
    SELECT min(bar_minutes) AS bm
    FROM spot_bars
    WHERE symbol = $symbol AND bar_minutes < 1440 AND ts >= $ts_from AND ts < $before
)
SELECT s.ts, s.open, s.high, s.low, s.close, s.volume, s.bar_minutes
FROM spot_bars s, fine
WHERE s.symbol = $symbol AND s.bar_minutes = fine.bm AND s.ts >= $ts_from AND s.ts < $before
ORDER BY s.ts
