-- mode: sql
-- User-supplied levels of :symbol from the latest as_of on or before :on.
-- params: symbol, method, on
SELECT as_of, "level", kind, strength
FROM sr_levels
WHERE symbol = :symbol AND "method" = :method
  AND as_of = (SELECT MAX(m.as_of) FROM sr_levels m
               WHERE m.symbol = :symbol AND m."method" = :method AND m.as_of <= :on)
ORDER BY "level"
