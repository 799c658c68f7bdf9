-- Every option bar of one expiry at one interval (both rights, every strike, every stamp):
-- the rows the contract-ordered option cache (engine/market/cache.py) copies, no-trade bars
-- included (NULL close). Rows in any order: the cache sorts them by (strike, right, ts).
-- params: symbol, bar_minutes, expiry
SELECT strike, "right", ts, open, high, low, close, bid, ask, volume, oi, iv, delta, gamma,
       vega, theta
FROM option_bars
WHERE symbol = $symbol
  AND bar_minutes = $bar_minutes
  AND expiry = $expiry
