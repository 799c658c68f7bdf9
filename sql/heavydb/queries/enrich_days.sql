-- mode: sql
-- Days that still have option bars without an IV (iv IS NULL: never enriched), per
-- symbol. params: symbol (text, NULL = every symbol)
SELECT symbol, CAST(ts AS DATE) AS day, COUNT(*) AS n_todo
FROM option_bars
WHERE iv IS NULL
  AND (CAST(:symbol AS TEXT) IS NULL OR symbol = CAST(:symbol AS TEXT))
GROUP BY symbol, CAST(ts AS DATE)
ORDER BY symbol, day
