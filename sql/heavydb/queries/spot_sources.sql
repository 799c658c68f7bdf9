-- mode: sql
-- Spot bars of a symbol at an interval within a window, counted by source (FILE, UNDERLYING,
-- DERIVED_FUTURES, DERIVED_PARITY; NULL for bars written before the column): a run says how
-- much of its timeline is an estimate rather than the index's own close.
-- params: symbol, bar_minutes, ts_from, ts_to
SELECT source, COUNT(*) AS n
FROM spot_bars
WHERE symbol = :symbol AND bar_minutes = :bar_minutes AND ts >= :ts_from AND ts <= :ts_to
GROUP BY source
ORDER BY source
