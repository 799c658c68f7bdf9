-- The finest option interval with a bar on $at's day at or before $at, and the expiries
-- listed in that interval's latest chain (for chain_at). No lookahead.
-- params: symbol, at
WITH day AS (
    SELECT bar_minutes, ts, expiry
    FROM option_bars
    WHERE symbol = $symbol AND ts <= $at AND ts >= CAST(CAST($at AS DATE) AS TIMESTAMP)
),
bm AS (SELECT min(bar_minutes) AS bar_minutes FROM day),
last_ts AS (
    SELECT max(d.ts) AS ts FROM day d, bm WHERE d.bar_minutes = bm.bar_minutes
)
SELECT bm.bar_minutes, list(DISTINCT d.expiry ORDER BY d.expiry) AS expiries
FROM day d, bm, last_ts
WHERE d.bar_minutes = bm.bar_minutes AND d.ts = last_ts.ts
GROUP BY bm.bar_minutes
