-- $at's day so far as one OHLC bar, from the finest spot interval with bars that day at or
-- before $at (a daily bar once it is stamped). Empty when nothing is stamped yet.
-- params: symbol, at
WITH day AS (
    SELECT bar_minutes, ts, open, high, low, close
    FROM spot_bars
    WHERE symbol = $symbol AND ts <= $at AND ts >= CAST(CAST($at AS DATE) AS TIMESTAMP)
),
bm AS (SELECT min(bar_minutes) AS bar_minutes FROM day)
SELECT arg_min(d.open, d.ts) AS open, max(d.high) AS high, min(d.low) AS low,
       arg_max(d.close, d.ts) AS close, max(d.ts) AS ts, any_value(bm.bar_minutes) AS bar_minutes
FROM day d, bm
WHERE d.bar_minutes = bm.bar_minutes
HAVING count(*) > 0
