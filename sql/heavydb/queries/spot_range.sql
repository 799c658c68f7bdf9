-- mode: sql
-- First and last spot bar of a symbol at an interval (the data a backtest can use).
-- params: symbol, bar_minutes
SELECT MIN(ts) AS first_ts, MAX(ts) AS last_ts, COUNT(*) AS n_bars
FROM spot_bars
WHERE symbol = :symbol AND bar_minutes = :bar_minutes
