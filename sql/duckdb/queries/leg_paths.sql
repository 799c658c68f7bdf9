-- Price paths of the given legs (parallel lists expiries/strikes/rights) over [ts_from, ts_to].
-- params: symbol, bar_minutes, ts_from, ts_to, expiries (DATE[]), strikes (DOUBLE[]), rights (VARCHAR[])
WITH legs AS (
    SELECT unnest($expiries) AS expiry, unnest($strikes) AS strike, unnest($rights) AS "right"
)
SELECT o.expiry, o.strike, o."right", o.ts, o.open, o.high, o.low, o.close, o.bid, o.ask,
       o.volume, o.oi, o.iv, o.delta, o.gamma, o.vega, o.theta
FROM option_bars o
SEMI JOIN legs l ON o.expiry = l.expiry AND o.strike = l.strike AND o."right" = l."right"
WHERE o.symbol = $symbol
  AND o.bar_minutes = $bar_minutes
  AND o.ts BETWEEN $ts_from AND $ts_to
  AND o.close IS NOT NULL   -- a no-trade bar has no price: the last traded one is carried
ORDER BY o.ts, o.expiry, o.strike, o."right"
