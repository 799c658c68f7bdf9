-- Daily bars of $symbol aggregated from its finest intraday bars stamped in [$ts_from, $before)
-- (used when no daily bars are stored). Stamped at the day's last bar.
-- params: symbol, ts_from, before
WITH fine AS (
    SELECT min(bar_minutes) AS bm
    FROM spot_bars
    WHERE symbol = $symbol AND bar_minutes < 1440 AND ts >= $ts_from AND ts < $before
)
SELECT max(s.ts) AS ts, arg_min(s.open, s.ts) AS open, max(s.high) AS high,
       min(s.low) AS low, arg_max(s.close, s.ts) AS close, sum(s.volume) AS volume
FROM spot_bars s, fine
WHERE s.symbol = $symbol AND s.bar_minutes = fine.bm AND s.ts >= $ts_from AND s.ts < $before
GROUP BY CAST(s.ts AS DATE)
ORDER BY ts
