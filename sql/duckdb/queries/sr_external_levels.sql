-- User-supplied levels of $symbol from the latest as_of on or before $on (the first day they apply).
-- params: symbol, method, on
SELECT as_of, level, kind, strength
FROM sr_levels
WHERE symbol = $symbol AND method = $method
  AND as_of = (SELECT max(as_of) FROM sr_levels
               WHERE symbol = $symbol AND method = $method AND as_of <= $on)
ORDER BY level
