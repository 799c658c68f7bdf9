-- mode: sql
-- Option bar intervals stored for a symbol (1440 = daily), ascending.
-- params: symbol
SELECT DISTINCT bar_minutes FROM option_bars WHERE symbol = :symbol ORDER BY bar_minutes
