-- The distinct stamps of a symbol's option bars at one interval, earliest first: the grid
-- on which ``chain_at`` finds "the latest bar at or before ts" (the option cache keeps it).
-- params: symbol, bar_minutes
SELECT DISTINCT ts
FROM option_bars
WHERE symbol = $symbol
  AND bar_minutes = $bar_minutes
ORDER BY ts
