-- Days that still have option bars without an IV (iv IS NULL: never enriched), per
-- symbol, for `posbt data enrich`. Rows enriched without a solvable IV carry iv = NaN
-- and are not listed again. params: symbol (VARCHAR, NULL = every symbol)
SELECT symbol, CAST(ts AS DATE) AS day, count(*) AS n_todo
FROM option_bars
WHERE iv IS NULL
  AND (CAST($symbol AS VARCHAR) IS NULL OR symbol = CAST($symbol AS VARCHAR))
GROUP BY symbol, CAST(ts AS DATE)
ORDER BY symbol, day
