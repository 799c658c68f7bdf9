-- Daily IVP, IVR and ATR percentile of a symbol (as of each day's close), oldest first.
-- params: symbol, date_from, date_to
SELECT trade_date, ivp, ivr, atr_pct
FROM daily_features
WHERE symbol = $symbol AND trade_date BETWEEN $date_from AND $date_to
ORDER BY trade_date
