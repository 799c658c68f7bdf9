-- Trade dates of $symbol with a daily index bar but no daily_features row yet.
-- params: symbol
SELECT CAST(s.ts AS DATE) AS trade_date
FROM spot_bars s
WHERE s.symbol = $symbol AND s.bar_minutes = 1440
  AND NOT EXISTS (SELECT 1 FROM daily_features f
                  WHERE f.symbol = $symbol AND f.trade_date = CAST(s.ts AS DATE))
ORDER BY trade_date
