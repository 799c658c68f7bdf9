-- Option bars of a market block: expiries x strike band x rights over [ts_from, ts_to].
-- One scan loads every row a run (or one expiry cycle of it) can read; rows in any order.
-- params: symbol, bar_minutes, ts_from, ts_to, expiries (DATE[]), strike_lo, strike_hi, rights (VARCHAR[])
SELECT expiry, strike, "right", ts, open, high, low, close, bid, ask, volume, oi, iv, delta,
       gamma, vega, theta
FROM option_bars
WHERE symbol = $symbol
  AND bar_minutes = $bar_minutes
  AND ts BETWEEN $ts_from AND $ts_to
  AND list_contains($expiries, expiry)
  AND strike BETWEEN $strike_lo AND $strike_hi
  AND list_contains($rights, "right")
