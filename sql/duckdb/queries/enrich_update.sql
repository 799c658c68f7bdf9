-- Write iv and greeks from the registered Arrow table _posbt_greeks (columns: symbol,
-- expiry, strike, right, bar_minutes, ts, iv, delta, gamma, vega, theta) into
-- option_bars, only where iv IS NULL, so a re-run or an overlapping batch changes nothing.
UPDATE option_bars AS o
SET iv = b.iv, delta = b.delta, gamma = b.gamma, vega = b.vega, theta = b.theta
FROM _posbt_greeks AS b
WHERE o.symbol = b.symbol
  AND o.expiry = b.expiry
  AND o.strike = b.strike
  AND o."right" = b."right"
  AND o.bar_minutes = b.bar_minutes
  AND o.ts = b.ts
  AND o.iv IS NULL
