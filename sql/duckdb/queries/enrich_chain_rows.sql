-- Every option bar of the chains (bar_minutes, ts) on one day of one symbol that hold at
-- least one bar not yet enriched; already-enriched bars come too, because the forward
-- and the OTM-side IV of a strike need both rights. todo marks the rows to write.
-- params: symbol, day_start (TIMESTAMP), day_end (TIMESTAMP, exclusive)
WITH todo_chains AS (
    SELECT DISTINCT bar_minutes, ts
    FROM option_bars
    WHERE symbol = $symbol AND ts >= $day_start AND ts < $day_end AND iv IS NULL
)
SELECT o.expiry, o.strike, o."right", o.bar_minutes, o.ts, o.close, o.iv IS NULL AS todo
FROM option_bars o
JOIN todo_chains c ON o.bar_minutes = c.bar_minutes AND o.ts = c.ts
WHERE o.symbol = $symbol AND o.ts >= $day_start AND o.ts < $day_end
ORDER BY o.bar_minutes, o.ts, o.expiry, o.strike, o."right"
