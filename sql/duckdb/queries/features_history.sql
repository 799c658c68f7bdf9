-- daily_features rows of $symbol over [date_from, date_to] (CLI export and plots).
-- params: symbol, date_from, date_to
SELECT * FROM daily_features
WHERE symbol = $symbol AND trade_date BETWEEN $date_from AND $date_to
ORDER BY trade_date
