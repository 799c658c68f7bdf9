-- mode: post
-- Price paths of the given legs over [ts_from, ts_to]. HeavyDB cannot unnest bound lists
-- (no SEMI JOIN against a list of tuples), so each parallel list becomes an IN list: the
-- SQL returns the cross product of the legs' expiries, strikes and rights (a few extra
-- contracts at most), and the post hook (leg_paths) keeps the exact (expiry, strike,
-- right) triples of the legs.
-- params: symbol, bar_minutes, ts_from, ts_to, expiries, strikes, rights (parallel lists)
SELECT o.expiry, o.strike, o."right", o.ts, o."open", o.high, o.low, o."close", o.bid, o.ask,
       o.volume, o.oi, o.iv, o.delta, o.gamma, o.vega, o.theta
FROM option_bars o
WHERE o.symbol = :symbol
  AND o.bar_minutes = :bar_minutes
  AND o.ts BETWEEN :ts_from AND :ts_to
  AND o.expiry IN :expiries
  AND o.strike IN :strikes
  AND o."right" IN :rights
  AND o."close" IS NOT NULL   -- a no-trade bar has no price: the last traded one is carried
ORDER BY o.ts, o.expiry, o.strike, o."right"
