-- First and last spot bar of a symbol at an interval (the data a backtest can use).
-- params: symbol, bar_minutes
SELECT min(ts) AS first_ts, max(ts) AS last_ts, count(*) AS n_bars
FROM spot_bars
WHERE symbol = $symbol AND bar_minutes = $bar_minutes
