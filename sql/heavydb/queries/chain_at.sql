-- mode: sql
-- The option chain as of :ts: the latest bar stamped at or before :ts on the same day,
-- for the given expiries and strike range. No lookahead. The last stamp is a scalar
-- subquery (no cross join); :expiries is a bound list rendered as an IN list.
-- params: symbol, bar_minutes, ts, expiries (list of dates), strike_lo, strike_hi
SELECT o.expiry, o.strike, o."right", o.ts, o."open", o.high, o.low, o."close", o.bid, o.ask,
       o.volume, o.oi, o.underlying, o.iv, o.delta, o.gamma, o.vega, o.theta
FROM option_bars o
WHERE o.symbol = :symbol
  AND o.bar_minutes = :bar_minutes
  AND o.ts = (SELECT MAX(l.ts) FROM option_bars l
              WHERE l.symbol = :symbol AND l.bar_minutes = :bar_minutes
                AND l.ts <= :ts AND l.ts >= DATE_TRUNC(DAY, :ts))
  AND o.expiry IN :expiries
  AND o.strike BETWEEN :strike_lo AND :strike_hi
ORDER BY o.expiry, o.strike, o."right"
