-- mode: sql
-- The latest volatility-index close stamped at or before :at on :at's day (the finest
-- interval wins a tie on the stamp, as arg_max(close, (ts, -bar_minutes)) does in DuckDB).
-- params: vix_symbol, at
SELECT "close", ts
FROM vix_bars
WHERE symbol = :vix_symbol AND ts <= :at AND ts >= DATE_TRUNC(DAY, :at)
ORDER BY ts DESC, bar_minutes ASC
LIMIT 1
