-- mode: sql
-- Trade dates of :symbol with a daily index bar but no daily_features row yet
-- (anti-join as LEFT JOIN ... IS NULL: HeavyDB has no correlated NOT EXISTS).
-- params: symbol
SELECT CAST(s.ts AS DATE) AS trade_date
FROM spot_bars s
LEFT JOIN (SELECT trade_date FROM daily_features WHERE symbol = :symbol) f
  ON f.trade_date = CAST(s.ts AS DATE)
WHERE s.symbol = :symbol AND s.bar_minutes = 1440 AND f.trade_date IS NULL
ORDER BY trade_date
