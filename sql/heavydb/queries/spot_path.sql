-- mode: sql
-- Index bars over [ts_from, ts_to].
-- params: symbol, bar_minutes, ts_from, ts_to
SELECT ts, "open", high, low, "close", volume
FROM spot_bars
WHERE symbol = :symbol AND bar_minutes = :bar_minutes AND ts BETWEEN :ts_from AND :ts_to
ORDER BY ts
