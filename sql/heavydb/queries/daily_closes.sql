-- mode: sql
-- Daily index OHLC (bar_minutes = 1440) with the day's VIX close, over [date_from, date_to].
-- params: symbol, vix_symbol, date_from, date_to
SELECT CAST(s.ts AS DATE) AS trade_date, s."open", s.high, s.low, s."close",
       v."close" AS vix_close
FROM spot_bars s
LEFT JOIN (SELECT ts, "close" FROM vix_bars
           WHERE symbol = :vix_symbol AND bar_minutes = 1440) v
  ON CAST(v.ts AS DATE) = CAST(s.ts AS DATE)
WHERE s.symbol = :symbol AND s.bar_minutes = 1440
  AND CAST(s.ts AS DATE) BETWEEN :date_from AND :date_to
ORDER BY trade_date
