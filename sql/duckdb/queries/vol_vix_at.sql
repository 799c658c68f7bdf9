-- The latest volatility-index close stamped at or before $at on $at's day.
-- params: vix_symbol, at
SELECT arg_max(close, (ts, -bar_minutes)) AS close, max(ts) AS ts
FROM vix_bars
WHERE symbol = $vix_symbol AND ts <= $at AND ts >= CAST(CAST($at AS DATE) AS TIMESTAMP)
HAVING count(*) > 0
