-- mode: sql
-- Symbols with daily index bars (the ones daily_features can be computed for).
-- params: none
SELECT DISTINCT symbol FROM spot_bars WHERE bar_minutes = 1440 ORDER BY symbol
