-- mode: sql
-- Every option bar of one expiry at one interval (both rights, every strike, every stamp):
-- the rows the contract-ordered option cache copies, no-trade bars included (NULL close).
-- params: symbol, bar_minutes, expiry
SELECT o.strike, o."right", o.ts, o."open", o.high, o.low, o."close", o.bid, o.ask,
       o.volume, o.oi, o.iv, o.delta, o.gamma, o.vega, o.theta
FROM option_bars o
WHERE o.symbol = :symbol
  AND o.bar_minutes = :bar_minutes
  AND o.expiry = :expiry
