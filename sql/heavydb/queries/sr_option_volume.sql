-- mode: sql
-- Summed option volume of :symbol per bar stamp in [:ts_from, :before) at :bar_minutes.
-- params: symbol, bar_minutes, ts_from, before
SELECT ts, SUM(volume) AS volume
FROM option_bars
WHERE symbol = :symbol AND bar_minutes = :bar_minutes AND ts >= :ts_from AND ts < :before
GROUP BY ts
ORDER BY ts
