-- mode: post
-- The finest option interval with a bar on :at's day at or before :at, and the expiries
-- in that interval's latest chain. HeavyDB has no list aggregate: the SQL returns one row
-- per expiry and the post hook (vol_chain_meta) folds them into one row with a list.
-- params: symbol, at
SELECT DISTINCT o.bar_minutes, o.expiry
FROM option_bars o
WHERE o.symbol = :symbol
  AND o.bar_minutes = (SELECT MIN(b.bar_minutes) FROM option_bars b
                       WHERE b.symbol = :symbol AND b.ts <= :at AND b.ts >= DATE_TRUNC(DAY, :at))
  AND o.ts = (SELECT MAX(l.ts) FROM option_bars l
              WHERE l.symbol = :symbol AND l.ts <= :at AND l.ts >= DATE_TRUNC(DAY, :at)
                AND l.bar_minutes = (SELECT MIN(b2.bar_minutes) FROM option_bars b2
                                     WHERE b2.symbol = :symbol AND b2.ts <= :at
                                       AND b2.ts >= DATE_TRUNC(DAY, :at)))
ORDER BY o.expiry
