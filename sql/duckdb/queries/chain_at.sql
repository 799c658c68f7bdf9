-- The option chain as of $ts: the latest bar stamped at or before $ts on the same day,
-- for the given expiries and strike range. No lookahead: nothing after $ts is read.
-- params: symbol, bar_minutes, ts, expiries (DATE[]), strike_lo, strike_hi
WITH last_ts AS (
    SELECT max(ts) AS ts
    FROM option_bars
    WHERE symbol = $symbol
      AND bar_minutes = $bar_minutes
      AND ts <= $ts
      AND ts >= CAST(CAST($ts AS DATE) AS TIMESTAMP)
)
SELECT o.expiry, o.strike, o."right", o.ts, o.open, o.high, o.low, o.close, o.bid, o.ask,
       o.volume, o.oi, o.underlying, o.iv, o.delta, o.gamma, o.vega, o.theta
FROM option_bars o, last_ts
WHERE o.symbol = $symbol
  AND o.bar_minutes = $bar_minutes
  AND o.ts = last_ts.ts
  AND list_contains($expiries, o.expiry)
  AND o.strike BETWEEN $strike_lo AND $strike_hi
ORDER BY o.expiry, o.strike, o."right"
