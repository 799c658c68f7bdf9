-- The days each symbol has spot bars on, per bar interval (the missing-days check compares
-- them with the exchange's trading days between the first and the last).
-- params: none
SELECT symbol, bar_minutes, CAST(ts AS DATE) AS day
FROM spot_bars GROUP BY symbol, bar_minutes, CAST(ts AS DATE)
ORDER BY 1, 2, 3
