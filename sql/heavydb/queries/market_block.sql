-- mode: sql
-- Option bars of a market block: expiries x strike band x rights over [ts_from, ts_to].
-- params: symbol, bar_minutes, ts_from, ts_to, expiries, strike_lo, strike_hi, rights
SELECT o.expiry, o.strike, o."right", o.ts, o."open", o.high, o.low, o."close", o.bid, o.ask,
       o.volume, o.oi, o.iv, o.delta, o.gamma, o.vega, o.theta
FROM option_bars o
WHERE o.symbol = :symbol
  AND o.bar_minutes = :bar_minutes
  AND o.ts BETWEEN :ts_from AND :ts_to
  AND o.expiry IN :expiries
  AND o.strike BETWEEN :strike_lo AND :strike_hi
  AND o."right" IN :rights
