-- Daily index bars of $symbol stamped in [$ts_from, $before): the stored daily bars
-- (bar_minutes 1440) or, when there are none, days aggregated from the finest intraday bars.
-- $before is the start of the decision day, so the day itself is never seen.
-- params: symbol, ts_from, before
WITH d AS (
    SELECT ts, open, high, low, close, volume
    FROM spot_bars
    WHERE symbol = $symbol AND bar_minutes = 1440 AND ts >= $ts_from AND ts < $before
),
fine AS (
    SELECT min(bar_minutes) AS bm
    FROM spot_bars
    WHERE symbol = $symbol AND bar_minutes < 1440 AND ts >= $ts_from AND ts < $before
),
agg AS (
    SELECT max(s.ts) AS ts, arg_min(s.open, s.ts) AS open, max(s.high) AS high,
           min(s.low) AS low, arg_max(s.close, s.ts) AS close, sum(s.volume) AS volume
    FROM spot_bars s, fine
    WHERE s.symbol = $symbol AND s.bar_minutes = fine.bm AND s.ts >= $ts_from AND s.ts < $before
    GROUP BY CAST(s.ts AS DATE)
)
SELECT ts, open, high, low, close, volume FROM d
UNION ALL
SELECT ts, open, high, low, close, volume FROM agg WHERE NOT EXISTS (SELECT 1 FROM d)
ORDER BY ts
